"""Turning a provider's raw answer into a clip that sits with every other voice.

Every clip leaves here at 48 kHz, mono, float32, at one loudness, with leading and
trailing silence trimmed to a natural gap and word timings in its own samples.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from app.engine.audio.dsp import (
    SAMPLE_RATE,
    fade_edges,
    normalize_loudness,
    resample,
    to_mono,
    trim_silence,
)
from app.engine.voice.base import ProviderAudio, WordTiming
from app.engine.voice.timing import estimate_word_timings


@dataclass
class FinishedClip:
    """A clip in the engine's format with its word timings."""

    samples: np.ndarray
    words: list[WordTiming]

    @property
    def num_samples(self) -> int:
        return int(self.samples.size)


def finish_clip(raw: ProviderAudio, text: str) -> FinishedClip:
    """Resample, trim, level and time one provider answer."""
    audio = resample(to_mono(raw.samples), raw.sample_rate, SAMPLE_RATE)
    scale = SAMPLE_RATE / raw.sample_rate
    audio, offset = trim_silence(audio, SAMPLE_RATE)
    audio = fade_edges(normalize_loudness(audio, SAMPLE_RATE))
    words = text.split()
    if raw.words:
        timings = [
            WordTiming(
                w.text,
                max(0, min(audio.size, round(w.start_sample * scale) - offset)),
                max(0, min(audio.size, round(w.end_sample * scale) - offset)),
            )
            for w in raw.words
        ]
    else:
        timings = estimate_word_timings(audio, SAMPLE_RATE, words, raw.word_weights)
    return FinishedClip(np.ascontiguousarray(audio, dtype=np.float32), timings)
