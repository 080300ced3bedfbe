"""A real youtube-1080p render of a short script, probed against youtube-delivery.md line by line."""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from app.engine.model.time import frames_to_ms, frames_to_samples
from app.engine.timeline import SpeechSource
from tests.engine.render.conftest import RealRender
from tests.engine.render.probe import Probe, delivery_problems, longest_b_run, probe

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def probed(short_render: RealRender) -> Probe:
    return probe(short_render.output)


def test_every_delivery_line_holds(probed: Probe) -> None:
    assert delivery_problems(probed) == []


def test_container_is_fast_start_mp4_without_edit_lists(
    short_render: RealRender, probed: Probe
) -> None:
    assert probed.atoms[0] == "ftyp"
    assert probed.atoms.index("moov") < probed.atoms.index("mdat")
    data = short_render.output.read_bytes()
    assert b"edts" not in data[: data.find(b"mdat")] and b"elst" not in data[: data.find(b"mdat")]


def test_gop_is_closed_and_half_the_frame_rate(probed: Probe) -> None:
    assert probed.fps == 30
    assert probed.keyframes == list(range(0, probed.frames, 15))
    assert probed.idr_keyframes and probed.leading_pictures == 0
    assert longest_b_run(probed.picture_types) == 2
    assert "bframes=2" in probed.x264_options and "open_gop=0" in probed.x264_options


def test_video_is_high_profile_cabac_progressive_bt709_limited(probed: Probe) -> None:
    assert probed.profile == "High" and probed.cabac and not probed.interlaced
    assert probed.pix_fmt == "yuv420p"
    assert probed.color == (1, 1, 1, 1)
    assert probed.luma_range[0] >= 14 and probed.luma_range[1] <= 237
    assert "vbv_maxrate=8000" in probed.x264_options


def test_audio_is_aac_lc_stereo_48k_at_youtube_loudness(probed: Probe) -> None:
    assert (probed.audio_codec, probed.audio_profile, probed.channels, probed.sample_rate) == (
        "aac",
        "LC",
        2,
        48000,
    )
    assert probed.audio_max_bitrate == 384000
    assert -15.0 <= probed.loudness_lufs <= -13.0
    assert probed.true_peak_dbtp <= -1.0


def test_metadata_title_description_tags(probed: Probe) -> None:
    assert probed.metadata["title"] == "Render Check"
    assert "end to end" in probed.metadata["comment"]
    assert probed.metadata["keywords"] == "castline,render,test"
    assert (probed.width, probed.height) == (1920, 1080)


def test_thumbnail_is_1280x720_jpeg_under_2mb(short_render: RealRender) -> None:
    thumb = short_render.output.with_suffix(".jpg")
    assert thumb.stat().st_size < 2_000_000
    with Image.open(thumb) as im:
        assert im.format == "JPEG" and im.size == (1280, 720)


def _rms_db(x: np.ndarray) -> float:
    rms = float(np.sqrt(np.mean(np.square(x)))) if x.size else 0.0
    return 20 * math.log10(rms) if rms > 0 else -200.0


def test_speech_is_audible_where_placed_and_silent_between(
    short_render: RealRender, probed: Probe
) -> None:
    tl = short_render.result.timeline
    clips = [c for t in tl.tracks if t.kind == "voice" for c in t.clips]
    assert len(clips) == 2 and all(isinstance(c.source, SpeechSource) for c in clips)
    mono = probed.audio.mean(axis=0)
    for c in clips:
        a, b = frames_to_samples(c.start, tl.fps), frames_to_samples(c.end, tl.fps)
        assert _rms_db(mono[a:b]) > -30, f"speech at frames {c.start}-{c.end} is not audible"
    gap_start = frames_to_samples(clips[0].end, tl.fps) + 4800
    gap_end = frames_to_samples(clips[1].start, tl.fps) - 4800
    assert gap_end - gap_start > 48000  # the 2 s pause and the terminal sit between the lines
    terminal = next(c for t in tl.tracks if t.kind == "terminal" for c in t.clips)
    typing_from = frames_to_samples(terminal.start, tl.fps)
    assert gap_start < typing_from < gap_end
    assert _rms_db(mono[gap_start:typing_from]) < -60  # the pause is silent
    speech = min(
        _rms_db(mono[frames_to_samples(c.start, tl.fps) : frames_to_samples(c.end, tl.fps)])
        for c in clips
    )
    assert (
        -60 < _rms_db(mono[typing_from:gap_end]) < speech - 15
    )  # key clicks, well under the speech
    assert _rms_db(mono[: frames_to_samples(clips[0].start, tl.fps) - 4800]) < -60


def _cue_starts(text: str) -> list[int]:
    out = []
    for h, m, s, ms in re.findall(r"^(\d\d):(\d\d):(\d\d)[,.](\d\d\d) -->", text, flags=re.M):
        out.append(((int(h) * 60 + int(m)) * 60 + int(s)) * 1000 + int(ms))
    return out


def test_captions_start_within_one_frame_of_their_speech(short_render: RealRender) -> None:
    tl = short_render.result.timeline
    starts = [
        frames_to_ms(c.start, tl.fps) for t in tl.tracks if t.kind == "voice" for c in t.clips
    ]
    frame_ms = 1000 / float(tl.fps)
    srt = short_render.output.with_suffix(".srt").read_text("utf-8")
    vtt = short_render.output.with_suffix(".vtt").read_text("utf-8")
    assert vtt.startswith("WEBVTT\n")
    assert "Every frame lands where the timeline says it should." in " ".join(
        srt.split()
    )  # on two lines
    assert all(len(line) <= 42 for line in srt.splitlines())
    for text in (srt, vtt):
        cues = _cue_starts(text)
        assert len(cues) == len(starts)
        for cue, speech in zip(cues, starts, strict=True):
            assert abs(cue - speech) <= frame_ms


def test_chapters_file_says_why_youtube_would_reject_two_scenes(short_render: RealRender) -> None:
    text = Path(f"{short_render.output.with_suffix('')}.chapters.txt").read_text("utf-8")
    assert text.startswith("No chapters:") and "at least 3" in text


def test_demo_output_meets_delivery_when_make_demo_ran() -> None:
    """``make demo`` writes out/demo.mp4; when it is there, it must meet every line too."""
    demo = ROOT / "out" / "demo.mp4"
    if not demo.is_file():
        pytest.skip("run `make demo` first to probe its output")
    assert delivery_problems(probe(demo)) == []
