"""Helpers for the script engine tests: fixture paths and diagnostic lookups."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.engine.model.diagnostic import Diagnostic
from app.engine.model.script import Script
from tests.conftest import FIXTURES

SCRIPTS = FIXTURES / "scripts"
VALID = SCRIPTS / "valid"
BAD = SCRIPTS / "diagnostics"


@pytest.fixture
def valid_dir() -> Path:
    return VALID


@pytest.fixture
def bad_dir() -> Path:
    return BAD


def at(script: Script, line: int, severity: str | None = None) -> list[Diagnostic]:
    """Diagnostics on ``line`` (of ``severity`` when given)."""
    return [
        d
        for d in script.diagnostics
        if d.line == line and (severity is None or d.severity.value == severity)
    ]


def problems(script: Script) -> list[str]:
    """Errors and warnings formatted, for readable assertion failures (notes left out)."""
    return [d.format() for d in script.diagnostics if d.severity.value != "info"]
