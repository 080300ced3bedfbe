"""Small drawing helpers the on-screen elements share: panels, discs, fades, easing.

Shapes are drawn supersampled with OpenCV and returned as premultiplied RGBA, so edges
are smooth at any size and the compositor blends them like any other picture.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from app.engine.motion.typeset import RGB, TextImage

_SS = 3
"""Supersampling factor for shapes."""


def ease_out(t: float) -> float:
    """Cubic ease-out on [0, 1]: fast start, gentle landing."""
    t = min(1.0, max(0.0, t))
    return 1.0 - (1.0 - t) ** 3


def ease_in_out(t: float) -> float:
    t = min(1.0, max(0.0, t))
    return 4 * t * t * t if t < 0.5 else 1.0 - (-2.0 * t + 2.0) ** 3 / 2.0


def ease_out_back(t: float, overshoot: float = 1.6) -> float:
    """Ease-out that overshoots a little and settles: a pop."""
    t = min(1.0, max(0.0, t))
    u = t - 1.0
    return 1.0 + (overshoot + 1.0) * u**3 + overshoot * u**2


def envelope(frame: int, length: int, enter: int, leave: int) -> tuple[float, float]:
    """How far the entrance and the exit are at ``frame`` of a clip of ``length`` frames.

    Returns ``(in, out)``: ``in`` rises from 0 to 1 over the first ``enter`` frames, ``out``
    rises from 0 to 1 over the last ``leave`` frames (0 before them).
    """
    t_in = 1.0 if enter <= 0 else min(1.0, (frame + 1) / enter)
    start_out = length - leave
    t_out = 0.0 if leave <= 0 or frame < start_out else min(1.0, (frame - start_out + 1) / leave)
    return t_in, t_out


def fade(picture: np.ndarray, opacity: float) -> np.ndarray:
    """A premultiplied picture at ``opacity`` (returned as is at 1)."""
    if opacity >= 0.999:
        return picture
    return cv2.convertScaleAbs(picture, alpha=max(0.0, min(1.0, opacity)))


def scaled(picture: np.ndarray, factor: float) -> np.ndarray:
    """A picture resized by ``factor`` (at least one pixel)."""
    if abs(factor - 1.0) < 1e-3:
        return picture
    h, w = picture.shape[:2]
    size = (max(1, round(w * factor)), max(1, round(h * factor)))
    interp = cv2.INTER_AREA if factor < 1 else cv2.INTER_LINEAR
    return cv2.resize(picture, size, interpolation=interp)


def rounded_rect(
    w: int,
    h: int,
    radius: int,
    fill: RGB,
    alpha: float = 1.0,
    *,
    border: RGB | None = None,
    border_px: int = 0,
) -> np.ndarray:
    """A rounded rectangle of ``w`` x ``h`` as premultiplied RGBA, antialiased."""
    w, h = max(1, w), max(1, h)
    radius = max(0, min(radius, w // 2, h // 2))
    big = np.zeros((h * _SS, w * _SS), np.uint8)
    _round_box(big, 0, 0, w * _SS, h * _SS, radius * _SS)
    mask = cv2.resize(big, (w, h), interpolation=cv2.INTER_AREA)
    out = np.zeros((h, w, 4), np.uint8)
    a = mask.astype(np.float32) * float(alpha) / 255.0
    for c in range(3):
        out[:, :, c] = np.rint(fill[c] * a).astype(np.uint8)
    out[:, :, 3] = np.rint(255 * a).astype(np.uint8)
    if border is not None and border_px > 0:
        inner = np.zeros_like(big)
        b = border_px * _SS
        _round_box(inner, b, b, w * _SS - 2 * b, h * _SS - 2 * b, max(0, radius * _SS - b))
        ring = cv2.resize(cv2.subtract(big, inner), (w, h), interpolation=cv2.INTER_AREA)
        over(out, solid(ring, border), 0, 0)
    return out


def _round_box(mask: np.ndarray, x: int, y: int, w: int, h: int, r: int) -> None:
    if w <= 0 or h <= 0:
        return
    r = max(0, min(r, w // 2, h // 2))
    cv2.rectangle(mask, (x + r, y), (x + w - 1 - r, y + h - 1), 255, -1)
    cv2.rectangle(mask, (x, y + r), (x + w - 1, y + h - 1 - r), 255, -1)
    if r > 0:
        for cx, cy in (
            (x + r, y + r),
            (x + w - 1 - r, y + r),
            (x + r, y + h - 1 - r),
            (x + w - 1 - r, y + h - 1 - r),
        ):
            cv2.circle(mask, (cx, cy), r, 255, -1, cv2.LINE_AA)


def solid(mask: np.ndarray, colour: RGB) -> np.ndarray:
    """A colour through an 8-bit coverage mask, premultiplied."""
    out = np.empty((*mask.shape, 4), np.uint8)
    for c in range(3):
        out[:, :, c] = ((mask.astype(np.uint16) * colour[c] + 127) // 255).astype(np.uint8)
    out[:, :, 3] = mask
    return out


def disc(diameter: int, fill: RGB, *, ring: RGB | None = None, ring_px: int = 0) -> np.ndarray:
    """A filled circle (optionally ringed) as premultiplied RGBA."""
    d = max(2, diameter)
    big = np.zeros((d * _SS, d * _SS), np.uint8)
    c = d * _SS // 2
    cv2.circle(big, (c, c), c - _SS, 255, -1, cv2.LINE_AA)
    mask = cv2.resize(big, (d, d), interpolation=cv2.INTER_AREA)
    out = solid(mask, fill)
    if ring is not None and ring_px > 0:
        inner = np.zeros_like(big)
        cv2.circle(inner, (c, c), c - _SS - ring_px * _SS, 255, -1, cv2.LINE_AA)
        band = cv2.resize(cv2.subtract(big, inner), (d, d), interpolation=cv2.INTER_AREA)
        over(out, solid(band, ring), 0, 0)
    return out


def circle_mask(diameter: int) -> np.ndarray:
    """An antialiased disc coverage mask."""
    d = max(2, diameter)
    big = np.zeros((d * _SS, d * _SS), np.uint8)
    c = d * _SS // 2
    cv2.circle(big, (c, c), c - _SS, 255, -1, cv2.LINE_AA)
    return cv2.resize(big, (d, d), interpolation=cv2.INTER_AREA)


def glow(picture: np.ndarray, colour: RGB, radius: float, strength: float = 1.0) -> np.ndarray:
    """A soft halo of ``colour`` around ``picture``'s shape (the picture is not included)."""
    pad = max(1, math.ceil(radius * 2))
    h, w = picture.shape[:2]
    alpha = np.zeros((h + 2 * pad, w + 2 * pad), np.uint8)
    alpha[pad : pad + h, pad : pad + w] = picture[:, :, 3]
    blur = cv2.GaussianBlur(alpha, (0, 0), sigmaX=max(0.5, radius))
    blur = cv2.convertScaleAbs(blur, alpha=max(0.0, strength))
    return solid(blur, colour)


def inverse_alpha(picture: np.ndarray) -> np.ndarray:
    """``255 - alpha`` in four channels: what :func:`over` multiplies the canvas by, kept by
    callers that draw the same picture again and again."""
    a = cv2.bitwise_not(np.ascontiguousarray(picture[:, :, 3]))
    return cv2.merge([a, a, a, a])


STRIP_PIXELS = 256 * 1024
"""Pixels blended at a time when a picture has no cached inverse alpha: its temporary
mask then stays small (1 MB) rather than a whole picture's (33 MB at 4K)."""


def over(
    canvas: np.ndarray, picture: np.ndarray, x: int = 0, y: int = 0, inv: np.ndarray | None = None
) -> None:
    """Premultiplied ``picture`` over premultiplied ``canvas`` at (x, y), clipped, in place.

    ``inv`` is the picture's ``255 - alpha`` in four channels, when the caller keeps it
    cached for a picture it draws again and again.
    """
    h, w = canvas.shape[:2]
    ph, pw = picture.shape[:2]
    x0, y0, x1, y1 = max(0, x), max(0, y), min(w, x + pw), min(h, y + ph)
    if x1 <= x0 or y1 <= y0:
        return
    src = picture[y0 - y : y1 - y, x0 - x : x1 - x]
    inv = None if inv is None else inv[y0 - y : y1 - y, x0 - x : x1 - x]
    # In place on the canvas's own rows: a separate result and a copy back cost a whole
    # picture's memory (33 MB at 4K) and a copy each time.
    rows = y1 - y0 if inv is not None else max(1, STRIP_PIXELS // (x1 - x0))
    for top in range(0, y1 - y0, rows):
        part = src[top : top + rows]
        region = canvas[y0 + top : y0 + top + part.shape[0], x0:x1]
        mask = inverse_alpha(part) if inv is None else inv[top : top + rows]
        cv2.multiply(region, mask, dst=region, scale=1 / 255)
        cv2.add(part, region, dst=region)


def masked(picture: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """A premultiplied picture seen through ``mask`` (0..255): every channel scaled, rounded
    like :func:`over` and :func:`app.engine.pictures.premultiply`."""
    m = np.ascontiguousarray(mask)
    return cv2.multiply(np.ascontiguousarray(picture), cv2.merge([m, m, m, m]), scale=1 / 255)


def text_over(canvas: np.ndarray, text: TextImage, x: int, y: int) -> None:
    """Drawn text over a canvas with its top-left corner at (x, y)."""
    over(canvas, text.pixels, x, y)


def blank(w: int, h: int) -> np.ndarray:
    return np.zeros((max(1, h), max(1, w), 4), np.uint8)


__all__ = [
    "blank",
    "circle_mask",
    "disc",
    "ease_in_out",
    "ease_out",
    "ease_out_back",
    "envelope",
    "fade",
    "glow",
    "inverse_alpha",
    "masked",
    "over",
    "rounded_rect",
    "scaled",
    "solid",
    "text_over",
]
