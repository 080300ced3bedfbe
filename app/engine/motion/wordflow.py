"""Spoken words on screen: lines broken at phrase boundaries, the spoken word marked.

Both the large words over a bare background and the burned-in captions are a phrase
whose words light up as they are spoken (from the voice's real word timings). Lines
break where a reader would pause (after punctuation, before a conjunction) and are kept
balanced, so a two-line caption never ends with one orphaned word.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from app.engine.motion import draw
from app.engine.motion.typeset import TextStyle, font_for, line_height, measure, render_runs
from app.engine.phrasing import boundary_cost
from app.engine.styles import Style

_STRIP = re.compile(r"[^\w']+")


def _norm(word: str) -> str:
    return _STRIP.sub("", word.lower())


def emphasis_mask(words: Sequence[str], phrases: Sequence[str]) -> list[bool]:
    """Which words belong to one of the ``**strong**`` phrases (matched word by word)."""
    mask = [False] * len(words)
    normed = [_norm(w) for w in words]
    for phrase in phrases:
        target = [_norm(w) for w in phrase.split() if _norm(w)]
        if not target:
            continue
        for i in range(len(normed) - len(target) + 1):
            if normed[i : i + len(target)] == target:
                for k in range(i, i + len(target)):
                    mask[k] = True
    return mask


def break_lines(
    words: Sequence[str], style: TextStyle, max_width: int, max_lines: int
) -> list[list[int]]:
    """Word indices per line: at most ``max_lines`` lines that fit ``max_width`` if possible.

    Among the ways to cut the words into that many lines, the one with the best phrase
    breaks and the most even line lengths wins; when they cannot fit, greedy lines are
    returned (the caller shrinks the type).
    """
    n = len(words)
    if n == 0:
        return []
    space = measure(" ", style)
    widths = [measure(w, style) for w in words]

    def span(i: int, j: int) -> int:  # words i..j-1 on one line
        return sum(widths[i:j]) + space * max(0, j - i - 1)

    if span(0, n) <= max_width or n == 1:
        return [list(range(n))]
    best: tuple[float, list[list[int]]] | None = None
    if max_lines >= 2:
        for cut in range(1, n):
            a, b = span(0, cut), span(cut, n)
            if a > max_width or b > max_width:
                continue
            cost = abs(a - b) / max(1, max_width) + boundary_cost(words[cut - 1], words[cut]) / 12
            if n - cut == 1 or cut == 1:
                cost += 0.6  # an orphan
            if best is None or cost < best[0]:
                best = (cost, [list(range(cut)), list(range(cut, n))])
    if best is not None:
        return best[1]
    lines: list[list[int]] = [[]]
    for i in range(n):
        if lines[-1] and span(lines[-1][0], i + 1) > max_width:
            lines.append([])
        lines[-1].append(i)
    return lines


@dataclass(frozen=True)
class WordLook:
    """Colours and type for a phrase of spoken words."""

    style: TextStyle
    spoken: tuple[int, int, int]
    upcoming: tuple[int, int, int]
    current: tuple[int, int, int]
    emphasis: tuple[int, int, int]
    box: tuple[int, int, int] | None = None
    """Colour of a rounded box behind the current word (the ``box`` caption look)."""
    current_text: tuple[int, int, int] | None = None
    """Colour of the current word's letters when it sits on a box."""


def look_for(style: Style, text: TextStyle, *, on_picture: bool) -> WordLook:
    """The word colours for a style; ``on_picture`` means drawn over arbitrary footage."""
    light = (255, 255, 255)
    base = light if on_picture else style.text
    upcoming = base if on_picture else draw_mix(style.text, style.background, 0.45)
    if style.captions == "box":
        return WordLook(text, base, upcoming, base, style.accent, box=style.accent,
                        current_text=style.on_accent())  # fmt: skip
    if style.captions == "plain":
        return WordLook(text, base, upcoming, base, style.accent)
    return WordLook(text, base, upcoming, style.accent, style.accent)


def draw_mix(a: tuple[int, int, int], b: tuple[int, int, int], t: float) -> tuple[int, int, int]:
    return (
        round(a[0] + (b[0] - a[0]) * t),
        round(a[1] + (b[1] - a[1]) * t),
        round(a[2] + (b[2] - a[2]) * t),
    )


def render_phrase(
    words: Sequence[str],
    lines: list[list[int]],
    look: WordLook,
    current: int | None,
    emphasis: Sequence[bool],
    *,
    reveal: bool = True,
    spacing: float = 1.12,
) -> np.ndarray:
    """The phrase as premultiplied RGBA, lines centred, the ``current`` word marked.

    With ``reveal`` the words not yet spoken are drawn in the ``upcoming`` colour.
    """
    st = look.style
    step = line_height(st, spacing)
    rendered = []
    for line in lines:
        runs: list[tuple[str, TextStyle]] = []
        boxes: list[tuple[int, int]] = []
        x = 0
        for k, i in enumerate(line):
            word = words[i] + (" " if k < len(line) - 1 else "")
            if i == current:
                colour = (
                    look.current_text
                    if look.box is not None and look.current_text
                    else look.current
                )
            elif emphasis[i] if i < len(emphasis) else False:
                colour = look.emphasis
            elif reveal and current is not None and i > current:
                colour = look.upcoming
            else:
                colour = look.spoken
            wst = st.with_(
                fill=colour, weight="bold" if (i < len(emphasis) and emphasis[i]) else st.weight
            )
            if i == current and look.box is not None:
                boxes.append((x, measure(words[i], wst)))
            runs.append((word, wst))
            x += measure(word, wst)
        rendered.append((render_runs(runs, pad=max(2, st.outline_px + 2)), boxes))
    pad = max(2, st.outline_px + 2)
    width = max(r.width for r, _ in rendered) + 2 * pad
    ascent, descent = font_for(st).getmetrics()
    height = step * (len(rendered) - 1) + ascent + descent + 4 * pad
    canvas = np.zeros((height, width, 4), np.uint8)
    for k, (img, boxes) in enumerate(rendered):
        x0 = (width - img.width) // 2
        y0 = pad + k * step
        for bx, bw in boxes:
            bpad = max(2, st.px // 8)
            box = draw.rounded_rect(
                bw + 2 * bpad, ascent + descent + bpad, max(2, st.px // 5), look.box or (0, 0, 0)
            )
            draw.over(canvas, box, x0 + pad + bx - bpad, y0 + pad - bpad // 2)
        draw.over(canvas, img.pixels, x0, y0)
    return canvas


__all__ = ["WordLook", "break_lines", "emphasis_mask", "look_for", "render_phrase"]
