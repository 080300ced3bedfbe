"""How big an imported recording or tape may be: the resource limits, as data.

A ``.cast`` or ``.tape`` is someone else's file. Every size, count, time and speed it
can name is bounded here, once, so a hostile or mistaken file ends in a diagnostic that
names its line and the fix instead of gigabytes of memory, hours of work or a crash.
The screen (:mod:`app.engine.terminal.screen`) enforces the terminal size again, so no
other path can build a larger one.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from app.engine.model import Diagnostic, Severity


@dataclass(frozen=True)
class ImportLimits:
    """The largest terminal, recording and tape Castline imports."""

    max_cols: int = 500
    """Terminal columns (a 4K frame shows about 400 legible ones)."""
    max_rows: int = 200
    max_duration_ms: int = 3_600_000
    """One hour of recording or tape, after idle caps and speed."""
    max_events: int = 1_000_000
    max_file_bytes: int = 64 * 1024 * 1024
    """A ``.cast`` or ``.tape`` file; larger ones are not read at all."""
    max_typed_chars: int = 10_000
    """Characters typed by one tape (every ``Type`` together)."""
    max_title_chars: int = 200
    max_repeat: int = 1_000
    """A tape's key repeat count (``Enter 3``)."""
    min_speed: float = 0.05
    max_speed: float = 100.0
    """Playback speed factors (a cast's ``--speed``, a tape's ``PlaybackSpeed``)."""
    min_typing_ms: int = 1
    max_typing_ms: int = 10_000
    """A tape's ``TypingSpeed`` (the wait per character)."""
    max_pixels: int = 8192
    """A tape's ``Width``, ``Height``, ``Padding`` and ``FontSize`` in pixels."""


LIMITS = ImportLimits()


def read_import(path: Path) -> str | Diagnostic:
    """The text of a ``.cast`` or ``.tape``, or the error diagnostic saying why not."""

    def error(message: str) -> Diagnostic:
        return Diagnostic(line=1, severity=Severity.ERROR, message=message, file=str(path))

    try:
        with path.open("rb") as fh:
            data = fh.read(LIMITS.max_file_bytes + 1)
    except OSError as exc:
        return error(f"cannot read: {exc.strerror or exc}")
    if len(data) > LIMITS.max_file_bytes:
        return error(
            f"the file is larger than {LIMITS.max_file_bytes // 2**20} MiB, the most Castline "
            "imports; cut it into parts."
        )
    return data.decode("utf-8", errors="replace")


def whole_number(text: str) -> int | None:
    """``text`` as a whole number when it is ASCII digits, else None.

    More than 12 digits read as 10**12, past every limit, so an absurd count is reported
    as too large instead of stalling (or failing) the conversion of a long digit string.
    """
    if not text or not text.isascii() or not text.isdigit():
        return None
    return int(text) if len(text) <= 12 else 10**12


def within_size(cols: int, rows: int) -> bool:
    """True when a ``cols`` x ``rows`` terminal is one Castline will build."""
    return 1 <= cols <= LIMITS.max_cols and 1 <= rows <= LIMITS.max_rows


def size_fix() -> str:
    """The end of a message about a terminal that is too large: what is allowed."""
    return f"a terminal is at most {LIMITS.max_cols}x{LIMITS.max_rows} cells"


__all__ = ["LIMITS", "ImportLimits", "read_import", "size_fix", "whole_number", "within_size"]
