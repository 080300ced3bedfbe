"""Glyph rasterising: the bundled monospace font plus fallbacks, cached as alpha masks.

Glyphs are drawn by FreeType (through Pillow) at the final pixel size with their origin
on whole pixels, never drawn small and scaled up, so text stays sharp at 1080p and 4K.
A glyph the main font lacks is looked up in the fallback fonts (symbols, then CJK), so
common CJK and symbols never show as boxes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from app.engine.paths import resources_dir

FONT_FILES = {
    (False, False): "JetBrainsMono-Regular.ttf",
    (True, False): "JetBrainsMono-Bold.ttf",
    (False, True): "JetBrainsMono-Italic.ttf",
    (True, True): "JetBrainsMono-BoldItalic.ttf",
}
BUNDLED_FALLBACKS = ("DejaVuSans.ttf", "DroidSansFallback.ttf")
# Installed fonts that cover more than the bundled fallbacks, used after them when present.
SYSTEM_FALLBACKS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/noto/NotoSansSymbols2-Regular.ttf",
    "/usr/share/fonts/truetype/noto/NotoSansSymbols-Regular.ttf",
    "/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf",
)
_MISSING_PROBE = "\U0010fffd"  # a private-use code point no font maps: shows .notdef


def fonts_dir() -> Path:
    return resources_dir() / "fonts"


@lru_cache(maxsize=32)
def _font(path: str, px: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, px)


@lru_cache(maxsize=512)
def cell_metrics(px: int) -> tuple[int, int, int]:
    """``(cell_w, cell_h, baseline)`` in whole pixels for the main font at ``px``.

    ``cell_h`` is the row pitch: text rows are drawn exactly ``cell_h`` apart. Fitting a
    window asks this for many sizes, so it loads its own font object rather than
    churning the small cache of fonts the atlases draw with.
    """
    px = max(4, int(px))
    regular = ImageFont.truetype(str(fonts_dir() / FONT_FILES[(False, False)]), px)
    ascent, descent = regular.getmetrics()
    return max(1, round(regular.getlength("M"))), max(1, ascent + descent), ascent


MAX_PX = 512


def px_for_cell_height(cell_h: int) -> int:
    """The largest font size whose row pitch is at most ``cell_h`` (at least the smallest size)."""
    lo, hi = 4, MAX_PX
    while lo < hi:  # the pitch grows with the size: bisect for the last size that fits
        mid = (lo + hi + 1) // 2
        if cell_metrics(mid)[1] <= cell_h:
            lo = mid
        else:
            hi = mid - 1
    return lo


def px_for_min_cell_height(cell_h: int) -> int:
    """The smallest font size whose row pitch is at least ``cell_h``."""
    px = px_for_cell_height(cell_h)
    return px if cell_metrics(px)[1] >= cell_h else min(MAX_PX, px + 1)


def _fallback_paths() -> list[str]:
    paths = [str(fonts_dir() / name) for name in BUNDLED_FALLBACKS]
    paths += [p for p in SYSTEM_FALLBACKS if Path(p).is_file()]
    return paths


def _raw_mask(font: ImageFont.FreeTypeFont, ch: str) -> tuple[tuple[int, int, int, int], bytes]:
    mask = font.getmask(ch, mode="L")
    return (mask.getbbox() or (0, 0, 0, 0)), bytes(mask)


@dataclass
class GlyphAtlas:
    """Per-size cache of glyph alpha masks, one cell (or two for wide glyphs) each.

    ``cell_w``/``cell_h``/``baseline`` are whole pixels derived from the font size, so
    every glyph lands on the pixel grid identically wherever it is drawn.
    """

    px: int
    cell_w: int = 0
    cell_h: int = 0
    baseline: int = 0
    _fonts: dict[tuple[bool, bool], ImageFont.FreeTypeFont] = field(default_factory=dict)
    _fallbacks: list[ImageFont.FreeTypeFont] = field(default_factory=list)
    _notdef: dict[int, tuple[tuple[int, int, int, int], bytes]] = field(default_factory=dict)
    _masks: dict[tuple[str, bool, bool, int], np.ndarray] = field(default_factory=dict)
    _source: dict[tuple[str, bool, bool], int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.px = max(4, int(self.px))
        for style, name in FONT_FILES.items():
            self._fonts[style] = _font(str(fonts_dir() / name), self.px)
        self._fallbacks = [_font(p, self.px) for p in _fallback_paths()]
        self.cell_w, self.cell_h, self.baseline = cell_metrics(self.px)

    @classmethod
    def for_cell_height(cls, cell_h: int) -> GlyphAtlas:
        """The largest font size whose cell is at most ``cell_h`` pixels tall."""
        return cls(px_for_cell_height(cell_h))

    def _has_glyph(self, font: ImageFont.FreeTypeFont, index: int, ch: str) -> bool:
        if ch.isspace():
            return True
        if index not in self._notdef:
            self._notdef[index] = _raw_mask(font, _MISSING_PROBE)
        return _raw_mask(font, ch) != self._notdef[index]

    def font_for(self, ch: str, bold: bool = False, italic: bool = False) -> ImageFont.FreeTypeFont:
        """The first font, main style then fallbacks, that really has ``ch``."""
        key = (ch, bold, italic)
        if key not in self._source:
            main = self._fonts[(bold, italic)]
            src = -1
            if not self._has_glyph(main, -1 - (bold * 2 + italic), ch):
                for i, fb in enumerate(self._fallbacks):
                    if self._has_glyph(fb, i, ch):
                        src = i
                        break
            self._source[key] = src
        src = self._source[key]
        return self._fonts[(bold, italic)] if src < 0 else self._fallbacks[src]

    def mask(self, ch: str, bold: bool = False, italic: bool = False, cells: int = 1) -> np.ndarray:
        """The glyph's coverage, uint8 of shape (cell_h, cells * cell_w)."""
        key = (ch, bold, italic, cells)
        cached = self._masks.get(key)
        if cached is not None:
            return cached
        w, h = self.cell_w * cells, self.cell_h
        img = Image.new("L", (w, h), 0)
        if ch and not ch.isspace():
            font = self.font_for(ch, bold, italic)
            draw = ImageDraw.Draw(img)
            x = 0
            if font is not self._fonts[(bold, italic)]:
                # A fallback glyph keeps its own width: centre it in its cells.
                adv = font.getlength(ch)
                x = max(0, (w - round(adv)) // 2)
            draw.text((x, self.baseline), ch, font=font, fill=255, anchor="ls")
        arr = np.asarray(img, dtype=np.uint8).copy()
        arr.setflags(write=False)
        self._masks[key] = arr
        return arr
