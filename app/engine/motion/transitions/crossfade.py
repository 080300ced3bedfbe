"""``crossfade``: the previous picture dissolves into the incoming one."""

from __future__ import annotations

import numpy as np

from app.engine.motion.transitions import mix, register


@register("crossfade")
def crossfade(before: np.ndarray, picture: np.ndarray, p: float, n: int) -> np.ndarray:
    return mix(before, picture, p)
