"""The painter: text pixel-exact against the glyph atlas, sharp at 1080p and 4K, alpha where asked."""

from __future__ import annotations

import numpy as np

from app.engine.terminal import animate_session, build_animation, load_theme
from app.engine.terminal.fonts import GlyphAtlas
from app.engine.terminal.render import compute_layout
from app.engine.terminal.session import Event, Session

from .conftest import code_beat, terminal_beat


def _expected_cell(
    atlas: GlyphAtlas,
    ch: str,
    fg: tuple[int, int, int],
    bg: tuple[int, int, int],
    *,
    bold: bool = False,
    cells: int = 1,
) -> np.ndarray:
    """A cell computed independently from the atlas mask: bg + (fg - bg) * coverage."""
    m = atlas.mask(ch, bold, False, cells).astype(np.float64) / 255.0
    out = np.empty((*m.shape, 3), dtype=np.uint8)
    for c in range(3):
        out[..., c] = np.rint(bg[c] + (fg[c] - bg[c]) * m).astype(np.uint8)
    return out


def test_rendered_cells_are_pixel_exact_against_the_atlas_at_1080p() -> None:
    theme = load_theme("dracula")
    data = "\x1b[1mBold\x1b[0m \x1b[31mred\x1b[0m gq|中"
    session = Session(80, 24, events=[Event(0, data=data)], duration_ms=100, cursor_blink=False)
    anim = animate_session(session, width=1920, height=1080, theme=theme)
    frame = anim.frame_at(50)
    assert frame.shape == (1080, 1920, 4) and frame.dtype == np.uint8
    painter = anim.painter(80, 24)
    L, atlas = painter.layout, painter.atlas
    # Sized from the output: 24 rows fill most of the 1080 px height, never tiny and scaled.
    assert L.cell_h * 24 > 1080 * 0.7 and atlas.cell_h == L.cell_h
    assert L.text_x == L.win_x + L.padding  # whole-pixel origin

    def cell(x: int, y: int, cells: int = 1) -> np.ndarray:
        px, py = L.text_x + x * L.cell_w, L.text_y + y * L.cell_h
        return frame[py : py + L.cell_h, px : px + cells * L.cell_w, :3]

    for i, ch in enumerate("Bold"):
        assert np.array_equal(
            cell(i, 0), _expected_cell(atlas, ch, theme.foreground, theme.background, bold=True)
        )
    for i, ch in enumerate("red"):
        assert np.array_equal(
            cell(5 + i, 0), _expected_cell(atlas, ch, theme.ansi[1], theme.background)
        )
    for i, ch in enumerate("gq|"):
        assert np.array_equal(
            cell(9 + i, 0), _expected_cell(atlas, ch, theme.foreground, theme.background)
        )
    # The wide glyph spans two cells, drawn from one double-width mask.
    assert np.array_equal(
        cell(12, 0, 2), _expected_cell(atlas, "中", theme.foreground, theme.background, cells=2)
    )
    assert cell(12, 0, 2).std() > 0  # a real glyph from a fallback font, not a blank
    # Sharp: strokes reach full coverage, as they would not if drawn small and scaled up.
    assert atlas.mask("|").max() == 255 and atlas.mask("B", True).max() == 255
    # Bold differs from regular.
    assert not np.array_equal(atlas.mask("B", True), atlas.mask("B"))


def test_font_size_follows_the_output_resolution() -> None:
    l1, a1 = compute_layout(1920, 1080, 80, 24)
    l4, a4 = compute_layout(3840, 2160, 80, 24)
    assert 1.9 <= a4.px / a1.px <= 2.1
    assert l4.cell_h >= 2 * l1.cell_h - 2
    assert l1.win_w <= 1920 and l1.win_h <= 1080


def test_transparent_outside_the_window_opaque_inside() -> None:
    beat = terminal_beat(["$ echo hi", "hi"])
    anim = build_animation(beat, width=640, height=360, transparent=True)
    frame = anim.frame_at(anim.duration_ms)
    L = anim.painter(anim.session.cols, anim.session.rows).layout
    alpha = frame[..., 3]
    assert alpha[:, : L.win_x].max() == 0 and alpha[:, L.win_x + L.win_w :].max() == 0
    assert alpha[: L.win_y].max() == 0 and alpha[L.win_y + L.win_h :].max() == 0
    inner = alpha[
        L.win_y + L.radius : L.win_y + L.win_h - L.radius,
        L.win_x + L.radius : L.win_x + L.win_w - L.radius,
    ]
    assert inner.min() == 255
    opaque = build_animation(beat, width=640, height=360).frame_at(0)
    assert opaque[..., 3].min() == 255


def test_cursor_styles_draw_differently_and_blink() -> None:
    frames = {}
    for style in ("block", "bar", "underline"):
        anim = build_animation(terminal_beat(["$ ls"], cursor=style), width=640, height=360)
        assert anim.cursor_visible(0)
        frames[style] = anim.frame_at(0)
    assert not np.array_equal(frames["block"], frames["bar"])
    assert not np.array_equal(frames["bar"], frames["underline"])
    anim = build_animation(terminal_beat(["$ ls"]), width=640, height=360)
    # Long after the last event the cursor blinks: on and off phases differ.
    end = anim.duration_ms
    phases = {anim.cursor_visible(end - k * 100) for k in range(12)}
    assert phases == {True, False}


def test_chrome_draws_title_bar_buttons_and_no_chrome_fills_the_frame() -> None:
    beat = terminal_beat(["$ ls"], title="My shell")
    with_chrome = build_animation(beat, width=640, height=360)
    bare = build_animation(beat, width=640, height=360, chrome=False)
    L = with_chrome.painter(with_chrome.session.cols, with_chrome.session.rows).layout
    f = with_chrome.frame_at(0)
    bar_row = f[L.win_y + L.title_h // 2, L.win_x : L.win_x + L.win_w // 4, :3]
    assert any(tuple(px) == (0xFF, 0x5F, 0x57) for px in bar_row)  # the red close button
    Lb = bare.painter(bare.session.cols, bare.session.rows).layout
    assert Lb.title_h == 0 and Lb.radius == 0
    coloured = build_animation(beat, width=640, height=360, margin_color=(1, 2, 3))
    assert tuple(coloured.frame_at(0)[2, 2]) == (1, 2, 3, 255)


def test_code_view_uses_theme_colours_and_line_numbers() -> None:
    theme = load_theme("one-dark")
    anim = build_animation(
        code_beat("def f(x):\n    return 'a'\n"), width=960, height=540, theme="one-dark"
    )
    screen = anim.state_at(anim.duration_ms).screen
    assert anim.text_at(anim.duration_ms)[:2] == ["  1  def f(x):", "  2      return 'a'"]
    row0 = screen.buffer[0]
    assert row0[2].fg == "brightblack"  # the line number
    assert row0[5].data == "d" and row0[5].fg == "magenta"  # keyword
    assert row0[9].data == "f" and row0[9].fg == "blue"  # function name
    assert screen.buffer[1][16].data == "'" and screen.buffer[1][16].fg == "green"  # string
    painter = anim.painter(anim.session.cols, anim.session.rows)
    assert painter.color("magenta", theme.foreground) == theme.ansi[5]
    assert anim.session.cursor_style == "bar"


def test_inverse_underline_tabs_and_hidden_cursor() -> None:
    theme = load_theme("gruvbox-dark")
    data = "\x1b[7mI\x1b[0m \x1b[4mU\x1b[0m\tT\x1b[?25l"
    session = Session(20, 4, events=[Event(0, data=data)], duration_ms=100, cursor_blink=False)
    anim = animate_session(session, width=640, height=360, theme=theme)
    assert anim.text_at(0)[0] == "I U     T"  # the tab stops at column 8
    frame = anim.frame_at(0)
    painter = anim.painter(20, 4)
    L = painter.layout

    def cell(x: int) -> np.ndarray:
        return frame[
            L.text_y : L.text_y + L.cell_h,
            L.text_x + x * L.cell_w : L.text_x + (x + 1) * L.cell_w,
            :3,
        ]

    # Inverse: the cell's background is the foreground colour.
    assert tuple(cell(0)[0, 0]) == theme.foreground
    # Underline: a full-width line of foreground below the glyph.
    rows_full = [y for y in range(L.cell_h) if (cell(2)[y] == theme.foreground).all()]
    assert rows_full and min(rows_full) > painter.atlas.baseline
    assert not any((cell(8)[y] == theme.foreground).all() for y in range(L.cell_h))
    # The cursor was hidden with DECTCEM: the cell after T stays background.
    assert (cell(9) == theme.background).all()
