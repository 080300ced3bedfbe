"""Pictures as the engine holds them: premultiplied RGBA uint8, read from image files.

One low-level place for what every part that draws needs (the compositor, the visual
sources, the on-screen elements, the thumbnail): reading an image file and converting
between straight and premultiplied alpha. Premultiplied pictures blend with one
multiply-add and no per-pixel Python.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np


class VisualError(Exception):
    """A visual that cannot be shown (a missing or unreadable file); the message says which."""


def load_image(path: str | Path) -> np.ndarray:
    """An image file as premultiplied RGBA uint8 (alpha 255 for an opaque picture)."""
    data = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    if data is None:
        raise VisualError(f"{path}: not an image OpenCV can read (PNG, JPEG, WebP, BMP, TIFF)")
    if data.dtype != np.uint8:
        data = cv2.convertScaleAbs(data, alpha=255.0 / 65535.0)
    if data.ndim == 2:
        return cv2.cvtColor(data, cv2.COLOR_GRAY2RGBA)
    if data.shape[2] == 4:
        return premultiply(cv2.cvtColor(data, cv2.COLOR_BGRA2RGBA))
    return cv2.cvtColor(data, cv2.COLOR_BGR2RGBA)


def premultiply(rgba: np.ndarray) -> np.ndarray:
    """Straight RGBA uint8 to premultiplied RGBA uint8 (rounded, vectorised)."""
    alpha = rgba[:, :, 3]
    alpha4 = cv2.merge([alpha, alpha, alpha, np.full_like(alpha, 255)])
    return cv2.multiply(np.ascontiguousarray(rgba), alpha4, scale=1 / 255)


def unpremultiply(rgba: np.ndarray) -> np.ndarray:
    """Premultiplied RGBA uint8 back to straight RGBA (what alpha-carrying codecs expect)."""
    alpha = rgba[:, :, 3]
    safe = np.maximum(alpha, 1)
    alpha4 = cv2.merge([safe, safe, safe, np.full_like(alpha, 255)])
    return cv2.divide(np.ascontiguousarray(rgba), alpha4, scale=255)


def tear_rows(
    picture: np.ndarray,
    rng: np.random.Generator,
    bands: int,
    heights: tuple[int, int],
    max_shift: int,
) -> np.ndarray:
    """Digital tearing, in place: ``bands`` random horizontal slices (``heights`` rows, low
    inclusive, high exclusive) rolled sideways by up to ``max_shift`` pixels either way.

    The one row-shift glitch: the terminal's glitch effect and the glitch transition both
    tear with it, so the two look alike. Whole rows move, so premultiplied pictures stay
    premultiplied; ``rng`` decides everything, so a seeded frame is always the same.
    """
    rows = picture.shape[0]
    for _ in range(bands):
        y0 = int(rng.integers(0, rows))
        h = int(rng.integers(*heights))
        dx = int(rng.integers(-max_shift, max_shift + 1))
        picture[y0 : y0 + h] = np.roll(picture[y0 : y0 + h], dx, axis=1)
    return picture


__all__ = ["VisualError", "load_image", "premultiply", "tear_rows", "unpremultiply"]
