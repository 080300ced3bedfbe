"""``crt``: barrel curvature and a vignette, like a curved tube."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from app.engine.caching import byte_cached
from app.engine.terminal.effects import Effect, register


@byte_cached(192 * 1024 * 1024)  # 83 MB a window size at 4K
def _barrel_maps(w: int, h: int, k: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    nx = (xs + 0.5) / w * 2 - 1
    ny = (ys + 0.5) / h * 2 - 1
    r2 = nx * nx + ny * ny
    f = 1 + k * r2
    sx = ((nx * f + 1) / 2 * w - 0.5).astype(np.float32)
    sy = ((ny * f + 1) / 2 * h - 0.5).astype(np.float32)
    vignette = np.clip(1.0 - 0.35 * r2**1.5, 0.0, 1.0).astype(np.float32)
    vig = np.rint(vignette * 256).astype(np.uint16)[:, :, None]
    return sx, sy, vig


@dataclass(frozen=True)
class CRT:
    """Barrel curvature and a vignette, like a curved tube."""

    curvature: float = 0.08

    def apply(self, frame: np.ndarray, ms: int) -> np.ndarray:
        h, w = frame.shape[:2]
        sx, sy, vig = _barrel_maps(w, h, self.curvature)
        border = (0, 0, 0, int(frame[0, 0, 3]))
        out = cv2.remap(
            frame, sx, sy, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=border
        )
        out[..., :3] = (out[..., :3].astype(np.uint16) * vig >> 8).astype(np.uint8)
        return out


@register("crt", rank=30)
def build(value: float | None, seed: int) -> Effect:
    """``crt:0.12`` sets the curvature (0.08 unless given)."""
    return CRT(curvature=0.08 if value is None else value)
