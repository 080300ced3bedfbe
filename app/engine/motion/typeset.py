"""Setting type for the screen: measuring, wrapping and drawing text as premultiplied RGBA.

Every piece of on-screen text (titles, name plates, captions, slides, the thumbnail's
title) is drawn here, at its final pixel size, by FreeType through Pillow (the engine may
not use Qt). Families (``sans``, ``serif``, ``display``, ``mono``) map to bundled fonts,
and characters a family lacks are drawn from fallback fonts, so no script is drawn as
boxes.

The pictures are premultiplied RGBA uint8 sized to their contents, so the compositor
lays them over anything with one blend.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Literal

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from app.engine.paths import resources_dir

RGB = tuple[int, int, int]
Weight = Literal["regular", "bold"]

_FAMILY_FILES: dict[tuple[str, str], tuple[str, ...]] = {
    ("sans", "regular"): ("DejaVuSans.ttf",),
    ("sans", "bold"): ("DejaVuSans.ttf",),
    ("serif", "regular"): ("DejaVuSans.ttf",),
    ("serif", "bold"): ("DejaVuSans.ttf",),
    ("display", "regular"): ("DejaVuSans.ttf",),
    ("display", "bold"): ("DejaVuSans.ttf",),
    ("mono", "regular"): ("JetBrainsMono-Regular.ttf",),
    ("mono", "bold"): ("JetBrainsMono-Bold.ttf",),
}
_FALLBACKS: tuple[str, ...] = ("DejaVuSans.ttf", "DroidSansFallback.ttf")


@dataclass(frozen=True)
class TextStyle:
    """How a run of text looks. ``px`` is the font size in pixels."""

    px: int
    family: str = "sans"
    weight: Weight = "regular"
    fill: RGB = (255, 255, 255)
    outline_px: int = 0
    outline: RGB = (0, 0, 0)
    shadow: float = 0.0
    """Soft drop shadow strength, 0 (none) to 1."""
    tracking: float = 0.0
    """Extra space between letters, as a fraction of ``px`` (for capitals in name plates)."""

    def with_(self, **changes: object) -> TextStyle:
        return replace(self, **changes)  # type: ignore[arg-type]


@dataclass(frozen=True)
class TextImage:
    """Drawn text: premultiplied RGBA pixels and where the first baseline sits."""

    pixels: np.ndarray
    baseline: int
    line_height: int

    @property
    def width(self) -> int:
        return int(self.pixels.shape[1])

    @property
    def height(self) -> int:
        return int(self.pixels.shape[0])


def _fonts_dir() -> str:
    return str(resources_dir() / "fonts")


@lru_cache(maxsize=128)
def _font(name: str, px: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(f"{_fonts_dir()}/{name}", max(4, px))


def font_for(style: TextStyle) -> ImageFont.FreeTypeFont:
    """The main font of a style's family and weight at its size."""
    files = _FAMILY_FILES.get((style.family, style.weight)) or _FAMILY_FILES[("sans", "regular")]
    return _font(files[0], style.px)


def line_height(style: TextStyle, spacing: float = 1.2) -> int:
    """Distance between baselines of wrapped lines."""
    ascent, descent = font_for(style).getmetrics()
    return max(1, round((ascent + descent) * spacing))


def measure(text: str, style: TextStyle) -> int:
    """Advance width of ``text`` on one line, in pixels."""
    width = font_for(style).getlength(text)
    if style.tracking:
        width += style.tracking * style.px * max(0, len(text) - 1)
    return round(width + 2 * style.outline_px)


_CJK = re.compile(r"[\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]")


def _tokens(paragraph: str) -> list[str]:
    """Breakable pieces: words with their trailing space, and single CJK characters."""
    out: list[str] = []
    for word in re.findall(r"\S+\s*", paragraph):
        if _CJK.search(word):
            buf = ""
            for ch in word:
                if _CJK.match(ch):
                    if buf:
                        out.append(buf)
                        buf = ""
                    out.append(ch)
                else:
                    buf += ch
            if buf:
                out.append(buf)
        else:
            out.append(word)
    return out


def wrap(text: str, style: TextStyle, max_width: int) -> list[str]:
    """Greedy wrap by measured width; CJK may break between any two characters.

    A single word wider than the line stays whole (it is never cut mid-word).
    """
    lines: list[str] = []
    for paragraph in text.split("\n"):
        current = ""
        for token in _tokens(paragraph):
            trial = current + token
            if current and measure(trial.rstrip(), style) > max_width:
                lines.append(current.rstrip())
                current = token
            else:
                current = trial
        lines.append(current.rstrip())
    return lines


def _draw_line(
    draw: ImageDraw.ImageDraw, xy: tuple[float, float], text: str, style: TextStyle
) -> None:
    fnt = font_for(style)
    kwargs: dict[str, object] = {}
    if style.outline_px:
        kwargs = {"stroke_width": style.outline_px, "stroke_fill": (*style.outline, 255)}
    if style.tracking:
        x, y = xy
        gap = style.tracking * style.px
        for ch in text:
            draw.text((x, y), ch, font=fnt, fill=(*style.fill, 255), **kwargs)  # type: ignore[arg-type]
            x += fnt.getlength(ch) + gap
        return
    draw.text(xy, text, font=fnt, fill=(*style.fill, 255), **kwargs)  # type: ignore[arg-type]


def _finish(rgba: np.ndarray, style: TextStyle) -> np.ndarray:
    """Premultiply, adding the soft shadow when the style has one."""
    alpha = rgba[:, :, 3]
    a = alpha.astype(np.uint16)
    out = np.zeros_like(rgba)
    out[:, :, :3] = ((rgba[:, :, :3].astype(np.uint16) * a[..., None] + 127) // 255).astype(
        np.uint8
    )
    out[:, :, 3] = alpha
    if style.shadow <= 0:
        return out
    blur = cv2.GaussianBlur(alpha, (0, 0), sigmaX=max(1.0, style.px / 10))
    off = max(1, style.px // 18)
    shadow = np.zeros_like(alpha)
    shadow[off:, off:] = blur[:-off, :-off]
    s = (shadow.astype(np.uint16) * round(220 * min(1.0, style.shadow)) // 255).astype(np.uint16)
    out[:, :, 3] = np.minimum(255, a + (s * (255 - a) + 127) // 255).astype(np.uint8)
    return out


def render_runs(runs: list[tuple[str, TextStyle]], *, pad: int | None = None) -> TextImage:
    """One line made of runs in different styles (a highlighted word, an accented phrase)."""
    runs = [(t, s) for t, s in runs if t]
    if not runs:
        runs = [(" ", TextStyle(px=12))]
    biggest = max(runs, key=lambda r: r[1].px)[1]
    ascent = max(font_for(s).getmetrics()[0] for _, s in runs)
    descent = max(font_for(s).getmetrics()[1] for _, s in runs)
    outline = max(s.outline_px for _, s in runs)
    margin = pad if pad is not None else max(2, outline + round(biggest.px * biggest.shadow * 0.25))
    width = sum(measure(t, s) for t, s in runs) + 2 * margin
    height = ascent + descent + 2 * margin
    img = Image.new("RGBA", (max(1, width), max(1, height)), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    x = float(margin)
    for text, style in runs:
        fnt_ascent = font_for(style).getmetrics()[0]
        _draw_line(draw, (x + style.outline_px, margin + ascent - fnt_ascent), text, style)
        x += measure(text, style)
    pixels = _finish(np.asarray(img, dtype=np.uint8), biggest)
    return TextImage(pixels, margin + ascent, ascent + descent)


def render_text(
    text: str,
    style: TextStyle,
    *,
    max_width: int | None = None,
    align: Literal["left", "center", "right"] = "left",
    spacing: float = 1.2,
    max_lines: int | None = None,
) -> TextImage:
    """Text wrapped to ``max_width`` (when given) and drawn line by line.

    With ``max_lines`` the last kept line ends in an ellipsis when text was left out.
    """
    lines = wrap(text, style, max_width) if max_width else text.split("\n")
    if max_lines is not None and len(lines) > max_lines:
        lines = lines[:max_lines]
        last = lines[-1]
        while last and max_width and measure(last + "…", style) > max_width:
            last = last[:-1]
        lines[-1] = last.rstrip() + "…"
    ascent, descent = font_for(style).getmetrics()
    step = line_height(style, spacing)
    margin = max(2, style.outline_px + round(style.px * style.shadow * 0.25))
    widths = [measure(line, style) for line in lines]
    box_w = max([*widths, 1])
    width = box_w + 2 * margin
    height = step * (len(lines) - 1) + ascent + descent + 2 * margin
    img = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    for i, line in enumerate(lines):
        dx = 0 if align == "left" else (box_w - widths[i]) // (2 if align == "center" else 1)
        _draw_line(draw, (margin + dx + style.outline_px, margin + i * step), line, style)
    pixels = _finish(np.asarray(img, dtype=np.uint8), style)
    return TextImage(pixels, margin + ascent, step)


def fit_size(
    text: str,
    style: TextStyle,
    max_width: int,
    max_height: int,
    *,
    max_lines: int = 3,
    min_px: int = 8,
    spacing: float = 1.15,
) -> TextStyle:
    """The largest size (at most ``style.px``) at which ``text`` fits the box in ``max_lines``."""
    px = style.px
    while px > min_px:
        trial = style.with_(px=px)
        lines = wrap(text, trial, max_width)
        ascent, descent = font_for(trial).getmetrics()
        height = line_height(trial, spacing) * (len(lines) - 1) + ascent + descent
        if (
            len(lines) <= max_lines
            and height <= max_height
            and all(measure(ln, trial) <= max_width for ln in lines)
        ):
            return trial
        px = max(min_px, round(px * 0.92)) if px > min_px + 1 else min_px
    return style.with_(px=min_px)


__all__ = [
    "RGB",
    "TextImage",
    "TextStyle",
    "Weight",
    "fit_size",
    "font_for",
    "line_height",
    "measure",
    "render_runs",
    "render_text",
    "wrap",
]
