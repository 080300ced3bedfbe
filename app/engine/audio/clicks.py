"""Key clicks under typed terminal and code views, synthesized here (no sample files).

A keystroke is a few milliseconds of band-passed noise (the switch) with a fast
exponential decay over a short low "thock" (the keycap and case), and a quieter key-up
tick a little later. Spacebar and Enter are deeper and ring longer. A small bank of
variants is built once, deterministically; each keystroke picks a variant (never the
same one twice in a row), a pitch step and a slight gain change from a seed, so typing
sounds like a person and not a machine gun, and the same seed always sounds the same.

The bank is calibrated so that steady typing measures :data:`REFERENCE_LUFS` (the level
every voice clip is normalised to): the mix then sets typing relative to speech with one
fixed gain.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import numpy as np
from scipy.signal import butter, sosfilt

from app.engine.audio.dsp import TARGET_LUFS, integrated_loudness
from app.engine.model.time import SAMPLE_RATE

Kind = Literal["key", "space", "enter"]
KINDS: tuple[Kind, ...] = ("key", "space", "enter")
VARIANTS = 4
"""Sounds per kind: real keys differ a little from one another."""
PITCHES: tuple[float, ...] = (0.94, 0.97, 1.0, 1.03, 1.06)
"""Frequency scale steps a keystroke may take (about +-1 semitone)."""
GAIN_SPREAD_DB = 1.5
"""Standard deviation of a keystroke's gain change (clipped at twice this)."""
REFERENCE_LUFS = TARGET_LUFS
"""Steady typing from :func:`render_clicks` measures this: as loud as a voice clip."""
_BANK_SEED = 0x6B657973  # the bank is fixed: only the choice per keystroke varies


@dataclass(frozen=True)
class _Key:
    """How one kind of key sounds."""

    band_hz: tuple[float, float]
    """The switch noise's pass band."""
    noise_ms: float
    """Decay time constant of the switch noise."""
    thock_hz: float
    thock_ms: float
    thock_level: float
    release_ms: float
    """When the quieter key-up tick follows the press."""
    release_level: float
    level: float
    """Peak level relative to a letter key."""
    length_ms: int
    """Long enough for every part to decay below -60 dB."""


_KEYS: dict[Kind, _Key] = {
    "key": _Key((2200.0, 7500.0), 1.2, 260.0, 7.0, 0.55, 62.0, 0.30, 1.0, 100),
    "space": _Key((1200.0, 5000.0), 2.0, 150.0, 14.0, 0.85, 85.0, 0.35, 1.15, 150),
    "enter": _Key((900.0, 4200.0), 2.6, 110.0, 20.0, 0.95, 105.0, 0.40, 1.3, 200),
}


def _burst(rng: np.random.Generator, n: int, band: tuple[float, float], tau_s: float) -> np.ndarray:
    """Band-passed white noise with a 0.3 ms attack and an exponential decay."""
    t = np.arange(n) / SAMPLE_RATE
    nyquist = SAMPLE_RATE / 2
    lo, hi = max(20.0, band[0]), min(nyquist * 0.95, band[1])
    sos = butter(2, [lo, hi], btype="bandpass", fs=SAMPLE_RATE, output="sos")
    noise = sosfilt(sos, rng.standard_normal(n))
    envelope = np.exp(-t / tau_s) * np.minimum(1.0, t / 0.0003)
    out: np.ndarray = noise * envelope
    return out / max(1e-12, float(np.max(np.abs(out))))


def _synth(key: _Key, variant: np.random.Generator, pitch: float) -> np.ndarray:
    """One press: switch noise + thock + key-up tick, peak-normalised to ``key.level``."""
    # The variant's own deviations, drawn first so every pitch step shares them.
    band_scale = variant.uniform(0.85, 1.15)
    noise_scale = variant.uniform(0.8, 1.2)
    thock_scale = variant.uniform(0.9, 1.1)
    release_scale = variant.uniform(0.85, 1.15)
    release_level = key.release_level * variant.uniform(0.7, 1.2)
    phase = variant.uniform(0, 2 * math.pi)
    noise_seed = int(variant.integers(0, 2**31))
    noise = np.random.default_rng(noise_seed)

    n = key.length_ms * SAMPLE_RATE // 1000
    t = np.arange(n) / SAMPLE_RATE
    band = (key.band_hz[0] * band_scale * pitch, key.band_hz[1] * band_scale * pitch)
    press = _burst(noise, n, band, key.noise_ms * noise_scale / pitch / 1000)
    thock_tau = key.thock_ms / pitch / 1000
    thock = (
        np.sin(2 * math.pi * key.thock_hz * thock_scale * pitch * t + phase)
        * np.exp(-t / thock_tau)
        * np.minimum(1.0, t / 0.0008)
        * key.thock_level
    )
    out = press + thock
    at = round(key.release_ms * release_scale / pitch * SAMPLE_RATE / 1000)
    if at < n:
        tick = _burst(
            noise, n - at, (band[0] * 1.2, band[1] * 1.2), key.noise_ms * 0.6 / pitch / 1000
        )
        out[at:] += tick * release_level
    fade = SAMPLE_RATE // 500  # 2 ms: the end is already far below -60 dB; this makes it exactly 0
    out[-fade:] *= np.linspace(1.0, 0.0, fade)
    return (out / max(1e-12, float(np.max(np.abs(out)))) * key.level).astype(np.float32)


@lru_cache(maxsize=1)
def _bank() -> dict[Kind, list[list[np.ndarray]]]:
    """``bank[kind][variant][pitch]``, calibrated to :data:`REFERENCE_LUFS` (built once)."""
    bank: dict[Kind, list[list[np.ndarray]]] = {}
    for k, kind in enumerate(KINDS):
        bank[kind] = []
        for v in range(VARIANTS):
            bank[kind].append(
                [_synth(_KEYS[kind], np.random.default_rng((_BANK_SEED, k, v)), p) for p in PITCHES]
            )
    # Calibrate on a steady passage: a letter every 60 ms with a space every sixth key.
    step = 60 * SAMPLE_RATE // 1000
    passage = np.zeros(3 * SAMPLE_RATE, np.float32)
    for i, at in enumerate(range(0, passage.size - SAMPLE_RATE // 5, step)):
        sound = bank["space" if i % 6 == 5 else "key"][i % VARIANTS][len(PITCHES) // 2]
        passage[at : at + sound.size] += sound
    scale = np.float32(10 ** ((REFERENCE_LUFS - integrated_loudness(passage)) / 20))
    for kind in KINDS:
        bank[kind] = [[s * scale for s in row] for row in bank[kind]]
    return bank


def click_length(kind: Kind) -> int:
    """Samples one keystroke of ``kind`` lasts (its sound is silent afterwards)."""
    return _KEYS[kind].length_ms * SAMPLE_RATE // 1000


def render_clicks(
    times: list[tuple[int, str]], total: int, seed: int, levels: np.ndarray | None = None
) -> np.ndarray:
    """Key clicks at ``(sample, kind)`` positions in a mono float32 array of ``total`` samples.

    ``kind`` is ``key``, ``space`` or ``enter`` (anything else sounds as ``key``). The
    choice of variant, pitch and gain per keystroke comes from ``seed`` alone; ``levels``
    (one linear gain per keystroke) scales them further, e.g. to duck them. A click that
    starts before 0 or runs past ``total`` is cut at the edge.
    """
    out = np.zeros(max(0, total), np.float32)
    n = len(times)
    if n == 0 or total <= 0:
        return out
    bank = _bank()
    rng = np.random.default_rng(seed)
    # Never the same variant twice in a row: step 1..VARIANTS-1 from the last one.
    variants = np.cumsum(1 + rng.integers(0, VARIANTS - 1, n)) % VARIANTS
    pitches = rng.integers(0, len(PITCHES), n)
    gains = 10 ** (
        np.clip(rng.normal(0.0, GAIN_SPREAD_DB, n), -2 * GAIN_SPREAD_DB, 2 * GAIN_SPREAD_DB) / 20
    )
    if levels is not None:
        gains = gains * np.asarray(levels, np.float64)
    for (at, kind), v, p, g in zip(
        times, variants.tolist(), pitches.tolist(), gains.astype(np.float32), strict=True
    ):
        sound = bank[kind if kind in bank else "key"][v][p]  # type: ignore[index]
        lo, hi = max(0, at), min(total, at + sound.size)
        if hi > lo:
            out[lo:hi] += sound[lo - at : hi - at] * g
    return out


__all__ = [
    "KINDS",
    "PITCHES",
    "REFERENCE_LUFS",
    "VARIANTS",
    "Kind",
    "click_length",
    "render_clicks",
]
