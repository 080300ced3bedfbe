"""Shared audio helpers: one clip format (48 kHz, mono, float32) for every source.

Voices, music and the renderer's mix all meet here, so a clip from any provider can sit
beside any other: read/write WAV, decode compressed audio, resample, loudness, trim.
"""

from app.engine.audio.dsp import (
    SAMPLE_RATE,
    fade_edges,
    integrated_loudness,
    normalize_loudness,
    resample,
    rms_dbfs,
    speech_bounds,
    to_mono,
    trim_silence,
)
from app.engine.audio.io import (
    AudioDecodeError,
    decode_audio,
    read_wav,
    to_standard,
    wav_bytes,
    write_wav,
)

__all__ = [
    "SAMPLE_RATE",
    "AudioDecodeError",
    "decode_audio",
    "fade_edges",
    "integrated_loudness",
    "normalize_loudness",
    "read_wav",
    "resample",
    "rms_dbfs",
    "speech_bounds",
    "to_mono",
    "to_standard",
    "trim_silence",
    "wav_bytes",
    "write_wav",
]
