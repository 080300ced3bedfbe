"""``glitch``: short seeded bursts of RGB split, torn rows and noise."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from app.engine.pictures import tear_rows
from app.engine.terminal.effects import Effect, register, seeded_rng


def glitch_frame(frame: np.ndarray, strength: float, rng: np.random.Generator) -> np.ndarray:
    """RGB split, displaced horizontal slices and a burst of noise, scaled by ``strength``."""
    h, w = frame.shape[:2]
    out = frame.copy()
    shift = max(1, int(w * 0.008 * strength * rng.uniform(0.6, 1.4)))
    out[:, :-shift, 0] = frame[:, shift:, 0]
    out[:, shift:, 2] = frame[:, :-shift, 2]
    bands = int(rng.integers(2, 7))
    tear_rows(out, rng, bands, (max(1, h // 90), max(2, h // 12)), int(w * 0.05 * strength) + 1)
    y0 = int(rng.integers(0, h))
    hh = int(rng.integers(max(1, h // 60), max(2, h // 8)))
    band = out[y0 : y0 + hh]
    hit = rng.random(band.shape[:2]) < 0.18 * strength
    noise = rng.integers(0, 256, size=(int(hit.sum()), 1), dtype=np.uint8)
    band[..., :3][hit] = noise
    return out


@dataclass(frozen=True)
class Glitch:
    """Short glitch bursts at seeded moments: one per ``every_ms`` window, ``burst_ms`` long."""

    intensity: float = 0.7
    every_ms: int = 2400
    burst_ms: int = 200
    seed: int = 0

    def strength_at(self, ms: int) -> float:
        k = ms // self.every_ms
        rng = seeded_rng(self.seed, 7, k)
        start = k * self.every_ms + int(rng.integers(0, max(1, self.every_ms - self.burst_ms)))
        return self.intensity if start <= ms < start + self.burst_ms else 0.0

    def apply(self, frame: np.ndarray, ms: int) -> np.ndarray:
        s = self.strength_at(ms)
        if s <= 0:
            return frame
        return glitch_frame(frame, s, seeded_rng(self.seed, 11, ms // 40))


@register("glitch", rank=10)
def build(value: float | None, seed: int) -> Effect:
    """``glitch:0.9`` sets the intensity (0.7 unless given)."""
    return Glitch(intensity=0.7 if value is None else value, seed=seed)
