"""Drawing a terminal screen into RGBA frames: window chrome, cached cell tiles, cursor.

Every cell is a tile (an opaque ``cell_h x cell_w`` RGBA block) built once per distinct
(character, colours, attributes) from the glyph atlas and kept in one numpy array;
a frame is the tile grid gathered row by row with fancy indexing, so the per-frame
path is numpy only and redraws just the rows that changed since the last frame.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Literal

import numpy as np
from PIL import Image, ImageDraw, ImageFilter
from pyte.screens import Char
from wcwidth import wcwidth

from app.engine.terminal.fonts import GlyphAtlas
from app.engine.terminal.themes import RGB, Theme, palette_256, parse_color

CursorStyle = Literal["block", "bar", "underline"]
CURSOR_STYLES: tuple[str, ...] = ("block", "bar", "underline")

_NAMED = {
    "black": 0, "red": 1, "green": 2, "brown": 3, "yellow": 3, "blue": 4, "magenta": 5,
    "cyan": 6, "white": 7, "brightblack": 8, "brightred": 9, "brightgreen": 10,
    "brightbrown": 11, "brightyellow": 11, "brightblue": 12, "brightmagenta": 13,
    "bfightmagenta": 13, "brightcyan": 14, "brightwhite": 15,
}  # fmt: skip
# pyte turns 256-colour indices 0-15 into xterm's fixed values; these (unique to the
# first 16) are mapped back to the theme's own colours.
_XTERM_16 = {
    "cd0000": 1, "00cd00": 2, "cdcd00": 3, "0000ee": 4, "cd00cd": 5, "00cdcd": 6,
    "e5e5e5": 7, "7f7f7f": 8, "5c5cff": 12,
}  # fmt: skip

BUTTON_COLORS: tuple[RGB, RGB, RGB] = ((0xFF, 0x5F, 0x57), (0xFE, 0xBC, 0x2E), (0x28, 0xC8, 0x40))


@dataclass(frozen=True)
class Layout:
    """Where everything sits in the output frame, in whole pixels."""

    width: int
    height: int
    cols: int
    rows: int
    cell_w: int
    cell_h: int
    font_px: int
    chrome: bool
    margin: int
    title_h: int
    padding: int
    radius: int
    win_x: int
    win_y: int
    win_w: int
    win_h: int

    @property
    def text_x(self) -> int:
        return self.win_x + self.padding

    @property
    def text_y(self) -> int:
        return self.win_y + self.title_h + self.padding


TITLE_CELLS = 1.5
"""The title bar is this many rows tall."""
PADDING_CELLS = 0.6
"""Space between the window's edge and its text, in rows."""
RADIUS_CELLS = 0.45


def chrome_sizes(cell_h: int, chrome: bool) -> tuple[int, int, int]:
    """``(padding, title_h, radius)`` in pixels for a window whose rows are ``cell_h`` tall."""
    padding = max(2, round(cell_h * PADDING_CELLS))
    if not chrome:
        return padding, 0, 0
    return padding, round(cell_h * TITLE_CELLS), round(cell_h * RADIUS_CELLS)


def compute_layout(
    width: int, height: int, cols: int, rows: int, *, chrome: bool = True
) -> tuple[Layout, GlyphAtlas]:
    """Size the font from the output resolution so ``cols x rows`` cells fit the window."""
    short = min(width, height)
    margin = round(short * 0.05) if chrome else round(short * 0.02)
    avail_w, avail_h = width - 2 * margin, height - 2 * margin
    # Solve for the cell height from the title bar and padding, then shrink until it fits.
    title_cells = TITLE_CELLS if chrome else 0.0
    pad = 2 * PADDING_CELLS
    cell_h = int(min(avail_h / (rows + title_cells + pad), avail_w / (cols * 0.62 + pad) * 1.0))
    atlas = GlyphAtlas.for_cell_height(max(4, cell_h))
    while True:
        padding, title_h, radius = chrome_sizes(atlas.cell_h, chrome)
        win_w = cols * atlas.cell_w + 2 * padding
        win_h = rows * atlas.cell_h + 2 * padding + title_h
        if (win_w <= avail_w and win_h <= avail_h) or atlas.px <= 4:
            break
        atlas = GlyphAtlas(atlas.px - 1)
    win_x = (width - win_w) // 2
    win_y = (height - win_h) // 2
    layout = Layout(
        width, height, cols, rows, atlas.cell_w, atlas.cell_h, atlas.px, chrome,
        margin, title_h, padding, radius, win_x, win_y, win_w, win_h,
    )  # fmt: skip
    return layout, atlas


class Painter:
    """Turns a screen's tile grid into RGBA frames for one theme, size and chrome."""

    def __init__(
        self,
        theme: Theme,
        layout: Layout,
        atlas: GlyphAtlas,
        *,
        title: str = "",
        transparent: bool = False,
        margin_color: RGB | None = None,
        shadow: bool | None = None,
    ) -> None:
        self.theme = theme
        self.layout = layout
        self.atlas = atlas
        self.transparent = transparent
        self.shadow = (not transparent) if shadow is None else shadow
        """A drop shadow under a window with chrome; by default only over an opaque margin."""
        self.margin_color = margin_color or theme.mix(theme.background, (0, 0, 0), 0.45)
        self._palette = palette_256(theme)
        self._ids: dict[tuple[Char, int], int] = {}
        self._tiles = np.zeros((64, layout.cell_h, layout.cell_w, 4), dtype=np.uint8)
        self._count = 0
        self._colors: dict[str, RGB] = {}
        self.base = self._draw_base(title)
        self._text = np.zeros(
            (layout.rows * layout.cell_h, layout.cols * layout.cell_w, 4), dtype=np.uint8
        )
        self._last_grid: np.ndarray | None = None
        self._lock = threading.Lock()

    # -- colours and tiles ------------------------------------------------------------
    def color(self, name: str, default: RGB) -> RGB:
        """A pyte colour (``default``, a name, or ``rrggbb``) in this theme."""
        if name == "default":
            return default
        hit = self._colors.get(name)
        if hit is not None:
            return hit
        if name in _NAMED:
            rgb = self.theme.ansi[_NAMED[name]]
        elif name in _XTERM_16:
            rgb = self._palette[_XTERM_16[name]]
        else:
            try:
                rgb = parse_color(name)
            except ValueError:
                rgb = default
        self._colors[name] = rgb
        return rgb

    def tile_id(self, ch: Char, part: int = 0) -> int:
        """The id of the tile for a cell, building the tile on first use."""
        key = (ch, part)
        tid = self._ids.get(key)
        if tid is not None:
            return tid
        fg = self.color(ch.fg, self.theme.foreground)
        bg = self.color(ch.bg, self.theme.background)
        if ch.reverse:
            fg, bg = bg, fg
        tid = self._add_tile(
            self.render_cell(
                ch.data, fg, bg, ch.bold, ch.italics, ch.underscore, ch.strikethrough, part
            )
        )
        self._ids[key] = tid
        return tid

    def render_cell(
        self, data: str, fg: RGB, bg: RGB, bold: bool = False, italic: bool = False,
        underline: bool = False, strike: bool = False, part: int = 0,
    ) -> np.ndarray:  # fmt: skip
        """One cell's pixels: the glyph mask blended from ``bg`` to ``fg``."""
        cw, chh = self.layout.cell_w, self.layout.cell_h
        wide = bool(data) and wcwidth(data[0]) == 2
        mask = self.atlas.mask(data or " ", bold, italic, 2 if wide else 1)
        if wide:
            mask = mask[:, part * cw : (part + 1) * cw]
        a = mask.astype(np.float32)[:, :, None] / 255.0
        if underline or strike:
            a = a.copy()
            thick = max(1, chh // 16)
            y = min(chh - thick, self.atlas.baseline + max(1, chh // 10)) if underline else chh // 2
            a[y : y + thick, :, 0] = 1.0
        bg_a = np.array(bg, dtype=np.float32)
        fg_a = np.array(fg, dtype=np.float32)
        return np.rint(bg_a + (fg_a - bg_a) * a).astype(np.uint8)

    def _add_tile(self, tile: np.ndarray) -> int:
        if self._count == len(self._tiles):
            grown = np.zeros((len(self._tiles) * 2, *self._tiles.shape[1:]), dtype=np.uint8)
            grown[: self._count] = self._tiles
            self._tiles = grown
        self._tiles[self._count, :, :, :3] = tile
        self._tiles[self._count, :, :, 3] = 255
        self._count += 1
        return self._count - 1

    def tile(self, tid: int) -> np.ndarray:
        """The RGB pixels of a tile."""
        return self._tiles[tid, :, :, :3]

    # -- the window -------------------------------------------------------------------
    def _draw_base(self, title: str) -> np.ndarray:
        """The still parts of every frame: margin, shadow, window, title bar, buttons."""
        L = self.layout
        t = self.theme
        scale = 4  # supersample the rounded shapes, then downsample: smooth edges
        if self.transparent:
            img = Image.new("RGBA", (L.width, L.height), (0, 0, 0, 0))
        else:
            img = Image.new("RGBA", (L.width, L.height), (*self.margin_color, 255))
        box = (L.win_x, L.win_y, L.win_x + L.win_w - 1, L.win_y + L.win_h - 1)
        if L.chrome and self.shadow:
            # Kept inside the margin: a fitted window's picture is only window and margin.
            shadow = Image.new("RGBA", (L.width, L.height), (0, 0, 0, 0))
            sd = ImageDraw.Draw(shadow)
            off = min(max(2, L.cell_h // 3), max(1, L.margin // 3))
            sd.rounded_rectangle(
                (box[0], box[1] + off, box[2], box[3] + off), L.radius, fill=(0, 0, 0, 150)
            )
            shadow = shadow.filter(
                ImageFilter.GaussianBlur(min(max(2, L.cell_h // 2), max(1, L.margin // 3)))
            )
            img = Image.alpha_composite(img, shadow)
        # The window body as a supersampled mask so rounded corners are antialiased.
        big = Image.new("L", (L.win_w * scale, L.win_h * scale), 0)
        ImageDraw.Draw(big).rounded_rectangle(
            (0, 0, L.win_w * scale - 1, L.win_h * scale - 1), L.radius * scale, fill=255
        )
        body_mask = big.resize((L.win_w, L.win_h), Image.Resampling.LANCZOS)
        body = Image.new("RGBA", (L.win_w, L.win_h), (*t.background, 255))
        if L.chrome:
            bar = (
                t.mix(t.background, t.foreground, 0.08)
                if not t.is_light
                else t.mix(t.background, (0, 0, 0), 0.06)
            )
            bd = ImageDraw.Draw(body)
            bd.rectangle((0, 0, L.win_w, L.title_h - 1), fill=(*bar, 255))
            r = max(3, round(L.title_h * 0.2))
            cy = L.title_h // 2
            for i, c in enumerate(BUTTON_COLORS):
                cx = L.padding + r + i * (r * 3)
                bd.ellipse((cx - r, cy - r, cx + r, cy + r), fill=(*c, 255))
            if title:
                font = self.atlas.font_for("M")
                label = title
                max_w = L.win_w - 2 * (L.padding + r * 9)
                while label and font.getlength(label) > max_w:
                    label = label[:-2] + "…" if len(label) > 2 else ""
                tx = (L.win_w - round(font.getlength(label))) // 2
                bd.text(
                    (tx, cy),
                    label,
                    font=font,
                    fill=(*t.mix(t.foreground, bar, 0.35), 255),
                    anchor="lm",
                )
        win = Image.new("RGBA", (L.width, L.height), (0, 0, 0, 0))
        win.paste(body, (L.win_x, L.win_y), body_mask)
        img = Image.alpha_composite(img, win)
        base = np.asarray(img, dtype=np.uint8).copy()
        # The text area itself is always fully opaque.
        (y0, y1, x0, x1), _ = self._text_clip()
        base[y0:y1, x0:x1, 3] = 255
        return base

    def _text_clip(self) -> tuple[tuple[int, int, int, int], tuple[int, int]]:
        """The text area inside the frame (y0, y1, x0, x1) and its offset into the text image.

        Only a frame too small for the grid even at the smallest font clips anything.
        """
        L = self.layout
        y0, x0 = max(0, L.text_y), max(0, L.text_x)
        y1 = min(L.height, L.text_y + L.rows * L.cell_h)
        x1 = min(L.width, L.text_x + L.cols * L.cell_w)
        return (y0, max(y0, y1), x0, max(x0, x1)), (y0 - L.text_y, x0 - L.text_x)

    # -- frames -----------------------------------------------------------------------
    def draw_text(self, grid: np.ndarray) -> np.ndarray:
        """The text area for ``grid``, redrawing only the rows that changed."""
        L = self.layout
        rows, cols = grid.shape
        if self._last_grid is None or self._last_grid.shape != grid.shape:
            changed = np.arange(rows)
        else:
            changed = np.flatnonzero((self._last_grid != grid).any(axis=1))
        ch, cw = L.cell_h, L.cell_w
        tiles = self._tiles
        for y in changed:
            row = tiles[grid[y]]  # (cols, ch, cw, 4)
            self._text[y * ch : (y + 1) * ch] = row.transpose(1, 0, 2, 3).reshape(ch, cols * cw, 4)
        self._last_grid = grid.copy()
        return self._text

    def frame(
        self, grid: np.ndarray, cursor: tuple[int, int] | None, style: CursorStyle = "block",
        cursor_char: Char | None = None,
    ) -> np.ndarray:  # fmt: skip
        """A full RGBA frame: base, text, and the cursor at ``(x, y)`` when given."""
        out = self.base.copy()
        (y0, y1, x0, x1), (oy, ox) = self._text_clip()
        with self._lock:  # the text cache may be shared by retimed copies of an animation
            text = self.draw_text(grid)
            out[y0:y1, x0:x1] = text[oy : oy + y1 - y0, ox : ox + x1 - x0]
        if cursor is not None:
            self._draw_cursor(out, cursor, style, cursor_char)
        return out

    def _draw_cursor(
        self, out: np.ndarray, pos: tuple[int, int], style: CursorStyle, under: Char | None
    ) -> None:
        L = self.layout
        x, y = pos
        px, py = L.text_x + x * L.cell_w, L.text_y + y * L.cell_h
        if (
            not (0 <= x < L.cols and 0 <= y < L.rows)
            or px < 0
            or py < 0
            or px + L.cell_w > L.width
            or py + L.cell_h > L.height
        ):
            return
        cur = self.theme.cursor
        if style == "block":
            ch = under.data if under is not None and under.data else " "
            bold = bool(under.bold) if under is not None else False
            cell = self.render_cell(ch, self.theme.cursor_accent, cur, bold)
            out[py : py + L.cell_h, px : px + L.cell_w, :3] = cell
        elif style == "bar":
            thick = max(2, L.cell_w // 8)
            out[py : py + L.cell_h, px : px + thick, :3] = cur
        else:
            thick = max(2, L.cell_h // 10)
            out[py + L.cell_h - thick : py + L.cell_h, px : px + L.cell_w, :3] = cur
