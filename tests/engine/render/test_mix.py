"""The soundtrack: speech placed to the sample, music ducked under it, mastered for YouTube."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from app.engine.audio import write_wav
from app.engine.model.time import SAMPLE_RATE, frames_to_samples
from app.engine.render.mix import duck_gain, limit, loudness, master, mix_timeline, true_peak_dbtp
from app.engine.timeline import Clip, MusicSource, Timeline, Track
from tests.engine.render.conftest import speech_clip, tone


def _db(x: np.ndarray) -> float:
    rms = float(np.sqrt(np.mean(np.square(x, dtype=np.float64))))
    return 20 * math.log10(rms) if rms > 0 else -200.0


def test_master_reaches_minus_14_lufs_under_the_true_peak_ceiling() -> None:
    rng = np.random.default_rng(3)
    speechy = (tone(6.0, 180.0, 0.05) * (rng.random(6 * SAMPLE_RATE) > 0.3)).astype(np.float32)
    speechy[SAMPLE_RATE : SAMPLE_RATE + 200] = 0.9  # a click far above the rest
    out = master(speechy)
    assert abs(out.loudness_lufs + 14) < 0.5
    assert out.true_peak_dbtp <= -1.8 + 1e-6
    assert abs(loudness(out.audio) + 14) < 0.5 and true_peak_dbtp(out.audio) <= -1.8 + 1e-6
    assert out.audio.shape == (2, speechy.size)


def test_silence_stays_silent() -> None:
    out = master(np.zeros(SAMPLE_RATE * 2, np.float32))
    assert not np.any(out.audio)


def test_limiter_never_lets_a_peak_through() -> None:
    x = tone(1.0, 1000.0, 0.3)  # peaks at 0.45 (-7 dBFS): under the ceiling
    x[20000:20010] = 1.0
    y = limit(x, -3.0)
    assert true_peak_dbtp(y) <= -3.0 + 0.05
    assert abs(_db(y[:10000]) - _db(x[:10000])) < 0.1  # far from the peak nothing changes


def test_duck_gain_drops_under_speech_and_recovers() -> None:
    voice = np.zeros(SAMPLE_RATE * 3, np.float32)
    voice[SAMPLE_RATE : 2 * SAMPLE_RATE] = tone(1.0)
    gain = duck_gain(voice)
    assert gain[SAMPLE_RATE + SAMPLE_RATE // 2] < 0.3
    assert gain[SAMPLE_RATE // 4] > 0.99 and gain[-1000] > 0.99


def test_speech_lands_on_its_frame_and_music_ducks(tmp_path: Path) -> None:
    music = tmp_path / "music.wav"
    write_wav(music, tone(2.0, 440.0, 0.2))
    voice = Track(kind="voice", clips=[speech_clip(tmp_path / "v.wav", 60, 1.0, "hello")])
    tl = Timeline.create(
        30,
        64,
        36,
        tracks=[
            voice,
            Track(
                kind="music",
                clips=[
                    Clip(start=0, length=150, source=MusicSource(path=str(music), gain_db=-12.0))
                ],
            ),
        ],
    )
    mix = mix_timeline(tl).audio[0]
    start = frames_to_samples(60, tl.fps)
    # The music alone before speech, much louder music+speech during, and the music
    # quieter under speech than before it (measured on the music's own frequency).
    spec_before = np.abs(np.fft.rfft(mix[start - 24000 : start - 4800]))
    spec_during = np.abs(np.fft.rfft(mix[start + 9600 : start + 28800]))
    k = round(440 * 19200 / SAMPLE_RATE)
    assert spec_during[k - 2 : k + 3].max() < 0.4 * spec_before[k - 2 : k + 3].max()
    assert mix.size == frames_to_samples(150, tl.fps)
