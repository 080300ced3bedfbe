"""``fade``: the incoming picture comes up from black (what was before is not shown)."""

from __future__ import annotations

import numpy as np

from app.engine.motion.transitions import mix, register


@register("fade")
def fade(before: np.ndarray, picture: np.ndarray, p: float, n: int) -> np.ndarray:
    return mix(np.zeros_like(picture), picture, p)
