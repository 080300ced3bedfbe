"""Real pictures and clips for the visual fakes, each a solid colour a test can find again.

Every prompt (or stock item) gets its own bright colour from a hash of its text, so a
test that renders a video can decode a frame and tell which visual is on screen. Clips
are real H.264 MP4 files (PyAV), stills real PNGs, at a small size with the requested
shape: a 16:9 request gives a landscape file, a 9:16 one a portrait file.
"""

from __future__ import annotations

import colorsys
import hashlib
import io

import av
import cv2
import numpy as np


def colour_for(text: str) -> tuple[int, int, int]:
    """A saturated RGB colour that only ``text`` gets (up to hash collisions)."""
    digest = hashlib.sha256(text.strip().lower().encode("utf-8")).digest()
    hue = int.from_bytes(digest[:2], "big") / 65536
    value = 0.75 + digest[2] / 255 * 0.25
    r, g, b = colorsys.hsv_to_rgb(hue, 0.9, value)
    return round(r * 255), round(g * 255), round(b * 255)


def png(colour: tuple[int, int, int], width: int, height: int, *, seed: int | None = None) -> bytes:
    """A solid PNG with a white square in its top-left corner (so orientation can be seen).

    With ``seed``, its bottom-right pixel carries the seed, so two seeds give two files
    (as a real generator gives two pictures) in the same colour.
    """
    picture = np.empty((height, width, 3), np.uint8)
    picture[:] = colour[::-1]  # OpenCV is BGR
    side = max(2, min(width, height) // 8)
    picture[:side, :side] = 255
    if seed is not None:
        picture[-1, -1] = (seed & 0xFF, (seed >> 8) & 0xFF, (seed >> 16) & 0xFF)
    ok, data = cv2.imencode(".png", picture)
    assert ok
    return data.tobytes()


def mp4(
    colour: tuple[int, int, int], width: int, height: int, seconds: float = 1.0, fps: int = 10
) -> bytes:
    """A solid-colour H.264 clip of ``seconds`` at ``fps``."""
    buffer = io.BytesIO()
    frames = max(1, round(seconds * fps))
    with av.open(buffer, "w", format="mp4") as out:
        stream = out.add_stream("libx264", rate=fps)
        stream.width, stream.height = width, height
        stream.pix_fmt = "yuv420p"
        stream.options = {"preset": "ultrafast"}
        picture = np.empty((height, width, 3), np.uint8)
        picture[:] = colour
        for _ in range(frames):
            for packet in stream.encode(av.VideoFrame.from_ndarray(picture, format="rgb24")):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return buffer.getvalue()


def small_size(width: int, height: int, longest: int = 320) -> tuple[int, int]:
    """The shape of ``width`` x ``height`` at ``longest`` pixels on the long side (even sides)."""
    scale = longest / max(width, height)
    return max(2, round(width * scale) // 2 * 2), max(2, round(height * scale) // 2 * 2)


def mean_colour(rgb: np.ndarray) -> tuple[int, int, int]:
    """The average colour of a frame's middle (away from overlays at the edges)."""
    h, w = rgb.shape[:2]
    middle = rgb[h // 3 : 2 * h // 3, w // 3 : 2 * w // 3, :3].reshape(-1, 3)
    r, g, b = middle.mean(axis=0)
    return round(r), round(g), round(b)


def frame_colour(rgb: np.ndarray) -> tuple[int, int, int]:
    """The colour most of a rendered frame shows: the median, so titles, cards and
    names drawn over the picture do not move it."""
    r, g, b = np.median(rgb[:, :, :3].reshape(-1, 3), axis=0)
    return round(float(r)), round(float(g)), round(float(b))


def close(a: tuple[int, int, int], b: tuple[int, int, int], tolerance: int = 40) -> bool:
    return all(abs(x - y) <= tolerance for x, y in zip(a, b, strict=True))
