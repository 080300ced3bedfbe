"""Rain: faint columns of falling glyphs on black, for phosphor-terminal styles."""

from __future__ import annotations

import cv2
import numpy as np

from app.engine.visuals.backgrounds import background, vignette


@background("rain")
def rain(rng: np.random.Generator, colours: np.ndarray, width: int, height: int) -> np.ndarray:
    dark = colours[0]
    glow = colours[-1]
    img = vignette(np.broadcast_to(dark, (height // 4 + 1, width // 4 + 1, 3)).astype(np.float32), 0.5)
    out = cv2.resize(np.clip(img, 0, 255).astype(np.uint8), (width, height), interpolation=cv2.INTER_CUBIC)
    cell = max(8, round(min(width, height) / 40))
    layer = np.zeros((height, width), np.uint8)
    for col in range(0, width, cell):
        if rng.random() < 0.45:
            continue
        head = int(rng.integers(0, height // cell + 8))
        length = int(rng.integers(6, 22))
        for k in range(length):
            row = head - k
            if row < 0 or row * cell > height:
                continue
            bright = int(255 * (1.0 - k / length) ** 1.5)
            size = max(2, cell // 3)
            y = row * cell + cell // 2
            if rng.random() < 0.5:
                cv2.line(layer, (col + cell // 2, y - size), (col + cell // 2, y + size), bright, max(1, cell // 8))
            else:
                cv2.rectangle(layer, (col + cell // 3, y - size // 2), (col + 2 * cell // 3, y + size // 2), bright, max(1, cell // 10))
    bloom = cv2.GaussianBlur(layer, (0, 0), sigmaX=max(1.0, cell / 6))
    alpha = (np.maximum(layer, bloom).astype(np.float32) / 255.0 * 0.35)[..., None]
    return np.clip(out.astype(np.float32) * (1 - alpha) + glow[None, None, :] * alpha, 0, 255).astype(np.uint8)
