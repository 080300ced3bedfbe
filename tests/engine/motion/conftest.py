"""Pixel checks for drawn text: ink, .notdef boxes and colour, read from the pictures."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

FONTS = Path(__file__).resolve().parents[3] / "resources" / "fonts"
UNMAPPED = "\U0010fffd"
"""A private-use code point no font maps: every font draws its .notdef box for it."""


def font_files() -> list[Path]:
    return sorted(p for p in FONTS.iterdir() if p.suffix in (".ttf", ".otf", ".ttc"))


def _crop(mask: np.ndarray) -> np.ndarray | None:
    ys, xs = np.nonzero(mask)
    if ys.size == 0:
        return None
    return mask[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]


@lru_cache(maxsize=8)
def notdef_shapes(px: int) -> tuple[np.ndarray, ...]:
    """The .notdef box of every bundled font at ``px``, plain and thickened as for bold."""
    shapes: dict[bytes, np.ndarray] = {}
    for path in font_files():
        if path.name == "NotoColorEmoji.ttf":
            continue  # bitmap-only font: it has no outline .notdef to show
        font = ImageFont.truetype(str(path), px)
        for stroke in (0, max(1, round(px * 0.03))):
            img = Image.new("L", (px * 3, px * 3), 0)
            ImageDraw.Draw(img).text(
                (px, 2 * px),
                UNMAPPED,
                font=font,
                fill=255,
                anchor="ls",
                stroke_width=stroke,
                stroke_fill=255,
            )
            shape = _crop(np.asarray(img) > 127)
            if shape is not None:
                shapes[shape.tobytes() + bytes(shape.shape)] = shape
    return tuple(shapes.values())


def _outline_and_holes(shape: np.ndarray) -> tuple[int, float]:
    """Background regions the shape encloses, and the share of its box that the ink and
    those regions fill (a .notdef box encloses at least one and fills all of it)."""
    padded = np.pad(~shape, 1, constant_values=True).astype(np.uint8)
    n, labels = cv2.connectedComponents(padded, connectivity=4)
    outside = labels == labels[0, 0]
    filled = (~outside)[1:-1, 1:-1].mean()
    return n - 2, float(filled)  # minus the labels for ink and the region outside


def _similar(a: np.ndarray, b: np.ndarray) -> bool:
    """Same size within 2 px, the same enclosed holes filling the box alike, and mostly the
    same pixels (after a 1 px grow, so a sub-pixel shift of a thin box still matches)."""
    if abs(a.shape[0] - b.shape[0]) > 2 or abs(a.shape[1] - b.shape[1]) > 2:
        return False
    holes_a, filled_a = _outline_and_holes(a)
    holes_b, filled_b = _outline_and_holes(b)
    if holes_a != holes_b or abs(filled_a - filled_b) > 0.1:
        return False
    h, w = max(a.shape[0], b.shape[0]), max(a.shape[1], b.shape[1])
    grown = []
    for m in (a, b):
        canvas = np.zeros((h + 2, w + 2), np.uint8)
        canvas[1 : 1 + m.shape[0], 1 : 1 + m.shape[1]] = m
        grown.append(cv2.dilate(canvas, np.ones((3, 3), np.uint8)) > 0)
    union = np.logical_or(*grown).sum()
    return bool(union) and np.logical_and(*grown).sum() / union > 0.6


def text_ink(pixels: np.ndarray) -> np.ndarray:
    """Where light text was drawn in a premultiplied picture (its shadow is black)."""
    return np.asarray(pixels[:, :, :3].max(axis=2) > 127)


def count_boxes(pixels: np.ndarray, px: int) -> int:
    """How many separate shapes of light ink in the picture are a font's .notdef box."""
    ink = text_ink(pixels).astype(np.uint8)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(ink)
    boxes = 0
    for i in range(1, n):
        x, y, w, h, _area = stats[i]
        shape = labels[y : y + h, x : x + w] == i
        if any(_similar(shape, ref) for ref in notdef_shapes(px)):
            boxes += 1
    return boxes


def colourful_share(pixels: np.ndarray) -> float:
    """Share of the opaque pixels whose colour is saturated (HSV saturation above 0.35)."""
    alpha = pixels[:, :, 3]
    opaque = alpha > 200
    if not opaque.any():
        return 0.0
    straight = np.zeros((*pixels.shape[:2], 3), np.uint8)
    safe = np.maximum(alpha, 1).astype(np.float64)[..., None]
    straight[:] = np.clip(pixels[:, :, :3] * 255.0 / safe, 0, 255).astype(np.uint8)
    saturation = cv2.cvtColor(straight, cv2.COLOR_RGB2HSV)[:, :, 1]
    return float((saturation[opaque] > 0.35 * 255).mean())


def ink_components(pixels: np.ndarray, min_area: int = 20) -> list[tuple[int, int, int, int]]:
    """Boxes (x, y, w, h) of the separate shapes of light ink, left to right."""
    n, _, stats, _ = cv2.connectedComponentsWithStats(text_ink(pixels).astype(np.uint8))
    found = [tuple(int(v) for v in stats[i][:4]) for i in range(1, n) if stats[i][4] >= min_area]
    return sorted(found)  # type: ignore[return-value]
