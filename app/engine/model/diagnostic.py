"""Diagnostics: bad input is data, not an exception."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict


class Severity(StrEnum):
    """How bad a diagnostic is. An error stops a render; a warning does not."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


class Diagnostic(BaseModel):
    """One problem found in user input, located to a 1-based line (and column)."""

    model_config = ConfigDict(frozen=True)

    line: int
    column: int = 1
    severity: Severity
    message: str
    file: str | None = None

    def format(self, file: str | None = None) -> str:
        """The compilers' form ``file:line:col: severity: message``."""
        name = file or self.file or "<script>"
        return f"{name}:{self.line}:{self.column}: {self.severity.value}: {self.message}"

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR


def has_errors(diagnostics: list[Diagnostic]) -> bool:
    """True when any diagnostic is an error."""
    return any(d.is_error for d in diagnostics)
