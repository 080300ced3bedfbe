"""Hostile .cast and .tape files stop at the import limits with a diagnostic, never a crash.

Each case once took gigabytes, hours or an internal error. The figures come from
:data:`LIMITS`, so the tests follow the limits if they move.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.cli import main
from app.engine.model import Diagnostic
from app.engine.terminal import animate_session
from app.engine.terminal.cast import parse_cast
from app.engine.terminal.limits import LIMITS
from app.engine.terminal.session import Session
from app.engine.terminal.tape import parse_tape


def _errors(session: Session) -> list[Diagnostic]:
    return [d for d in session.diagnostics if d.is_error]


def _cast(header: dict[str, object], *events: list[object]) -> str:
    return "\n".join(json.dumps(x) for x in (header, *events))


def _fits(session: Session) -> None:
    """The session is inside every limit: size, length and count."""
    assert 1 <= session.cols <= LIMITS.max_cols and 1 <= session.rows <= LIMITS.max_rows
    assert session.duration_ms <= LIMITS.max_duration_ms + 60_000
    assert len(session.events) <= LIMITS.max_events + 1
    assert len(session.title) <= LIMITS.max_title_chars
    for e in session.events:
        if e.resize is not None:
            assert e.resize[0] <= LIMITS.max_cols and e.resize[1] <= LIMITS.max_rows


def test_a_huge_cast_header_size_is_an_error_and_clamped() -> None:
    session = parse_cast(_cast({"version": 2, "width": 10**18, "height": 24}, [0.1, "o", "hi"]))
    _fits(session)
    (err,) = _errors(session)
    assert err.line == 1 and "500" in err.message


def test_a_huge_resize_is_an_error_and_skipped() -> None:
    session = parse_cast(
        _cast({"version": 2, "width": 80, "height": 24}, [0.1, "r", "99999999999999999999x1"])
    )
    _fits(session)
    assert [d.line for d in _errors(session)] == [2]
    anim = animate_session(session, width=320, height=180)
    assert anim.state_at(anim.duration_ms).cols == 80


def test_an_event_an_age_away_is_an_error_and_the_recording_stops_at_an_hour() -> None:
    session = parse_cast(
        _cast({"version": 2, "width": 80, "height": 24}, [0.5, "o", "a"], [1e9, "o", "b"])
    )
    _fits(session)
    (err,) = _errors(session)
    assert err.line == 3 and "hour" in err.message and "idle-limit" in err.message
    assert [e.data for e in session.events] == ["a"]


def test_a_long_cast_title_is_cut() -> None:
    session = parse_cast(_cast({"version": 2, "width": 80, "height": 24, "title": "t" * 100_000}))
    _fits(session)
    assert session.title == "t" * LIMITS.max_title_chars


@pytest.mark.parametrize("speed", [1e-12, 1e12, float("nan"), float("inf")])
def test_a_cast_speed_out_of_bounds_is_an_error(speed: float) -> None:
    session = parse_cast(
        _cast({"version": 2, "width": 80, "height": 24}, [1, "o", "a"]), speed=speed
    )
    _fits(session)
    assert _errors(session)
    assert session.events[0].ms == 1000


@pytest.mark.parametrize(
    ("line", "words"),
    [
        ("Set Width 100000", "Width"),
        ("Set Height 100000", "Height"),
        ("Set FontSize 1", "columns"),
        ("Enter 999999999", "repeat"),
        ("Sleep 99999999m", "hour"),
        ("Set PlaybackSpeed 1e-12", "PlaybackSpeed"),
        ("Set TypingSpeed 99999999s", "TypingSpeed"),
    ],
)
def test_a_tape_past_a_limit_is_an_error_on_its_line(line: str, words: str) -> None:
    session = parse_tape(f'Type "ls"\n{line}\nType "x"\nEnter\n', file="demo.tape")
    _fits(session)
    errors = _errors(session)
    assert errors and errors[0].line == 2 and errors[0].file == "demo.tape"
    assert words in errors[0].message


def test_a_megabyte_of_typing_stops_at_the_typing_limit() -> None:
    session = parse_tape(f'Type "{"x" * 1_000_000}"\n')
    _fits(session)
    assert len([e for e in session.events if e.key]) == LIMITS.max_typed_chars
    assert _errors(session)[0].line == 1


def test_a_tape_with_an_error_exits_non_zero_without_an_internal_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tape = tmp_path / "wide.tape"
    tape.write_text('Set Width 100000\nType "ls"\nEnter\n')
    rc = main(["terminal", str(tape), "-o", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert rc == 1
    assert "internal error" not in err
    assert f"{tape}:1:" in err
    assert not (tmp_path / "out").exists()


def test_a_cast_resize_past_the_limit_renders_no_internal_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cast = tmp_path / "resize.cast"
    cast.write_text(
        _cast({"version": 2, "width": 20, "height": 5}, [0.1, "r", "99999999999999999999x1"])
    )
    rc = main(["terminal", str(cast), "-o", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert rc == 1 and "internal error" not in err and f"{cast}:2:" in err
