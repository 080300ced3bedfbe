"""``wipe``: the incoming picture slides its edge across from the left."""

from __future__ import annotations

import numpy as np

from app.engine.motion.transitions import register


@register("wipe")
def wipe(before: np.ndarray, picture: np.ndarray, p: float, n: int) -> np.ndarray:
    out = before.copy()
    edge = round(picture.shape[1] * p)
    out[:, :edge] = picture[:, :edge]
    return out
