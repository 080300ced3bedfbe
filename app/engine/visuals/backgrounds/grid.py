"""Grid: engineering paper, a fine grid with major lines and a soft spotlight."""

from __future__ import annotations

import cv2
import numpy as np

from app.engine.visuals.backgrounds import background, vignette


@background("grid")
def grid(rng: np.random.Generator, colours: np.ndarray, width: int, height: int) -> np.ndarray:
    base_c = colours[0] if float(colours[0].mean()) > 20 else colours[1]
    sw, sh = max(8, width // 4), max(8, height // 4)
    ys, xs = np.mgrid[0:sh, 0:sw].astype(np.float32)
    cx, cy = rng.uniform(0.3, 0.7) * sw, rng.uniform(0.25, 0.6) * sh
    r = np.sqrt((xs - cx) ** 2 + (ys - cy) ** 2) / max(sw, sh)
    light = np.exp(-((r / 0.55) ** 2))
    img = base_c[None, None, :] * (0.75 + 0.45 * light[..., None])
    img = vignette(img, 0.4)
    out = cv2.resize(np.clip(img, 0, 255).astype(np.uint8), (width, height), interpolation=cv2.INTER_CUBIC)
    line = colours[-1]
    step = max(8, round(min(width, height) / 27))
    minor = np.zeros((height, width), np.uint8)
    offset_x, offset_y = int(rng.integers(0, step)), int(rng.integers(0, step))
    for x in range(offset_x, width, step):
        cv2.line(minor, (x, 0), (x, height - 1), 255, 1)
    for y in range(offset_y, height, step):
        cv2.line(minor, (0, y), (width - 1, y), 255, 1)
    major = np.zeros_like(minor)
    thick = max(1, round(min(width, height) / 720))
    for x in range(offset_x, width, step * 5):
        cv2.line(major, (x, 0), (x, height - 1), 255, thick)
    for y in range(offset_y, height, step * 5):
        cv2.line(major, (0, y), (width - 1, y), 255, thick)
    alpha = (minor.astype(np.float32) * 0.10 + major.astype(np.float32) * 0.22) / 255.0
    fade = cv2.resize(light.astype(np.float32), (width, height)) * 0.7 + 0.3
    alpha = (alpha * fade)[..., None]
    blended = out.astype(np.float32) * (1 - alpha) + line[None, None, :] * alpha
    return np.clip(blended, 0, 255).astype(np.uint8)
