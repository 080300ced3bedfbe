"""Shared helpers for the terminal engine tests: blocks built directly from the model."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.engine.model import BlockOptions, CodeBeat, TerminalBeat, TerminalLine

TERMINAL_FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "terminal"


def terminal_beat(lines: list[str], **options: str) -> TerminalBeat:
    """A terminal block as the parser would give it: ``$ `` lines are commands."""
    parsed = [
        TerminalLine(kind="command", text=ln[2:])
        if ln.startswith("$ ")
        else TerminalLine(kind="output", text=ln)
        for ln in lines
    ]
    known = {k: v for k, v in options.items() if k in ("theme", "prompt", "title")}
    extra = {k: v for k, v in options.items() if k not in ("theme", "prompt", "title", "speed")}
    opts = BlockOptions(
        **known, speed=float(options["speed"]) if "speed" in options else None, extra=extra
    )
    return TerminalBeat(
        line=3,
        commands=[p.text for p in parsed if p.kind == "command"],
        lines=parsed,
        options=opts,
        info="terminal",
    )


def code_beat(code: str, language: str = "python", **extra: str) -> CodeBeat:
    return CodeBeat(
        line=7, language=language, code=code, options=BlockOptions(extra=extra), info=language
    )


@pytest.fixture
def term_fixtures() -> Path:
    return TERMINAL_FIXTURES
