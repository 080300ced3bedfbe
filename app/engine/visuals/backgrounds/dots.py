"""Dots: a halftone dot pattern on a soft field, for light, paper-like styles."""

from __future__ import annotations

import cv2
import numpy as np

from app.engine.visuals.backgrounds import background


@background("dots")
def dots(rng: np.random.Generator, colours: np.ndarray, width: int, height: int) -> np.ndarray:
    light = colours[-1] if float(colours[-1].mean()) > 150 else colours[0]
    ink = colours[len(colours) // 2]
    sw, sh = max(8, width // 8), max(8, height // 8)
    ys, xs = np.mgrid[0:sh, 0:sw].astype(np.float32)
    cx, cy = rng.uniform(0.0, 1.0) * sw, rng.uniform(0.0, 1.0) * sh
    r = np.sqrt((xs - cx) ** 2 + (ys - cy) ** 2) / max(sw, sh)
    field = np.clip(1.0 - r / 0.9, 0, 1)
    img = light[None, None, :] * (1 - 0.06 * field[..., None]) + ink[None, None, :] * (0.06 * field[..., None])
    out = cv2.resize(np.clip(img, 0, 255).astype(np.uint8), (width, height), interpolation=cv2.INTER_CUBIC)
    step = max(6, round(min(width, height) / 36))
    mask = np.zeros((height, width), np.uint8)
    big_field = cv2.resize(field.astype(np.float32), (width, height))
    for y in range(step // 2, height, step):
        for x in range(step // 2, width, step):
            radius = max(1, round(step * 0.09 + step * 0.14 * float(big_field[y, x])))
            cv2.circle(mask, (x, y), radius, 255, -1, cv2.LINE_AA)
    alpha = (mask.astype(np.float32) / 255.0 * 0.16)[..., None]
    return np.clip(out.astype(np.float32) * (1 - alpha) + ink[None, None, :] * alpha, 0, 255).astype(np.uint8)
