"""Offline backgrounds generated from a scene's prompt and the script's style.

Every scene gets a different picture (the seed comes from its prompt) but all of them
share one palette (it comes from the script's style), so a video looks designed rather
than random. The kinds of picture (nebula, gradient, grid, ...) live in
``app.engine.visuals.backgrounds``, one module each.
"""

from __future__ import annotations

import colorsys
import hashlib
import re

import numpy as np

from app.engine.visuals.backgrounds import DEFAULT_KIND, paint, parse_palette

_NAMED = {
    "teal": (0.50, 0.65, 0.55),
    "orange": (0.07, 0.85, 0.95),
    "blue": (0.60, 0.75, 0.75),
    "navy": (0.62, 0.80, 0.35),
    "purple": (0.78, 0.60, 0.70),
    "violet": (0.76, 0.55, 0.75),
    "magenta": (0.88, 0.70, 0.85),
    "pink": (0.93, 0.45, 0.95),
    "red": (0.99, 0.80, 0.85),
    "green": (0.35, 0.65, 0.65),
    "cyan": (0.52, 0.70, 0.90),
    "gold": (0.12, 0.75, 0.95),
    "yellow": (0.15, 0.70, 0.98),
    "amber": (0.10, 0.85, 0.95),
    "neon": (0.85, 0.80, 1.00),
    "sunset": (0.04, 0.75, 0.95),
    "forest": (0.33, 0.60, 0.45),
    "ocean": (0.56, 0.70, 0.65),
    "midnight": (0.66, 0.70, 0.25),
    "white": (0.0, 0.0, 0.95),
    "grey": (0.0, 0.0, 0.55),
    "gray": (0.0, 0.0, 0.55),
}


def _digest(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8")).digest()


def seed_for(prompt: str) -> int:
    """A stable 32-bit seed from a prompt: the same words always give the same picture."""
    return int.from_bytes(_digest(prompt.strip().lower())[:4], "big")


def _hex(rgb: tuple[float, float, float]) -> str:
    return "#" + "".join(f"{round(max(0.0, min(1.0, c)) * 255):02x}" for c in rgb)


def palette_for_style(style: str) -> list[str]:
    """Five hex colours (darkest first) for a script's ``style``.

    Colour words in the style (``teal and orange``) pick the hues; otherwise the hues
    come from a hash of the style, so a script without one still gets one palette.
    """
    words = re.findall(r"[a-z]+", style.lower())
    hues = [_NAMED[w] for w in words if w in _NAMED]
    if not hues:
        h = _digest(style or "castline")
        base = h[0] / 255
        hues = [(base, 0.65, 0.7), ((base + 0.08 + h[1] / 2550) % 1.0, 0.75, 0.9)]
    if len(hues) == 1:
        hh, s, v = hues[0]
        hues.append(((hh + 0.5) % 1.0, s, v))
    first, second = hues[0], hues[1]
    colours = [
        colorsys.hsv_to_rgb(first[0], min(1.0, first[1] + 0.1), 0.07),
        colorsys.hsv_to_rgb(first[0], first[1], 0.22),
        colorsys.hsv_to_rgb(first[0], first[1], min(1.0, first[2])),
        colorsys.hsv_to_rgb(second[0], second[1], second[2]),
        colorsys.hsv_to_rgb(second[0], max(0.0, second[1] - 0.4), 1.0),
    ]
    return [_hex(c) for c in colours]


def _parse_palette(palette: list[str]) -> np.ndarray:
    parsed = parse_palette(palette)
    return parsed if parsed is not None else _parse_palette(palette_for_style(""))


class ProceduralGenerator:
    """The offline :class:`~app.engine.visuals.base.StillGenerator`."""

    name = "procedural"

    def generate(
        self,
        prompt: str,
        *,
        width: int,
        height: int,
        seed: int,
        palette: list[str],
        pattern: str = "",
    ) -> np.ndarray:
        """A background of kind ``pattern`` (the default kind when empty) for ``prompt``."""
        rng = np.random.default_rng([seed, seed_for(prompt)])
        return paint(pattern or DEFAULT_KIND, rng, _parse_palette(palette), width, height)
