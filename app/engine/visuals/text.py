"""Text pictures: title and scene cards, burned-in captions, the thumbnail's title.

These helpers are thin callers of :mod:`app.engine.motion.typeset`, which rasterises text
by FreeType at its final pixel size with the bundled fallback fonts (CJK, Arabic, emoji
and more), so title cards, captions and the thumbnail draw every script without boxes.
Pictures are premultiplied RGBA so the compositor lays them over any background with
one blend.
"""

from __future__ import annotations

from itertools import accumulate

import numpy as np
from PIL import ImageFont

from app.engine.motion import typeset
from app.engine.motion.draw import over
from app.engine.motion.typeset import TextStyle

_SHADOW = 200 / 220
"""The shadow strength these pictures always had, on typeset's 0-to-1 scale."""


def _style(px: int) -> TextStyle:
    return TextStyle(px=max(6, px))


def font(px: int) -> ImageFont.FreeTypeFont:
    """The bundled sans font at ``px`` pixels (its fallbacks apply when drawing)."""
    return typeset.font_for(_style(px))


def _paragraphs(text: str) -> list[str]:
    """Lines of ``text`` with runs of spaces made one, as words are counted by spaces."""
    return [" ".join(p.split()) for p in text.splitlines()] or [""]


def wrap(text: str, fnt: ImageFont.FreeTypeFont | ImageFont.ImageFont, max_width: int) -> list[str]:
    """Greedy word wrap by measured width (a word longer than the line stays whole).

    ``fnt`` gives the size; every script is measured with the fonts that will draw it.
    """
    style = _style(round(float(getattr(fnt, "size", 12))))
    return [line for p in _paragraphs(text) for line in typeset.wrap(p, style, max_width)]


def text_block(
    text: str,
    px: int,
    max_width: int,
    *,
    fill: tuple[int, int, int] = (255, 255, 255),
    shadow: bool = True,
    align: str = "center",
    highlight_word: int | None = None,
    highlight_fill: tuple[int, int, int] = (255, 214, 10),
) -> np.ndarray:
    """Wrapped text as premultiplied RGBA, sized to its contents, with a soft shadow.

    ``highlight_word`` counts words (split at spaces) from the start of ``text`` and
    draws that one in ``highlight_fill``.
    """
    style = _style(px).with_(fill=fill, shadow=_SHADOW if shadow else 0.0)
    marked = style.with_(fill=highlight_fill)
    lines: list[list[tuple[str, TextStyle]]] = []
    first_word = 0
    for paragraph in _paragraphs(text):
        # The word each character belongs to (a space goes with the word before it), so
        # a word wrapped across lines, as CJK text is, keeps one index.
        spaces_before = accumulate((ch == " " for ch in paragraph), initial=0)
        word_of = [first_word + n for n in spaces_before][: len(paragraph)]
        pos = 0
        for line in typeset.wrap(paragraph, style, max_width):
            start = max(pos, paragraph.find(line, pos))
            pos = start + len(line)
            runs: list[tuple[str, TextStyle]] = []
            for k, ch in enumerate(line):
                word = word_of[start + k] if start + k < len(word_of) else -1
                run_style = marked if word == highlight_word else style
                if runs and runs[-1][1] is run_style:
                    runs[-1] = (runs[-1][0] + ch, run_style)
                else:
                    runs.append((ch, run_style))
            lines.append(runs or [("", style)])
        first_word += len(paragraph.split())
    picture = typeset.render_lines(
        lines, align="center" if align == "center" else "left", pad=max(4, px // 4)
    )
    return picture.pixels


def title_card(title: str, subtitle: str, width: int, height: int) -> np.ndarray:
    """A title (and subtitle) centred on a transparent frame, premultiplied RGBA."""
    canvas = np.zeros((height, width, 4), np.uint8)
    short = min(width, height)
    big = text_block(title, max(12, short // 9), int(width * 0.82))
    blocks = [big]
    if subtitle:
        blocks.append(
            text_block(subtitle, max(8, short // 22), int(width * 0.75), fill=(220, 220, 230))
        )
    total = sum(b.shape[0] for b in blocks)
    y = (height - total) // 2
    for b in blocks:
        bh, bw = b.shape[:2]
        x = (width - bw) // 2
        over(canvas, b, x, y)
        y += bh
    return canvas
