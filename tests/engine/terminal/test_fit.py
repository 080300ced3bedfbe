"""Windows sized to their content: big text measured in the pixels, inside the stage's view area."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.engine.model import BlockOptions, CodeBeat, TerminalBeat
from app.engine.motion.stage import Rect, Stage
from app.engine.terminal import (
    SessionAnimation,
    build_animation,
    build_view_animation,
    fit_window,
    load_theme,
    row_px_limits,
)
from app.engine.terminal.animation import BLINK_MS
from app.engine.terminal.content import TerminalContent
from app.engine.terminal.render import Painter

from .conftest import code_beat, terminal_beat

THEME = load_theme("dracula")
LANDSCAPE = Stage(1920, 1080)
SHORT = Stage(1080, 1920)
# Every text row below holds capitals or digits and nothing taller (no i, j or brackets,
# whose tops sit higher), so each row's ink starts at the same height in its cell and
# row starts are one pitch apart.
BLOCKS: dict[str, TerminalBeat | CodeBeat] = {
    "3 lines": terminal_beat(["$ echo Hello 2024", "Hello 2024"]),
    "12 lines": terminal_beat(
        ["$ make All"]
        + [
            f"Made target {i:02d} at 0.{i:02d} seconds, Stored 1{i:02d} blocks, ALL 100 OK"
            for i in range(10)
        ]
    ),
    "40 lines of output": terminal_beat(
        ["$ cat Notes"] + [f"Row {i:02d} of the table, Checked 1{i:02d}" for i in range(40)]
    ),
    "a 100 character line": terminal_beat(["$ echo Done", ("Word0123456789" * 8)[:100]]),
    "20 lines of Python": code_beat(
        "\n".join(f"def Step{i}(value):\n    return value + {i}" for i in range(10)) + "\n"
    ),
}


def _area(stage: Stage) -> Rect:
    return stage.view_area


def _limits(stage: Stage) -> tuple[int, int]:
    return row_px_limits(stage.width, stage.height)


def _still(anim: SessionAnimation) -> tuple[int, np.ndarray]:
    """The finished view with the blinking cursor off, so only text is drawn."""
    ms = anim.session.events[-1].ms + BLINK_MS + 10
    assert ms <= anim.duration_ms and not anim.cursor_visible(ms)
    return ms, anim.frame_at(ms)


def _window_box(frame: np.ndarray) -> tuple[int, int, int, int]:
    """``(x0, y0, x1, y1)`` of the opaque window: the soft shadow is never fully opaque."""
    ys, xs = np.nonzero(frame[..., 3] == 255)
    return int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1


def _ink(frame: np.ndarray, color: tuple[int, int, int]) -> np.ndarray:
    """Pixels drawn in ``color`` at full coverage (glyph cores, not antialiased edges)."""
    diff = np.abs(frame[..., :3].astype(int) - np.array(color)).max(axis=2)
    return (diff <= 24) & (frame[..., 3] == 255)


def _row_starts(ink: np.ndarray) -> list[int]:
    """Where each run of inked pixel rows begins, top to bottom."""
    rows = ink.any(axis=1).astype(np.int8)
    return [int(y) for y in np.flatnonzero(np.diff(np.concatenate([[0], rows])) == 1)]


def _pitch(frame: np.ndarray, color: tuple[int, int, int]) -> int:
    starts = _row_starts(_ink(frame, color))
    assert len(starts) >= 2, "too few text rows to measure"
    diffs = np.diff(starts)
    pitch = int(np.median(diffs))
    assert (np.abs(diffs - pitch) <= 1).all(), f"uneven rows: {diffs}"
    return pitch


@pytest.mark.parametrize("stage", [LANDSCAPE, SHORT], ids=["16:9", "9:16"])
@pytest.mark.parametrize("name", list(BLOCKS))
def test_view_text_rows_are_tall_and_the_window_fills_the_area(stage: Stage, name: str) -> None:
    beat = BLOCKS[name]
    area = _area(stage)
    lo, hi = _limits(stage)
    assert lo == (36 if stage is LANDSCAPE else 40)
    anim = build_view_animation(beat, area.w, area.h, min_row_px=lo, max_row_px=hi, theme="dracula")
    fit = anim.fit
    assert fit is not None
    _, frame = _still(anim)
    # The picture is the window and its shadow margin, inside the area.
    assert frame.shape == (anim.height, anim.width, 4)
    assert anim.width <= area.w and anim.height <= area.h
    x0, y0, x1, y1 = _window_box(frame)
    assert (x0, y0, x1 - x0, y1 - y0) == (fit.win_x, fit.win_y, fit.win_w, fit.win_h)
    assert frame[0, 0, 3] == 0 and frame[-1, -1, 3] == 0  # transparent around the window
    assert 0 < frame[y1 + fit.margin // 4, (x0 + x1) // 2, 3] < 255  # a soft shadow below it
    # Rows measured in the pixels: text glyph tops, one pitch apart.
    color = THEME.ansi[8] if isinstance(beat, CodeBeat) else THEME.foreground  # line numbers / text
    pitch = _pitch(frame[y0 + fit.title_h : y1, x0:x1], color)
    assert pitch >= lo
    assert abs(pitch - fit.cell_h) <= 1
    assert anim.state_at(0).rows == fit.rows  # the emulator screen is the window's size
    # As large as the content allows: rows at the largest size, or the window touches the area.
    fills = (x1 - x0 + 2 * fit.margin) >= 0.9 * area.w or (y1 - y0 + 2 * fit.margin) >= 0.9 * area.h
    assert fills or pitch >= hi - 2
    # The text spans the window: the widest row of text against the window's inner width.
    ink = (
        np.abs(frame[y0 + fit.title_h : y1, x0:x1, :3].astype(int) - THEME.background).max(axis=2)
        > 60
    )
    cols = np.flatnonzero(ink.any(axis=0))
    widest_line = max(ln for ln in _widths(beat))
    if widest_line >= 40:
        assert (cols.max() - cols.min()) > 0.7 * (fit.win_w - 2 * fit.padding)


def _widths(beat: TerminalBeat | CodeBeat) -> list[int]:
    if isinstance(beat, TerminalBeat):
        return [len(ln.text) + (2 if ln.kind == "command" else 0) for ln in beat.lines]
    return [len(ln) + 5 for ln in beat.code.splitlines()]


def test_three_lines_get_big_text_and_long_output_scrolls_at_the_smallest_rows() -> None:
    area = _area(LANDSCAPE)
    lo, hi = _limits(LANDSCAPE)
    small = build_view_animation(
        BLOCKS["3 lines"], area.w, area.h, min_row_px=lo, max_row_px=hi, theme="dracula"
    )
    assert small.fit is not None and small.fit.rows == 3
    assert _pitch(_still(small)[1], THEME.foreground) >= 1.5 * lo
    long = build_view_animation(
        BLOCKS["40 lines of output"], area.w, area.h, min_row_px=lo, max_row_px=hi, theme="dracula"
    )
    fit = long.fit
    assert fit is not None and fit.scrolls and fit.content_rows == 42 and fit.rows < 42
    # The last lines and the prompt are on screen at the end; the first ones scrolled away.
    end = long.text_at(long.duration_ms)
    assert end[-2:] == ["Row 39 of the table, Checked 139", "$"] and "$ cat Notes" not in end
    assert fit.height + fit.cell_h > area.h  # as many rows as fit: one more would not


def test_long_lines_wrap_in_a_short_and_count_their_rows() -> None:
    area = _area(SHORT)
    lo, hi = _limits(SHORT)
    beat = BLOCKS["a 100 character line"]
    fit = fit_window(beat, area.w, area.h, min_row_px=lo, max_row_px=hi)
    assert 44 <= fit.cols <= 52  # as wide as 40 px rows allow on a phone
    assert (
        fit.rows == 1 + 2 + 1 and fit.content_rows == 4
    )  # command, the line wrapped in two, prompt
    anim = build_view_animation(beat, area.w, area.h, min_row_px=lo, max_row_px=hi)
    text = anim.text_at(anim.duration_ms)
    assert "".join(text[1:3]) == ("Word0123456789" * 8)[:100]
    capped = fit_window(beat, area.w, area.h, min_row_px=lo, max_row_px=hi, max_cols=30)
    assert capped.cols == 30 and capped.rows == 1 + 4 + 1
    # The block's own cols= and rows= replace the measured sizes, still within the area.
    asked = fit_window(
        terminal_beat(["$ ls"], cols="40", rows="6"), area.w, area.h, min_row_px=lo, max_row_px=hi
    )
    assert (asked.cols, asked.rows) == (40, 6)
    wide = fit_window(
        terminal_beat(["$ ls"], cols="200"), area.w, area.h, min_row_px=lo, max_row_px=hi
    )
    assert wide.cols == fit.cols and wide.width <= area.w


@settings(max_examples=60, deadline=None)
@given(
    w=st.integers(120, 4000),
    h=st.integers(120, 4000),
    lo=st.integers(8, 60),
    lines=st.lists(st.text(alphabet="abc xyz-01", max_size=140), max_size=60),
    code=st.booleans(),
)
def test_any_fit_stays_inside_its_area_with_rows_at_least_the_minimum(
    w: int, h: int, lo: int, lines: list[str], code: bool
) -> None:
    beat = code_beat("\n".join(lines)) if code else terminal_beat(["$ run", *lines])
    fit = fit_window(beat, w, h, min_row_px=lo, max_row_px=2 * lo)
    assert fit.width <= w and fit.height <= h
    if w >= 400 and h >= 400:  # room for a row at the minimum: never smaller, at most the maximum
        assert lo <= fit.cell_h <= 2 * lo
    assert 1 <= fit.rows <= fit.content_rows
    if fit.scrolls and w >= 400 and h >= 400:  # as many rows as fit at the smallest size
        smallest = fit_window(beat, w, h, min_row_px=lo, max_row_px=lo)
        assert smallest.rows == fit.rows and smallest.height + smallest.cell_h > h
    assert fit.win_x == fit.win_y == fit.margin


def test_view_animations_keep_themes_effects_reveals_cursors_and_retiming() -> None:
    area = _area(SHORT)
    lo, hi = _limits(SHORT)
    beat = BLOCKS["12 lines"]
    plain = build_view_animation(beat, area.w, area.h, min_row_px=lo, max_row_px=hi, theme="nord")
    assert plain.theme.name == "nord"
    t = plain.duration_ms
    f = plain.frame_at(t)
    assert f.shape == (plain.height, plain.width, 4)
    fit = plain.fit
    assert fit is not None
    inside = f[fit.win_y + fit.title_h + 2, fit.win_x + fit.padding // 2, :3]
    assert tuple(inside) == load_theme("nord").background
    slow = plain.retimed(t * 2)
    assert (
        slow.duration_ms == t * 2
        and slow.fit == fit
        and (slow.width, slow.height) == (plain.width, plain.height)
    )
    assert slow.text_at(slow.duration_ms) == plain.text_at(t)
    assert np.array_equal(slow.frame_at(slow.duration_ms), plain.frame_at(t))
    lines = build_view_animation(
        terminal_beat(beat_lines(beat), effects="scanlines"),
        area.w,
        area.h,
        min_row_px=lo,
        max_row_px=hi,
        theme="nord",
    )
    assert not np.array_equal(lines.frame_at(t), f)
    dec = build_view_animation(
        terminal_beat(beat_lines(beat), reveal="decrypt"),
        area.w,
        area.h,
        min_row_px=lo,
        max_row_px=hi,
    )
    assert dec.diagnostics == [] and dec.text_at(dec.duration_ms) == plain.text_at(t)
    frames = {}
    for style in ("block", "bar", "underline"):
        a = build_view_animation(
            terminal_beat(["$ ls"], cursor=style), area.w, area.h, min_row_px=lo, max_row_px=hi
        )
        assert a.cursor_visible(0)
        frames[style] = a.frame_at(0)
    assert not np.array_equal(frames["block"], frames["bar"]) and not np.array_equal(
        frames["bar"], frames["underline"]
    )
    bare = build_view_animation(
        terminal_beat(["$ ls"], chrome="off"), area.w, area.h, min_row_px=lo, max_row_px=hi
    )
    assert bare.fit is not None and bare.fit.margin == 0 and bare.fit.title_h == 0
    assert bare.frame_at(0)[..., 3].min() == 255  # no chrome: the picture is all window


def beat_lines(beat: TerminalBeat | CodeBeat) -> list[str]:
    assert isinstance(beat, TerminalBeat)
    return [("$ " if ln.kind == "command" else "") + ln.text for ln in beat.lines]


def test_full_frame_animations_are_unchanged_for_the_terminal_command() -> None:
    anim = build_animation(BLOCKS["3 lines"], width=640, height=360)
    assert anim.fit is None and (anim.session.cols, anim.session.rows) == (80, 24)
    assert anim.frame_at(anim.duration_ms).shape == (360, 640, 4)


# -- titles ---------------------------------------------------------------------------


def test_default_titles_say_nothing_about_the_commands() -> None:
    assert terminal_beat(["$ rm -rf build"]).lines  # the helper parsed a command
    title = build_animation(terminal_beat(["$ rm -rf build"]), width=320, height=180).session.title
    assert title == "Terminal"
    at = build_animation(
        terminal_beat(["$ rm -rf build"], prompt="ada@lab:~$ "), width=320, height=180
    )
    assert at.session.title == "ada@lab"
    named = build_animation(
        terminal_beat(["$ rm -rf build"], title="Cleaning up"), width=320, height=180
    )
    assert named.session.title == "Cleaning up"
    assert build_animation(code_beat("x = 1\n"), width=320, height=180).session.title == "main.py"
    assert (
        build_animation(code_beat("fn main() {}\n", "rust"), width=320, height=180).session.title
        == "main.rs"
    )
    assert (
        build_animation(code_beat("x\n", "no-such-language"), width=320, height=180).session.title
        == "no-such-language"
    )
    assert (
        build_animation(
            CodeBeat(
                line=2, language="python", code="x = 1\n", options=BlockOptions(title="app.py")
            ),
            width=320,
            height=180,
        ).session.title
        == "app.py"
    )


@pytest.mark.parametrize("prompt", [None, "ada@lab:~$ "])
def test_no_frame_shows_the_command_in_the_title_before_it_is_typed(prompt: str | None) -> None:
    area = _area(LANDSCAPE)
    lo, hi = _limits(LANDSCAPE)
    opts = {"prompt": prompt} if prompt else {}
    # Two commands of the same length: the same window, so title bars compare pixel for pixel.
    one = build_view_animation(
        terminal_beat(["$ git push --force-with-lease", "done"], **opts),
        area.w,
        area.h,
        min_row_px=lo,
        max_row_px=hi,
    )
    two = build_view_animation(
        terminal_beat(["$ make deploy TARGET=staging1", "done"], **opts),
        area.w,
        area.h,
        min_row_px=lo,
        max_row_px=hi,
    )
    assert one.fit == two.fit and one.fit is not None
    fit = one.fit
    assert "git" not in one.session.title and "push" not in one.session.title
    first_key = next(e.ms for e in one.session.events if e.key and e.data)
    bar = (slice(fit.win_y, fit.win_y + fit.title_h), slice(fit.win_x, fit.win_x + fit.win_w))
    for ms in range(0, first_key, max(1, first_key // 6)):
        assert one.text_at(ms)[0].strip() in ("$", "ada@lab:~$")  # nothing typed yet
        assert np.array_equal(one.frame_at(ms)[bar], two.frame_at(ms)[bar])
    # The comparison sees titles: a title naming the command draws a different bar.
    painter = one.painter(fit.cols, fit.rows)
    telling = Painter(
        one.theme,
        painter.layout,
        painter.atlas,
        title="$ git push --force-with-lease",
        transparent=True,
        shadow=True,
    )
    assert not np.array_equal(telling.base[bar], one.frame_at(0)[bar])


# -- hostile blocks ---------------------------------------------------------------------


HOSTILE = {
    "a 200 KB line": (terminal_beat(["$ cat big.log", "x" * 200_000]), "200,000 characters"),
    "10,000 lines of output": (
        terminal_beat(["$ seq 10000"] + [str(i) for i in range(1, 10_001)]),
        "9,751 lines omitted",
    ),
    "10,000 lines of code": (
        code_beat("\n".join(f"value_{i} = compute({i})" for i in range(10_000))),
        "9,750 lines omitted",
    ),
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_blocks_are_cut_with_a_warning_and_render(name: str) -> None:
    beat, said = HOSTILE[name]
    area = _area(SHORT)
    lo, hi = _limits(SHORT)
    anim = build_view_animation(beat, area.w, area.h, min_row_px=lo, max_row_px=hi)
    warnings = [d for d in anim.diagnostics if said in d.message]
    assert (
        len(warnings) == 1 and warnings[0].line == beat.line and warnings[0].severity == "warning"
    )
    # Bounded: a few window widths a line, 250 lines and a marker a block.
    assert len(anim.session.events) < 12_000
    assert sum(len(e.data) for e in anim.session.events) < 200_000
    for ms in (0, anim.duration_ms // 2, anim.duration_ms):
        frame = anim.frame_at(ms)
        assert frame.shape == (anim.height, anim.width, 4) and frame[..., 3].max() == 255
    seen = "\n".join(e.data for e in anim.session.events)
    if "line" in name and "KB" in name:
        assert "x" * 100 + "…" in seen and "x" * 1000 not in seen
    else:
        assert "lines omitted" in seen
        last = "10000" if "output" in name else "value_9999 = compute(9999)"
        assert any(last in row for row in anim.text_at(anim.duration_ms))
    # The full-frame path cuts the same way.
    full = build_animation(beat, width=640, height=360)
    assert any(said in d.message for d in full.diagnostics)
    assert full.frame_at(full.duration_ms).shape == (360, 640, 4)


def test_a_cut_coloured_line_ends_its_colour_and_never_inside_an_escape() -> None:
    long = "\x1b[31m" + "r" * 300 + "\x1b[0m"
    for limit in range(4, 12):  # cuts landing inside and just after the escape sequence
        content = TerminalContent.of(terminal_beat(["$ log", long]), limit)
        text = content.lines[1].text
        assert text.endswith("…") and len(text) <= limit + len("\x1b[0m")
        assert "\x1b[31m" in text or "\x1b" not in text  # the escape kept whole or not at all
    area = _area(SHORT)
    lo, hi = _limits(SHORT)
    anim = build_view_animation(
        terminal_beat(["$ log", long]), area.w, area.h, min_row_px=lo, max_row_px=hi
    )
    shown = [row for row in anim.text_at(anim.duration_ms) if row.startswith("r")]
    assert shown[-1].endswith("r…") and all(set(row) <= {"r", "…"} for row in shown)
    assert anim.state_at(anim.duration_ms).screen.buffer[1][0].fg == "red"
