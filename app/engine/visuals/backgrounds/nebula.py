"""Nebula: a seeded gradient, soft clouds of an accent colour and glowing particles."""

from __future__ import annotations

import cv2
import numpy as np

from app.engine.visuals.backgrounds import background, vignette


def noise(rng: np.random.Generator, width: int, height: int, octaves: int = 4) -> np.ndarray:
    """Smooth value noise in [0, 1]: random grids upsampled bicubically and summed."""
    field = np.zeros((height, width), np.float32)
    amp, total = 1.0, 0.0
    for o in range(octaves):
        cells = 3 * 2**o
        grid = rng.random((cells + 1, max(2, round((cells + 1) * width / height))), dtype=np.float32)
        field += amp * cv2.resize(grid, (width, height), interpolation=cv2.INTER_CUBIC)
        total += amp
        amp *= 0.5
    field /= total
    lo, hi = float(field.min()), float(field.max())
    return (field - lo) / max(1e-6, hi - lo)


@background("nebula")
def nebula(rng: np.random.Generator, colours: np.ndarray, width: int, height: int) -> np.ndarray:
    # The smooth parts are computed at a quarter of the size and scaled up: they have no
    # detail to lose, and it is 16 times less work.
    sw, sh = max(8, width // 4), max(8, height // 4)
    ys, xs = np.mgrid[0:sh, 0:sw].astype(np.float32)
    angle = rng.uniform(0, 2 * np.pi)
    t = (xs / sw - 0.5) * np.cos(angle) + (ys / sh - 0.5) * np.sin(angle)
    t = (t - t.min()) / max(1e-6, float(t.max() - t.min()))
    dark = colours[0]
    mid = colours[1 + int(rng.integers(0, max(1, len(colours) - 3)))]
    img = dark[None, None, :] * (1 - t[..., None]) + mid[None, None, :] * t[..., None]
    accent = colours[2 + int(rng.integers(0, max(1, len(colours) - 2)))]
    n = noise(rng, sw, sh)
    glow = np.clip((n - 0.45) * 2.2, 0, 1) ** 1.5
    img = img * (1 - 0.55 * glow[..., None]) + accent[None, None, :] * (0.55 * glow[..., None])
    cx, cy = rng.uniform(0.2, 0.8) * sw, rng.uniform(0.2, 0.8) * sh
    r = np.sqrt((xs - cx) ** 2 + (ys - cy) ** 2) / max(sw, sh)
    light = np.exp(-((r / 0.35) ** 2))
    img = img + (colours[-1][None, None, :] - img) * (0.25 * light[..., None])
    img = vignette(img)
    base = cv2.resize(np.clip(img, 0, 255).astype(np.uint8), (width, height), interpolation=cv2.INTER_CUBIC)
    particles = np.zeros((height, width, 3), np.uint8)
    count = int(rng.integers(40, 90))
    scale = max(width, height) / 1920
    for _ in range(count):
        px, py = int(rng.uniform(0, width)), int(rng.uniform(0, height))
        radius = max(1, int(rng.uniform(1.0, 4.0) * scale))
        colour = colours[int(rng.integers(2, len(colours)))]
        cv2.circle(particles, (px, py), radius, tuple(float(c) for c in colour), -1, cv2.LINE_AA)
    bloom = cv2.GaussianBlur(particles, (0, 0), sigmaX=max(1.0, 6 * scale))
    return cv2.add(base, cv2.addWeighted(particles, 0.8, bloom, 1.5, 0.0))
