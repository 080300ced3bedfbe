"""``scanlines``: darkened rows, like a CRT's beam lines."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from app.engine.terminal.effects import Effect, register


@dataclass(frozen=True)
class Scanlines:
    """Darkened every ``period``-th row, like a CRT's beam lines."""

    strength: float = 0.28

    def apply(self, frame: np.ndarray, ms: int) -> np.ndarray:
        h = frame.shape[0]
        period = max(2, h // 360)
        out = frame.copy()
        keep = round((1 - self.strength) * 256)
        rows = out[period - 1 :: period, :, :3]
        out[period - 1 :: period, :, :3] = (rows.astype(np.uint16) * keep >> 8).astype(np.uint8)
        return out


@register("scanlines", rank=20)
def build(value: float | None, seed: int) -> Effect:
    """``scanlines:0.4`` sets how much the lines darken (0.28 unless given)."""
    return Scanlines(strength=0.28 if value is None else value)
