"""``glitch``: a hard cut halfway, torn by the same row shifts as the terminal's glitch."""

from __future__ import annotations

import numpy as np

from app.engine.motion.transitions import register
from app.engine.pictures import tear_rows


@register("glitch")
def glitch(before: np.ndarray, picture: np.ndarray, p: float, n: int) -> np.ndarray:
    out = (picture if p > 0.5 else before).copy()
    rows, cols = picture.shape[:2]
    return tear_rows(out, np.random.default_rng(n), 6, (2, max(3, rows // 12)), cols // 10)
