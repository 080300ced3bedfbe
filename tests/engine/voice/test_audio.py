"""The shared audio helpers: format, resampling, loudness, trimming, decoding."""

from __future__ import annotations

import io
from pathlib import Path

import av
import numpy as np
import pytest

from app.engine.audio import (
    SAMPLE_RATE,
    AudioDecodeError,
    decode_audio,
    integrated_loudness,
    normalize_loudness,
    read_wav,
    resample,
    trim_silence,
    write_wav,
)


def tone(freq: float, seconds: float, rate: int = SAMPLE_RATE, amp: float = 0.3) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (amp * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def dominant_freq(audio: np.ndarray, rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(audio * np.hanning(audio.size)))
    return float(np.fft.rfftfreq(audio.size, 1 / rate)[int(np.argmax(spectrum))])


def test_wav_round_trip_is_float32_48k_and_atomic(tmp_path: Path) -> None:
    clip = tone(440, 0.5)
    out = write_wav(tmp_path / "a.wav", clip)
    data, rate = read_wav(out)
    assert rate == 48_000 and data.dtype == np.float32
    assert np.array_equal(data, clip)
    assert [p.name for p in tmp_path.iterdir()] == ["a.wav"]  # no temporary left behind


def test_resample_keeps_pitch_and_duration() -> None:
    clip = tone(300, 1.0, rate=22_050)
    out = resample(clip, 22_050)
    assert out.size == 48_000
    assert abs(dominant_freq(out, 48_000) - 300) < 2


def test_loudness_normalised_to_target_and_peak_safe() -> None:
    quiet = tone(200, 2.0, amp=0.01)
    loud = tone(200, 2.0, amp=0.9)
    a, b = normalize_loudness(quiet), normalize_loudness(loud)
    assert abs(integrated_loudness(a) - integrated_loudness(b)) < 0.5
    assert abs(integrated_loudness(a) + 18) < 1.0
    assert np.max(np.abs(a)) <= 10 ** (-1 / 20) + 1e-6


def test_trim_keeps_a_natural_gap() -> None:
    clip = np.concatenate([np.zeros(48_000), tone(200, 0.5), np.zeros(96_000)]).astype(np.float32)
    trimmed, offset = trim_silence(clip, lead_ms=60, tail_ms=120)
    assert abs(offset - (48_000 - 2_880)) <= 240
    assert abs(trimmed.size - (24_000 + 2_880 + 5_760)) <= 480


def test_decode_mp3_made_by_ffmpeg() -> None:
    clip = tone(440, 1.0, rate=44_100)
    buffer = io.BytesIO()
    with av.open(buffer, "w", format="mp3") as out:
        stream = out.add_stream("libmp3lame", rate=44_100, layout="mono")
        frame = av.AudioFrame.from_ndarray(clip.reshape(1, -1), format="flt", layout="mono")
        frame.sample_rate = 44_100
        for packet in stream.encode(frame):
            out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    audio, rate = decode_audio(buffer.getvalue())
    assert rate == 44_100
    assert abs(audio.size - 44_100) < 3_000
    assert abs(dominant_freq(audio, rate) - 440) < 3


def test_garbage_is_a_clear_decode_error() -> None:
    with pytest.raises(AudioDecodeError, match=r"could not be decoded|no audio"):
        decode_audio(b"this is not audio at all" * 10)
