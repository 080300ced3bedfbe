"""The soundtrack: speech placed to the sample, music ducked under it, mastered for YouTube."""

from __future__ import annotations

import math
import tracemalloc
from pathlib import Path

import av
import numpy as np

from app.engine.audio import write_wav
from app.engine.audio.loudness import LoudnessMeter
from app.engine.audio.stream import SampleArray
from app.engine.model.time import SAMPLE_RATE, frames_to_samples
from app.engine.render.mix import (
    BLOCK,
    duck_gain,
    limit,
    loudness,
    master,
    master_source,
    mix_timeline,
    mixed_soundtrack,
    true_peak_dbtp,
)
from app.engine.render.pipeline import render_timeline
from app.engine.timeline import Clip, MusicSource, ProceduralSource, Timeline, Track
from tests.bench.bench_length import stream_ends
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


# ----------------------------------------------------------------------------- in blocks


def test_the_block_meter_measures_what_pyloudnorm_measures_on_the_whole() -> None:
    rng = np.random.default_rng(5)
    n = 23 * SAMPLE_RATE + 321
    x = (rng.standard_normal(n) * np.where(np.arange(n) % 96000 < 40000, 0.2, 0.001)).astype(
        np.float32
    )
    meter = LoudnessMeter()
    for start in range(0, n, 7777):  # blocks that cut the 100 ms steps anywhere
        meter.add(x[start : start + 7777])
    assert abs(meter.integrated() - loudness(x)) < 1e-9


def test_a_soundtrack_read_in_any_pieces_is_the_same_soundtrack() -> None:
    speechy = np.tile(tone(1.0, 180.0, 0.5), 3 * BLOCK // SAMPLE_RATE + 2)  # 3 block edges
    whole = master(speechy)
    sound = master_source(SampleArray(speechy), SampleArray(np.zeros(speechy.size, np.float32)))
    pieces = np.concatenate([sound.read(a, a + 8191) for a in range(0, speechy.size, 8191)])
    assert np.array_equal(pieces, whole.mono)
    assert abs(whole.loudness_lufs + 14) < 0.5 and whole.true_peak_dbtp <= -1.8 + 1e-6


def _spoken_timeline(tmp_path: Path, minutes: int) -> Timeline:
    """Speech every other five seconds over a looped music bed, ``minutes`` long."""
    voice, music = tmp_path / "line.wav", tmp_path / "bed.wav"
    write_wav(voice, tone(5.0, 220.0))
    write_wav(music, tone(7.0, 440.0, 0.2))
    frames = minutes * 60 * 30
    clips = [speech_clip(voice, start, 5.0, "line") for start in range(0, frames - 150, 300)]
    bed = Clip(start=0, length=frames, source=MusicSource(path=str(music), gain_db=-12.0))
    return Timeline.create(
        30, 64, 36, tracks=[Track(kind="voice", clips=clips), Track(kind="music", clips=[bed])]
    )


def _mixing_peak_bytes(timeline: Timeline) -> int:
    """Python's peak allocation (numpy's arrays included) while mixing and reading it all."""
    tracemalloc.start()
    try:
        with mixed_soundtrack(timeline) as sound:
            for start in range(0, sound.samples, 8192):
                sound.read(start, start + 8192)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_mixing_five_minutes_needs_no_more_memory_than_mixing_one(tmp_path: Path) -> None:
    """Five times as long, the same memory: clips are read one at a time and the mix and
    its master live in scratch files, read a block at a time (a 5-minute mono mix is 58 MB)."""
    short = _mixing_peak_bytes(_spoken_timeline(tmp_path, 1))
    long = _mixing_peak_bytes(_spoken_timeline(tmp_path, 5))
    assert long < short * 1.15 + 2_000_000, f"{long / 1e6:.0f} MB vs {short / 1e6:.0f} MB"


def test_a_render_mixed_across_block_edges_keeps_sound_and_picture_together(
    tmp_path: Path,
) -> None:
    """Speech over the first block edge (10 s) and after the second, in a 25 s render: the
    sound runs on through the edge, the later line starts on its frame, and the audio
    stream ends within a frame of the video."""
    fps = 30
    across = speech_clip(tmp_path / "a.wav", 9 * fps, 2.0, "over the edge", freq=1000.0)
    later = speech_clip(tmp_path / "b.wav", 21 * fps + 7, 1.0, "later", freq=1000.0)
    frames = 25 * fps
    tl = Timeline.create(
        fps,
        320,
        180,
        tracks=[
            Track(
                kind="visual",
                clips=[Clip(start=0, length=frames, source=ProceduralSource(prompt="x"))],
            ),
            Track(kind="voice", clips=[across, later]),
        ],
    )
    assert frames_to_samples(across.start, tl.fps) < BLOCK < frames_to_samples(across.end, tl.fps)
    assert frames_to_samples(later.start, tl.fps) > 2 * BLOCK
    result = render_timeline(tl, tmp_path / "edges.mp4", preset="preview", sidecars=False)
    video_end, audio_end, rate = stream_ends(result.output)
    assert abs(audio_end - video_end) * rate <= 1, (video_end, audio_end)
    with av.open(str(result.output)) as c:
        left = np.concatenate([f.to_ndarray()[0] for f in c.decode(audio=0)])
    a, b = frames_to_samples(across.start, tl.fps), frames_to_samples(across.end, tl.fps)
    steps = left[a + 2400 : b - 2400].reshape(-1, 480)  # 10 ms steps inside the first line
    assert np.sqrt(np.mean(np.square(steps), axis=1)).min() > 0.01  # no gap at the edge
    start = frames_to_samples(later.start, tl.fps)
    onset = b + int(np.argmax(np.abs(left[b:]) > 0.01))
    assert abs(onset - start) <= 48  # within a millisecond of its frame
