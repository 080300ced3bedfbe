"""Cutting a render into segments and joining them by stream copy."""

from __future__ import annotations

import itertools
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from app.engine.render.encoder import EncodeError, Encoder
from app.engine.render.presets import get_preset
from app.engine.render.segments import SEGMENT_SECONDS_ENV, plan_segments, segment_frames


@pytest.mark.parametrize(("fps", "gop"), [(Fraction(30), 15), (Fraction(30000, 1001), 15), (Fraction(60), 30), (Fraction(25), 12)])  # fmt: skip
def test_segments_cover_the_timeline_at_gop_boundaries(fps: Fraction, gop: int) -> None:
    preset = get_preset("youtube-1080p")
    assert preset.gop is not None and preset.gop.frames(fps) == gop
    total = 12_345
    segments = plan_segments(total, preset, fps)
    assert segments[0].start == 0 and segments[-1].end == total
    assert all(a.end == b.start for a, b in itertools.pairwise(segments))
    assert all(s.start % gop == 0 for s in segments)  # each begins a closed GOP
    assert all(s.frames == segment_frames(preset, fps) for s in segments[:-1])
    assert abs(segment_frames(preset, fps) / fps - 10) < Fraction(gop, fps)  # about ten seconds


def test_segment_length_can_be_tuned_but_stays_whole_gops(monkeypatch: pytest.MonkeyPatch) -> None:
    preset = get_preset("youtube-1080p")
    monkeypatch.setenv(SEGMENT_SECONDS_ENV, "2")
    assert segment_frames(preset, Fraction(30)) == 60
    monkeypatch.setenv(SEGMENT_SECONDS_ENV, "0.1")  # shorter than a GOP: one GOP
    assert segment_frames(preset, Fraction(30)) == 15
    monkeypatch.setenv(SEGMENT_SECONDS_ENV, "soon")  # nonsense: the default
    assert segment_frames(preset, Fraction(30)) == 300


def _part(path: Path, preset_name: str, shade: int, frames: int = 15) -> Path:
    preset = get_preset(preset_name)
    with Encoder(path, preset, fps=Fraction(30), width=320, height=180, threads=1) as enc:
        for n in range(frames):
            enc.add_frame(np.full((180, 320, 3), (shade + 8 * n) % 256, np.uint8))
    return path


def test_parts_join_into_one_stream_that_starts_at_zero(tmp_path: Path) -> None:
    parts = [_part(tmp_path / f"p{i}.mp4", "preview", 40 * i) for i in range(3)]
    out = tmp_path / "joined.mp4"
    preset = get_preset("preview")
    with Encoder(out, preset, fps=Fraction(30), width=320, height=180, video_from=parts[0]) as enc:
        enc.set_audio(np.zeros(48000 * 2, np.float32))
        assert [enc.append_encoded(p, 15 * i) for i, p in enumerate(parts)] == [15, 15, 15]
    with av.open(str(out)) as c:
        pts = [f.pts for f in c.decode(video=0)]
        v = c.streams.video[0]
    assert len(pts) == 45 and pts == sorted(pts) and pts[0] == 0
    assert v.time_base is not None and pts[-1] * v.time_base == Fraction(44, 30)


def test_a_segment_encoded_otherwise_is_refused(tmp_path: Path) -> None:
    first = _part(tmp_path / "a.mp4", "preview", 0)
    other = _part(tmp_path / "b.mp4", "youtube-1080p", 0)  # High profile, not preview's
    preset = get_preset("preview")
    enc = Encoder(
        tmp_path / "j.mp4", preset, fps=Fraction(30), width=320, height=180, video_from=first
    )
    try:
        enc.append_encoded(first, 0)
        with pytest.raises(EncodeError, match="other codec settings"):
            enc.append_encoded(other, 15)
    finally:
        enc.abort()


def test_a_short_last_segment_joins_in_decoding_order(tmp_path: Path) -> None:
    """MP4 gives a segment of a few frames decoding times from 0 rather than -1; joined as
    stored they went backwards and the muxer refused the render (seen on a 5-minute script
    whose last segment was 3 frames long)."""
    sizes = [15, 15, 3, 1]
    parts = [_part(tmp_path / f"p{i}.mp4", "youtube-1080p", 50 * i, n) for i, n in enumerate(sizes)]
    out = tmp_path / "joined.mp4"
    preset = get_preset("youtube-1080p")
    with Encoder(out, preset, fps=Fraction(30), width=320, height=180, video_from=parts[0]) as enc:
        enc.set_audio(np.zeros(48000 * 2, np.float32))
        start = 0
        for part, n in zip(parts, sizes, strict=True):
            assert enc.append_encoded(part, start) == n
            start += n
    with av.open(str(out)) as c:
        shades = [int(f.to_ndarray(format="gray")[90, 160]) for f in c.decode(video=0)]
    assert len(shades) == 34
    firsts = [shades[0], shades[15], shades[30], shades[33]]
    assert [abs(a - b) <= 3 for a, b in zip(firsts, (0, 50, 100, 150), strict=True)] == [True] * 4
