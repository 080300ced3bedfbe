"""Frame effects, composable in order on any terminal or code view.

Each effect is a pure function of (frame, ms): randomness comes from generators seeded
by the effect's seed and the time, so a scrubbed frame is always the same frame.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import cv2
import numpy as np

from app.engine.caching import byte_cached
from app.engine.model import Diagnostic, Severity


class Effect(Protocol):
    def apply(self, frame: np.ndarray, ms: int) -> np.ndarray: ...


def _rng(*parts: int) -> np.random.Generator:
    return np.random.default_rng([abs(int(p)) for p in parts])


def glitch_frame(frame: np.ndarray, strength: float, rng: np.random.Generator) -> np.ndarray:
    """RGB split, displaced horizontal slices and a burst of noise, scaled by ``strength``."""
    h, w = frame.shape[:2]
    out = frame.copy()
    shift = max(1, int(w * 0.008 * strength * rng.uniform(0.6, 1.4)))
    out[:, :-shift, 0] = frame[:, shift:, 0]
    out[:, shift:, 2] = frame[:, :-shift, 2]
    for _ in range(int(rng.integers(2, 7))):
        y0 = int(rng.integers(0, h))
        hh = int(rng.integers(max(1, h // 90), max(2, h // 12)))
        dx = int(rng.integers(-1, 2, endpoint=False) or 1) * int(
            rng.integers(1, max(2, int(w * 0.05 * strength) + 2))
        )
        out[y0 : y0 + hh] = np.roll(out[y0 : y0 + hh], dx, axis=1)
    y0 = int(rng.integers(0, h))
    hh = int(rng.integers(max(1, h // 60), max(2, h // 8)))
    band = out[y0 : y0 + hh]
    hit = rng.random(band.shape[:2]) < 0.18 * strength
    noise = rng.integers(0, 256, size=(int(hit.sum()), 1), dtype=np.uint8)
    band[..., :3][hit] = noise
    return out


@dataclass(frozen=True)
class Glitch:
    """Short glitch bursts at seeded moments: one per ``every_ms`` window, ``burst_ms`` long."""

    intensity: float = 0.7
    every_ms: int = 2400
    burst_ms: int = 200
    seed: int = 0

    def strength_at(self, ms: int) -> float:
        k = ms // self.every_ms
        rng = _rng(self.seed, 7, k)
        start = k * self.every_ms + int(rng.integers(0, max(1, self.every_ms - self.burst_ms)))
        return self.intensity if start <= ms < start + self.burst_ms else 0.0

    def apply(self, frame: np.ndarray, ms: int) -> np.ndarray:
        s = self.strength_at(ms)
        if s <= 0:
            return frame
        return glitch_frame(frame, s, _rng(self.seed, 11, ms // 40))


@dataclass(frozen=True)
class Scanlines:
    """Darkened every ``period``-th row, like a CRT's beam lines."""

    strength: float = 0.28

    def apply(self, frame: np.ndarray, ms: int) -> np.ndarray:
        h = frame.shape[0]
        period = max(2, h // 360)
        out = frame.copy()
        keep = round((1 - self.strength) * 256)
        rows = out[period - 1 :: period, :, :3]
        out[period - 1 :: period, :, :3] = (rows.astype(np.uint16) * keep >> 8).astype(np.uint8)
        return out


@byte_cached(192 * 1024 * 1024)  # 83 MB a window size at 4K
def _barrel_maps(w: int, h: int, k: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    nx = (xs + 0.5) / w * 2 - 1
    ny = (ys + 0.5) / h * 2 - 1
    r2 = nx * nx + ny * ny
    f = 1 + k * r2
    sx = ((nx * f + 1) / 2 * w - 0.5).astype(np.float32)
    sy = ((ny * f + 1) / 2 * h - 0.5).astype(np.float32)
    vignette = np.clip(1.0 - 0.35 * r2**1.5, 0.0, 1.0).astype(np.float32)
    vig = np.rint(vignette * 256).astype(np.uint16)[:, :, None]
    return sx, sy, vig


@dataclass(frozen=True)
class CRT:
    """Barrel curvature and a vignette, like a curved tube."""

    curvature: float = 0.08

    def apply(self, frame: np.ndarray, ms: int) -> np.ndarray:
        h, w = frame.shape[:2]
        sx, sy, vig = _barrel_maps(w, h, self.curvature)
        border = (0, 0, 0, int(frame[0, 0, 3]))
        out = cv2.remap(
            frame, sx, sy, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=border
        )
        out[..., :3] = (out[..., :3].astype(np.uint16) * vig >> 8).astype(np.uint8)
        return out


@dataclass(frozen=True)
class FadeIn:
    """The whole view fades in from transparent over ``ms_len`` milliseconds."""

    ms_len: int = 400

    def apply(self, frame: np.ndarray, ms: int) -> np.ndarray:
        if ms >= self.ms_len:
            return frame
        out = frame.copy()
        k = int(256 * max(0, ms) / self.ms_len)
        out[..., 3] = (out[..., 3].astype(np.uint16) * k >> 8).astype(np.uint8)
        return out


EFFECT_NAMES = ("glitch", "scanlines", "crt", "fadein")


def parse_effects(
    spec: str | None, *, seed: int = 0, line: int = 1
) -> tuple[list[Effect], list[Diagnostic]]:
    """``glitch,scanlines,crt`` (optionally ``glitch:0.9``) to effects, in the written order."""
    effects: list[Effect] = []
    diags: list[Diagnostic] = []
    for raw in (spec or "").replace("+", ",").split(","):
        item = raw.strip().lower()
        if not item:
            continue
        name, _, arg = item.partition(":")
        try:
            val = float(arg) if arg else None
        except ValueError:
            diags.append(
                Diagnostic(
                    line=line,
                    severity=Severity.WARNING,
                    message=f"effect {item!r}: {arg!r} is not a number",
                )
            )
            val = None
        if name == "glitch":
            effects.append(Glitch(intensity=val if val is not None else 0.7, seed=seed))
        elif name == "scanlines":
            effects.append(Scanlines(strength=val if val is not None else 0.28))
        elif name == "crt":
            effects.append(CRT(curvature=val if val is not None else 0.08))
        elif name == "fadein":
            effects.append(FadeIn(ms_len=int(val) if val is not None else 400))
        else:
            diags.append(
                Diagnostic(
                    line=line,
                    severity=Severity.WARNING,
                    message=f"unknown effect {name!r}; use {', '.join(EFFECT_NAMES)}",
                )
            )
    return effects, diags
