"""Signal helpers on float32 mono arrays: resample, loudness, silence trimming, fades.

Everything here takes and returns ``np.ndarray`` of float32 in [-1, 1]; positions are
integer sample counts so callers can keep word timings exact across a trim.
"""

from __future__ import annotations

import math
import warnings
from fractions import Fraction

import numpy as np
import pyloudnorm
from scipy.signal import resample_poly

from app.engine.model.time import SAMPLE_RATE

__all__ = [
    "SAMPLE_RATE",
    "fade_edges",
    "frame_energy_db",
    "integrated_loudness",
    "normalize_loudness",
    "resample",
    "rms_dbfs",
    "speech_bounds",
    "to_mono",
    "trim_silence",
]

TARGET_LUFS = -18.0
"""Dialogue loudness for every voice clip; the mix raises the whole to YouTube's level."""
PEAK_CEILING = 10 ** (-1.0 / 20)
"""Samples never exceed -1 dBFS after normalising."""
SILENCE_DB = -45.0
"""Frames quieter than this (relative to the clip's loudest frame) count as silence."""


def to_mono(audio: np.ndarray) -> np.ndarray:
    """Average channels: shape (n,) or (n, channels) -> (n,) float32."""
    data = np.asarray(audio, dtype=np.float32)
    if data.ndim == 2:
        data = data.mean(axis=1, dtype=np.float32)
    return np.ascontiguousarray(data, dtype=np.float32)


def resample(audio: np.ndarray, rate_in: int, rate_out: int = SAMPLE_RATE) -> np.ndarray:
    """Polyphase resampling by the exact ratio ``rate_out / rate_in``."""
    if rate_in == rate_out or audio.size == 0:
        return np.asarray(audio, dtype=np.float32)
    ratio = Fraction(rate_out, rate_in)
    out = resample_poly(np.asarray(audio, dtype=np.float64), ratio.numerator, ratio.denominator)
    return np.asarray(out, dtype=np.float32)


def rms_dbfs(audio: np.ndarray) -> float:
    """Root-mean-square level in dBFS (-inf for digital silence)."""
    if audio.size == 0:
        return -math.inf
    rms = float(np.sqrt(np.mean(np.square(audio, dtype=np.float64))))
    return 20 * math.log10(rms) if rms > 0 else -math.inf


def integrated_loudness(audio: np.ndarray, rate: int = SAMPLE_RATE) -> float:
    """ITU-R BS.1770 loudness in LUFS; RMS for clips shorter than one 400 ms block."""
    if audio.size < int(0.4 * rate) + 1:
        return rms_dbfs(audio)
    meter = pyloudnorm.Meter(rate)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = float(meter.integrated_loudness(np.asarray(audio, dtype=np.float64)))
    return value if math.isfinite(value) else rms_dbfs(audio)


def normalize_loudness(
    audio: np.ndarray, rate: int = SAMPLE_RATE, target_lufs: float = TARGET_LUFS
) -> np.ndarray:
    """Bring a clip to ``target_lufs`` with its peak held under -1 dBFS."""
    level = integrated_loudness(audio, rate)
    if not math.isfinite(level):
        return np.asarray(audio, dtype=np.float32)
    gain = 10 ** ((target_lufs - level) / 20)
    out = np.asarray(audio, dtype=np.float64) * gain
    peak = float(np.max(np.abs(out))) if out.size else 0.0
    if peak > PEAK_CEILING:
        out *= PEAK_CEILING / peak
    return out.astype(np.float32)


def frame_energy_db(audio: np.ndarray, hop: int) -> np.ndarray:
    """Per-hop RMS level in dB (one value per ``hop`` samples, the last one partial)."""
    n = audio.size
    if n == 0:
        return np.zeros(0, dtype=np.float64)
    frames = -(-n // hop)
    padded = np.zeros(frames * hop, dtype=np.float64)
    padded[:n] = audio
    power = np.mean(np.square(padded.reshape(frames, hop)), axis=1)
    return np.asarray(10 * np.log10(np.maximum(power, 1e-12)), dtype=np.float64)


def speech_bounds(
    audio: np.ndarray, rate: int = SAMPLE_RATE, threshold_db: float = SILENCE_DB
) -> tuple[int, int]:
    """First and one-past-last sample of sound louder than ``threshold_db`` below the peak.

    Returns ``(0, 0)`` for a clip with no sound at all.
    """
    hop = max(1, rate // 200)  # 5 ms
    energy = frame_energy_db(audio, hop)
    if energy.size == 0:
        return 0, 0
    loudest = float(energy.max())
    if loudest <= -110:
        return 0, 0
    voiced = np.flatnonzero(energy > loudest + threshold_db)
    start = int(voiced[0]) * hop
    end = min(audio.size, (int(voiced[-1]) + 1) * hop)
    return start, end


def trim_silence(
    audio: np.ndarray,
    rate: int = SAMPLE_RATE,
    *,
    lead_ms: int = 60,
    tail_ms: int = 120,
) -> tuple[np.ndarray, int]:
    """Cut leading and trailing silence down to a natural gap.

    Returns the trimmed clip and the offset (in samples) of its first sample in the
    original, so timings measured on the original can be shifted.
    """
    start, end = speech_bounds(audio, rate)
    if end <= start:
        return np.asarray(audio, dtype=np.float32), 0
    first = max(0, start - lead_ms * rate // 1000)
    last = min(audio.size, end + tail_ms * rate // 1000)
    return np.ascontiguousarray(audio[first:last], dtype=np.float32), first


def fade_edges(audio: np.ndarray, rate: int = SAMPLE_RATE, ms: int = 5) -> np.ndarray:
    """Short linear fades at both ends so a cut never clicks."""
    n = min(audio.size // 2, ms * rate // 1000)
    if n <= 0:
        return audio
    out = np.array(audio, dtype=np.float32, copy=True)
    ramp = np.linspace(0.0, 1.0, n, dtype=np.float32)
    out[:n] *= ramp
    out[-n:] *= ramp[::-1]
    return out
