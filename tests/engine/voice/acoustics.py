"""Measurements the voice tests compare: fundamental frequency and spectral centroid."""

from __future__ import annotations

import numpy as np


def median_f0(audio: np.ndarray, rate: int, lo: float = 60.0, hi: float = 400.0) -> float:
    """Median pitch over voiced 40 ms frames, by autocorrelation."""
    size, hop = int(0.04 * rate), int(0.01 * rate)
    lag_lo, lag_hi = int(rate / hi), int(rate / lo)
    peak = float(np.max(np.abs(audio))) or 1.0
    pitches = []
    for start in range(0, audio.size - size, hop):
        frame = audio[start : start + size].astype(np.float64)
        if np.sqrt(np.mean(frame**2)) < 0.05 * peak:
            continue
        frame -= frame.mean()
        corr = np.correlate(frame, frame, mode="full")[size - 1 :]
        if corr[0] <= 0:
            continue
        lag = lag_lo + int(np.argmax(corr[lag_lo:lag_hi]))
        if corr[lag] / corr[0] > 0.5:
            pitches.append(rate / lag)
    return float(np.median(pitches)) if pitches else 0.0


def spectral_centroid(audio: np.ndarray, rate: int) -> float:
    """Power-weighted mean frequency of the whole clip."""
    spectrum = np.abs(np.fft.rfft(audio.astype(np.float64))) ** 2
    freqs = np.fft.rfftfreq(audio.size, 1 / rate)
    return float(np.sum(freqs * spectrum) / np.sum(spectrum))
