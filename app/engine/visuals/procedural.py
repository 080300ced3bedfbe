"""Offline backgrounds generated from a scene's prompt and the script's style.

Every scene gets a different picture (the seed comes from its prompt) but all of them
share one palette (it comes from the script's style), so a video looks designed rather
than random: a seeded gradient, a soft noise field and glowing particles, all drawn with
numpy and OpenCV at the output size.
"""

from __future__ import annotations

import colorsys
import hashlib
import re

import cv2
import numpy as np

_NAMED = {
    "teal": (0.50, 0.65, 0.55),
    "orange": (0.07, 0.85, 0.95),
    "blue": (0.60, 0.75, 0.75),
    "navy": (0.62, 0.80, 0.35),
    "purple": (0.78, 0.60, 0.70),
    "violet": (0.76, 0.55, 0.75),
    "magenta": (0.88, 0.70, 0.85),
    "pink": (0.93, 0.45, 0.95),
    "red": (0.99, 0.80, 0.85),
    "green": (0.35, 0.65, 0.65),
    "cyan": (0.52, 0.70, 0.90),
    "gold": (0.12, 0.75, 0.95),
    "yellow": (0.15, 0.70, 0.98),
    "amber": (0.10, 0.85, 0.95),
    "neon": (0.85, 0.80, 1.00),
    "sunset": (0.04, 0.75, 0.95),
    "forest": (0.33, 0.60, 0.45),
    "ocean": (0.56, 0.70, 0.65),
    "midnight": (0.66, 0.70, 0.25),
    "white": (0.0, 0.0, 0.95),
    "grey": (0.0, 0.0, 0.55),
    "gray": (0.0, 0.0, 0.55),
}


def _digest(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8")).digest()


def seed_for(prompt: str) -> int:
    """A stable 32-bit seed from a prompt: the same words always give the same picture."""
    return int.from_bytes(_digest(prompt.strip().lower())[:4], "big")


def _hex(rgb: tuple[float, float, float]) -> str:
    return "#" + "".join(f"{round(max(0.0, min(1.0, c)) * 255):02x}" for c in rgb)


def palette_for_style(style: str) -> list[str]:
    """Five hex colours (darkest first) for a script's ``style``.

    Colour words in the style (``teal and orange``) pick the hues; otherwise the hues
    come from a hash of the style, so a script without one still gets one palette.
    """
    words = re.findall(r"[a-z]+", style.lower())
    hues = [_NAMED[w] for w in words if w in _NAMED]
    if not hues:
        h = _digest(style or "castline")
        base = h[0] / 255
        hues = [(base, 0.65, 0.7), ((base + 0.08 + h[1] / 2550) % 1.0, 0.75, 0.9)]
    if len(hues) == 1:
        hh, s, v = hues[0]
        hues.append(((hh + 0.5) % 1.0, s, v))
    first, second = hues[0], hues[1]
    colours = [
        colorsys.hsv_to_rgb(first[0], min(1.0, first[1] + 0.1), 0.07),
        colorsys.hsv_to_rgb(first[0], first[1], 0.22),
        colorsys.hsv_to_rgb(first[0], first[1], min(1.0, first[2])),
        colorsys.hsv_to_rgb(second[0], second[1], second[2]),
        colorsys.hsv_to_rgb(second[0], max(0.0, second[1] - 0.4), 1.0),
    ]
    return [_hex(c) for c in colours]


def _parse_palette(palette: list[str]) -> np.ndarray:
    out = []
    for text in palette:
        t = text.strip().lstrip("#")
        if re.fullmatch(r"[0-9a-fA-F]{6}", t):
            out.append([int(t[i : i + 2], 16) for i in (0, 2, 4)])
    if len(out) < 3:
        return _parse_palette(palette_for_style(""))
    return np.array(out, dtype=np.float32)


def _noise(rng: np.random.Generator, width: int, height: int, octaves: int = 4) -> np.ndarray:
    """Smooth value noise in [0, 1]: random grids upsampled bicubically and summed."""
    field = np.zeros((height, width), np.float32)
    amp, total = 1.0, 0.0
    for o in range(octaves):
        cells = 3 * 2**o
        grid = rng.random(
            (cells + 1, max(2, round((cells + 1) * width / height))), dtype=np.float32
        )
        field += amp * cv2.resize(grid, (width, height), interpolation=cv2.INTER_CUBIC)
        total += amp
        amp *= 0.5
    field /= total
    lo, hi = float(field.min()), float(field.max())
    return (field - lo) / max(1e-6, hi - lo)


class ProceduralGenerator:
    """The offline :class:`~app.engine.visuals.base.StillGenerator`."""

    name = "procedural"

    def generate(
        self, prompt: str, *, width: int, height: int, seed: int, palette: list[str]
    ) -> np.ndarray:
        colours = _parse_palette(palette)
        rng = np.random.default_rng([seed, seed_for(prompt)])
        # The smooth parts (gradient, clouds, light, vignette) are computed at a quarter of
        # the size and scaled up: they have no detail to lose, and it is 16 times less work.
        sw, sh = max(8, width // 4), max(8, height // 4)
        ys, xs = np.mgrid[0:sh, 0:sw].astype(np.float32)
        # 1. A gradient between two palette colours along a seeded direction.
        angle = rng.uniform(0, 2 * np.pi)
        t = (xs / sw - 0.5) * np.cos(angle) + (ys / sh - 0.5) * np.sin(angle)
        t = (t - t.min()) / max(1e-6, float(t.max() - t.min()))
        dark = colours[0]
        mid = colours[1 + int(rng.integers(0, max(1, len(colours) - 3)))]
        img = dark[None, None, :] * (1 - t[..., None]) + mid[None, None, :] * t[..., None]
        # 2. A noise field tinted with an accent colour: clouds, nebulae, light.
        accent = colours[2 + int(rng.integers(0, max(1, len(colours) - 2)))]
        n = _noise(rng, sw, sh)
        glow = np.clip((n - 0.45) * 2.2, 0, 1) ** 1.5
        img = img * (1 - 0.55 * glow[..., None]) + accent[None, None, :] * (0.55 * glow[..., None])
        # 3. A soft radial light at a seeded spot.
        cx, cy = rng.uniform(0.2, 0.8) * sw, rng.uniform(0.2, 0.8) * sh
        r = np.sqrt((xs - cx) ** 2 + (ys - cy) ** 2) / max(sw, sh)
        light = np.exp(-((r / 0.35) ** 2))
        img = img + (colours[-1][None, None, :] - img) * (0.25 * light[..., None])
        # 4. A vignette so titles and terminals read well over any scene.
        vr = np.sqrt(((xs / sw) - 0.5) ** 2 + ((ys / sh) - 0.5) ** 2)
        img *= (1.0 - 0.45 * np.clip(vr / 0.7, 0, 1) ** 2)[..., None]
        base = cv2.resize(
            np.clip(img, 0, 255).astype(np.uint8), (width, height), interpolation=cv2.INTER_CUBIC
        )
        # 5. Particles at full size: glowing dots drawn small, blurred for bloom, added.
        particles = np.zeros((height, width, 3), np.uint8)
        count = int(rng.integers(40, 90))
        scale = max(width, height) / 1920
        for _ in range(count):
            px, py = int(rng.uniform(0, width)), int(rng.uniform(0, height))
            radius = max(1, int(rng.uniform(1.0, 4.0) * scale))
            colour = colours[int(rng.integers(2, len(colours)))]
            cv2.circle(
                particles, (px, py), radius, tuple(float(c) for c in colour), -1, cv2.LINE_AA
            )
        bloom = cv2.GaussianBlur(particles, (0, 0), sigmaX=max(1.0, 6 * scale))
        out = cv2.add(base, cv2.addWeighted(particles, 0.8, bloom, 1.5, 0.0))
        return np.ascontiguousarray(out)
