"""``fadein``: the whole view fades in from transparent."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from app.engine.terminal.effects import Effect, register


@dataclass(frozen=True)
class FadeIn:
    """The whole view fades in from transparent over ``ms_len`` milliseconds."""

    ms_len: int = 400

    def apply(self, frame: np.ndarray, ms: int) -> np.ndarray:
        if ms >= self.ms_len:
            return frame
        out = frame.copy()
        k = int(256 * max(0, ms) / self.ms_len)
        out[..., 3] = (out[..., 3].astype(np.uint16) * k >> 8).astype(np.uint8)
        return out


@register("fadein", rank=40)
def build(value: float | None, seed: int) -> Effect:
    """``fadein:800`` sets the fade's length in milliseconds (400 unless given)."""
    return FadeIn(ms_len=400 if value is None else max(1, int(value)))
