"""Gradient: a calm mesh of soft colour fields with a fine grain, like a keynote slide."""

from __future__ import annotations

import cv2
import numpy as np

from app.engine.visuals.backgrounds import background, vignette


@background("gradient")
def gradient(rng: np.random.Generator, colours: np.ndarray, width: int, height: int) -> np.ndarray:
    sw, sh = max(8, width // 8), max(8, height // 8)
    ys, xs = np.mgrid[0:sh, 0:sw].astype(np.float32)
    img = np.broadcast_to(colours[0], (sh, sw, 3)).astype(np.float32).copy()
    for k in range(3):
        colour = colours[1 + (k + int(rng.integers(0, len(colours) - 1))) % (len(colours) - 1)]
        cx, cy = rng.uniform(0.0, 1.0) * sw, rng.uniform(0.0, 1.0) * sh
        spread = rng.uniform(0.35, 0.6) * max(sw, sh)
        w = np.exp(-(((xs - cx) ** 2 + (ys - cy) ** 2) / (2 * spread**2)))
        strength = 0.55 if k == 0 else 0.35
        img = img * (1 - strength * w[..., None]) + colour[None, None, :] * (
            strength * w[..., None]
        )
    img = vignette(img, 0.35)
    base = cv2.resize(
        np.clip(img, 0, 255).astype(np.uint8), (width, height), interpolation=cv2.INTER_CUBIC
    )
    small = rng.normal(0.0, 2.2, (height // 2 + 1, width // 2 + 1)).astype(np.float32)
    grain = cv2.resize(small, (width, height), interpolation=cv2.INTER_NEAREST)
    return np.clip(base.astype(np.float32) + grain[..., None], 0, 255).astype(np.uint8)
