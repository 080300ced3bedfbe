"""Reading, writing and decoding audio into the engine's one format.

WAV files are written as 32-bit float (IEEE) mono at 48 kHz, under a temporary name and
renamed when complete, so a crash never leaves a half-written clip under its final name.
Compressed audio (MP3 from ElevenLabs, anything a user drops in) is decoded with PyAV.
"""

from __future__ import annotations

import io
from pathlib import Path

import av
import numpy as np
from scipy.io import wavfile

from app.engine.audio.dsp import SAMPLE_RATE, resample, to_mono
from app.engine.files import write_bytes

__all__ = [
    "AudioDecodeError",
    "decode_audio",
    "pcm16_to_float",
    "read_wav",
    "to_standard",
    "wav_bytes",
    "write_wav",
]


class AudioDecodeError(Exception):
    """Bytes or a file that do not hold audio we can read."""


def _as_float(data: np.ndarray) -> np.ndarray:
    """Integer PCM to float32 in [-1, 1]; float stays float."""
    if data.dtype == np.uint8:
        return ((data.astype(np.float32) - 128.0) / 128.0).astype(np.float32)
    if np.issubdtype(data.dtype, np.integer):
        scale = float(np.iinfo(data.dtype).max) + 1.0
        return (data.astype(np.float32) / scale).astype(np.float32)
    return data.astype(np.float32)


def read_wav(source: str | Path | bytes) -> tuple[np.ndarray, int]:
    """A WAV file or bytes as (mono float32 samples, sample rate)."""
    handle: str | io.BytesIO = io.BytesIO(source) if isinstance(source, bytes) else str(source)
    try:
        rate, data = wavfile.read(handle)
    except (ValueError, OSError, EOFError) as exc:
        name = "audio bytes" if isinstance(source, bytes) else str(source)
        raise AudioDecodeError(f"{name} is not a readable WAV file ({exc})") from exc
    return to_mono(_as_float(data)), int(rate)


def wav_bytes(audio: np.ndarray, rate: int = SAMPLE_RATE) -> bytes:
    """A float32 WAV file in memory (what the asset store keeps)."""
    buffer = io.BytesIO()
    wavfile.write(buffer, rate, np.asarray(audio, dtype=np.float32))
    return buffer.getvalue()


def write_wav(path: str | Path, audio: np.ndarray, rate: int = SAMPLE_RATE) -> Path:
    """Write a float32 WAV atomically (never half a file under the final name)."""
    return write_bytes(Path(path), wav_bytes(audio, rate))


def pcm16_to_float(data: bytes) -> np.ndarray:
    """Raw signed 16-bit little-endian PCM (ElevenLabs ``pcm_*``) to float32."""
    usable = len(data) - (len(data) % 2)
    return _as_float(np.frombuffer(data[:usable], dtype="<i2"))


def decode_audio(source: str | Path | bytes) -> tuple[np.ndarray, int]:
    """Decode any container/codec PyAV reads (MP3, OGG, WAV, M4A) to mono float32."""
    if isinstance(source, bytes) and source[:4] == b"RIFF":
        try:
            return read_wav(source)
        except AudioDecodeError:
            pass  # an unusual WAV flavour: let FFmpeg try
    handle: str | io.BytesIO = io.BytesIO(source) if isinstance(source, bytes) else str(source)
    name = "audio bytes" if isinstance(source, bytes) else str(source)
    pieces: list[np.ndarray] = []
    rate = 0
    try:
        with av.open(handle, mode="r") as container:
            if not container.streams.audio:
                raise AudioDecodeError(f"{name} has no audio stream")
            stream = container.streams.audio[0]
            resampler = av.AudioResampler(format="fltp", layout="mono")
            for frame in container.decode(stream):
                rate = frame.sample_rate
                for out in resampler.resample(frame):
                    pieces.append(out.to_ndarray().reshape(-1))
            for out in resampler.resample(None):
                pieces.append(out.to_ndarray().reshape(-1))
    except AudioDecodeError:
        raise
    except (av.error.FFmpegError, OSError, ValueError) as exc:
        raise AudioDecodeError(f"{name} could not be decoded as audio ({exc})") from exc
    if not pieces or rate <= 0:
        raise AudioDecodeError(f"{name} holds no audio samples")
    return np.concatenate(pieces).astype(np.float32), rate


def to_standard(audio: np.ndarray, rate: int) -> np.ndarray:
    """Any mono/stereo clip at any rate -> 48 kHz mono float32."""
    return resample(to_mono(audio), rate, SAMPLE_RATE)
