"""asciinema .cast and VHS .tape import: replay, timing, and diagnostics for bad lines."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from app.engine.model import Severity
from app.engine.terminal import animate_session, load_theme
from app.engine.terminal.cast import parse_cast, read_cast
from app.engine.terminal.tape import parse_duration_ms, parse_tape, read_tape


def test_v2_cast_with_colours_and_a_progress_bar_replays(term_fixtures: Path) -> None:
    session = read_cast(term_fixtures / "progress_v2.cast")
    assert session.diagnostics == []
    assert (session.cols, session.rows) == (40, 8)
    assert session.title == "progress demo"
    anim = animate_session(session, width=640, height=360, theme="dracula")
    end = anim.text_at(anim.duration_ms)
    # The carriage-return progress bar leaves only its last state on one line.
    assert end[:5] == ["$ make", "Building target true", "[##########] 100%", "red bg 中文 ok", "$"]
    mid = anim.text_at(1250)  # second bar update at 1.2 s
    assert mid[2] == "[##........]  25%"
    screen = anim.state_at(anim.duration_ms).screen
    line1 = screen.buffer[1]
    assert line1[0].fg == "green" and line1[0].bold
    assert line1[9].fg == "ff8700"  # 256-colour 208
    assert line1[16].fg == "0ac8fa"  # truecolour
    line3 = screen.buffer[3]
    assert line3[0].fg == "red" and line3[4].bg == "blue"


def test_wide_characters_take_two_cells(term_fixtures: Path) -> None:
    session = read_cast(term_fixtures / "progress_v2.cast")
    screen = animate_session(session, width=640, height=360).state_at(10_000).screen
    row = screen.buffer[3]
    assert [row[i].data for i in range(7, 13)] == ["中", "", "文", "", " ", "o"]


def test_idle_cap_and_speed_factor(term_fixtures: Path) -> None:
    text = (term_fixtures / "progress_v2.cast").read_text()
    capped = parse_cast(text)  # header idle_time_limit 1.0 s
    last_ms = capped.events[-1].ms
    assert last_ms == 3100  # the final 5 s pause is capped to 1 s
    uncapped = parse_cast(text, idle_limit_s=100)
    assert uncapped.events[-1].ms == 7000
    fast = parse_cast(text, speed=2.0)
    assert fast.events[-1].ms == 1550
    assert [e.ms for e in fast.events][:3] == [50, 250, 400]
    assert capped.markers == [(2100, "done")]


def test_v3_relative_times_resize_markers_and_theme(term_fixtures: Path) -> None:
    session = read_cast(term_fixtures / "resize_v3.cast")
    assert session.diagnostics == []
    assert (session.cols, session.rows) == (30, 6)
    assert [e.ms for e in session.events] == [200, 500, 700, 800]
    assert session.events[1].resize == (50, 10)
    assert session.markers == [(800, "end")]
    anim = animate_session(session, width=640, height=360)
    assert anim.state_at(300).cols == 30
    assert anim.state_at(600).cols == 50 and anim.state_at(600).rows == 10
    assert anim.text_at(anim.duration_ms)[:2] == ["hello world", "after resize"]
    # The recording's own colours are used when no theme is chosen.
    assert anim.theme.background == (0x10, 0x10, 0x10)
    assert anim.theme.ansi[1] == (0xDD, 0x3C, 0x69)
    assert anim.frame_at(700).shape == (360, 640, 4)


def test_broken_cast_lines_are_diagnostics(term_fixtures: Path) -> None:
    session = read_cast(term_fixtures / "broken.cast")
    lines = {d.line: d for d in session.diagnostics}
    assert sorted(lines) == [3, 4, 5]
    assert "not a JSON event line" in lines[3].message
    assert "COLSxROWS" in lines[5].message
    anim = animate_session(session, width=320, height=180)
    assert anim.text_at(anim.duration_ms)[:2] == ["ok", "still ok"]
    bad = parse_cast('{"version": 7}\n')
    assert (
        bad.diagnostics[0].severity is Severity.ERROR and "version 7" in bad.diagnostics[0].message
    )
    assert parse_cast("").diagnostics[0].line == 1


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(max_size=30), max_size=6))
def test_any_cast_text_gives_diagnostics_not_exceptions(lines: list[str]) -> None:
    header = json.dumps({"version": 2, "width": 20, "height": 5})
    text = "\n".join([header, *lines])
    session = parse_cast(text)
    assert session.duration_ms >= 1
    for d in session.diagnostics:
        assert 2 <= d.line <= text.count("\n") + 1


def test_tape_types_edits_and_reports_bad_lines(term_fixtures: Path) -> None:
    session = read_tape(term_fixtures / "demo.tape", seed=1)
    diags = {d.line: d for d in session.diagnostics}
    assert "unknown command 'Frobnicate'" in diags[25].message
    assert "unknown setting 'Bogus'" in diags[26].message
    assert diags[27].severity is Severity.ERROR and "Sleep" in diags[27].message
    assert session.settings["Output"] == str((term_fixtures / "demo.webm").resolve())
    assert session.theme == "dracula"
    # 1200 px wide minus 2 x 40 padding at 22 px per 0.6 em cell.
    assert session.cols == int((1200 - 80) / (0.6 * 22))
    anim = animate_session(session, width=640, height=360)
    assert anim.theme == load_theme("dracula")
    end = anim.text_at(anim.duration_ms)
    assert end[:4] == ["> echo hello world", "> ls -la", "> ^C", ">"]


def test_tape_hide_takes_no_time_and_typing_speed_applies() -> None:
    visible = parse_tape('Set TypingSpeed 100ms\nType "abc"\nEnter\n')
    hidden = parse_tape('Set TypingSpeed 100ms\nType "abc"\nHide\nType "xyz"\nEnter\nShow\nEnter\n')
    assert visible.diagnostics == [] and hidden.diagnostics == []
    typed = [e for e in visible.events if e.key]
    assert len(typed) == 4
    # The hidden part adds no time: only the final Enter after Show does.
    shown_before = max(e.ms for e in hidden.events if e.data.endswith("c"))
    hidden_evs = [e for e in hidden.events if e.data.startswith(("x", "y", "z"))]
    assert all(e.ms == shown_before for e in hidden_evs)
    # Typing at 100 ms a key averages near 100 ms between keys.
    gaps = [b.ms - a.ms for a, b in itertools.pairwise(typed)]
    assert 40 <= sum(gaps) / len(gaps) <= 250


def test_tape_durations_and_malformed_arguments() -> None:
    assert parse_duration_ms("500ms") == 500
    assert parse_duration_ms("1.5s") == 1500
    assert parse_duration_ms("2") == 2000
    assert parse_duration_ms("later") is None
    s = parse_tape('Type hello\nBackspace many\nSet FontSize big\nType@fast "x"\nCtrl+C\n')
    assert [d.line for d in s.diagnostics] == [1, 2, 3, 4]
    assert parse_tape("").events  # an empty tape still shows a prompt


def test_tape_clear_while_hidden_leaves_a_clean_screen() -> None:
    session = parse_tape('Hide\nType "cd /tmp && clear"\nEnter\nShow\nType "pwd"\n')
    anim = animate_session(session, width=320, height=180)
    assert anim.text_at(anim.duration_ms)[:2] == ["> pwd", ""]
    assert session.events[-1].ms > 0
    kept = animate_session(parse_tape('Type "clearly"\nEnter\n'), width=320, height=180)
    assert kept.text_at(kept.duration_ms)[:2] == ["> clearly", ">"]


def test_tape_theme_names_follow_vhs_spelling() -> None:
    assert parse_tape('Set Theme "TokyoNight"\n').theme == "tokyo-night"
    assert parse_tape("Set Theme Catppuccin Mocha\n").theme == "catppuccin-mocha"
    odd = parse_tape('Set Theme "Nonexistent Theme"\nType "x"\n')
    assert (
        odd.theme is None
        and odd.diagnostics[0].line == 1
        and "unknown theme" in odd.diagnostics[0].message
    )
    anim = animate_session(odd, width=320, height=180)  # falls back to the default theme
    assert anim.theme == load_theme(None)


@settings(max_examples=80, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.text(max_size=25),
            st.sampled_from(
                [
                    "Type",
                    'Type "a',
                    "Sleep",
                    "Enter x",
                    "Set",
                    "Set Width",
                    "Set Theme {",
                    "Ctrl+",
                    "Hide",
                    "Backspace@ 2",
                    "Output",
                ]
            ),
        ),
        max_size=8,
    )
)
def test_any_tape_text_gives_diagnostics_not_exceptions(lines: list[str]) -> None:
    text = "\n".join(lines)
    session = parse_tape(text)
    assert session.duration_ms >= 1 and session.events
    for d in session.diagnostics:
        assert 1 <= d.line <= text.count("\n") + 1


def test_a_missing_theme_file_in_a_tape_is_a_diagnostic(tmp_path: Path) -> None:
    session = parse_tape(f'Set Theme "{tmp_path / "gone.json"}"\nType "x"\n')
    anim = animate_session(session, width=320, height=180)
    assert anim.theme == load_theme(None)
    assert any("gone.json" in d.message for d in anim.diagnostics)
