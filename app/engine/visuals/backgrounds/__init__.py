"""Procedural background kinds: one module each, registering itself by name.

A style names its kind (``nebula``, ``gradient``, ``grid``, ``dots``, ``rain``) and a
script may override it; the list of kinds is read from this registry. Every kind draws
an opaque RGB picture from a palette (five hex colours, darkest first) and a seed, so each
scene gets its own picture in the video's one look. Smooth parts are drawn small and
scaled up; detail is drawn at full size.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np

from app.engine.plugins import Submodules

Painter = Callable[[np.random.Generator, np.ndarray, int, int], np.ndarray]
"""``paint(rng, colours (n x 3 float RGB, darkest first), width, height) -> RGB uint8``."""

_KINDS: dict[str, Painter] = {}
DEFAULT_KIND = "nebula"


def background(name: str) -> Callable[[Painter], Painter]:
    """Decorator: register a background painter under ``name``."""

    def add(fn: Painter) -> Painter:
        _KINDS[name] = fn
        return fn

    return add


_load = Submodules(__name__, __path__)
"""Imports every module here once, so each registers itself."""


def background_kinds() -> tuple[str, ...]:
    """Every registered kind, the default first."""
    _load()
    return (DEFAULT_KIND, *sorted(k for k in _KINDS if k != DEFAULT_KIND))


def parse_palette(palette: list[str]) -> np.ndarray | None:
    """Hex colours as an (n, 3) float array; ``None`` when fewer than three are valid."""
    out = []
    for text in palette:
        t = text.strip().lstrip("#")
        if re.fullmatch(r"[0-9a-fA-F]{6}", t):
            out.append([int(t[i : i + 2], 16) for i in (0, 2, 4)])
    return np.array(out, dtype=np.float32) if len(out) >= 3 else None


def paint(
    kind: str, rng: np.random.Generator, colours: np.ndarray, width: int, height: int
) -> np.ndarray:
    """Draw a background of ``kind`` (the default kind when unknown)."""
    _load()
    painter = _KINDS.get(kind) or _KINDS[DEFAULT_KIND]
    return np.ascontiguousarray(painter(rng, colours, width, height))


def vignette(img: np.ndarray, strength: float = 0.45) -> np.ndarray:
    """Darken the edges (float image, any size) so text reads well over the middle."""
    h, w = img.shape[:2]
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    vr = np.sqrt(((xs / w) - 0.5) ** 2 + ((ys / h) - 0.5) ** 2)
    return img * (1.0 - strength * np.clip(vr / 0.7, 0, 1) ** 2)[..., None]


__all__ = ["DEFAULT_KIND", "background", "background_kinds", "paint", "parse_palette", "vignette"]
