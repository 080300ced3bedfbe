"""The same timeline renders to the same frames every time, whatever the thread count
and however many segments are drawn at once."""

from __future__ import annotations

import threading
from dataclasses import replace
from pathlib import Path

import av
import numpy as np
import pytest

from app.engine.jobs.progress import Cancelled, Progress
from app.engine.render import get_preset, render_timeline
from app.engine.render.pipeline import lanes_for
from app.engine.render.segments import SEGMENT_SECONDS_ENV, plan_segments
from app.engine.timeline import Timeline, Transition
from tests.engine.render.conftest import small_timeline

pytestmark = pytest.mark.slow


def _busy_timeline(tmp: Path) -> Timeline:
    """Typing over a Ken Burns move that enters with a glitch tear, after a title card."""
    tl = small_timeline(tmp, seconds=4)
    visual = tl.tracks[0]
    title, moving = visual.clips
    glitched = moving.model_copy(update={"transition_in": Transition(kind="glitch", length=12)})
    clips = {"clips": [title, glitched]}
    return tl.model_copy(update={"tracks": [visual.model_copy(update=clips), *tl.tracks[1:]]})


def _frames(path: Path) -> list[np.ndarray]:
    with av.open(str(path)) as c:
        return [f.to_ndarray() for f in c.decode(video=0)]


def test_renders_are_identical_whatever_the_thread_count(tmp_path: Path) -> None:
    tl = _busy_timeline(tmp_path)
    # The delivery settings (B-frames, GOP, the VBV cap) at a test-sized frame, the cap
    # scaled down so that it binds, as it does in a busy full-size scene.
    preset = replace(get_preset("youtube-1080p"), width=640, height=360, mbps_30=0.3)

    def render(name: str, jobs: int) -> list[np.ndarray]:
        out = render_timeline(tl, tmp_path / name, preset=preset, sidecars=False, jobs=jobs)
        return _frames(out.output)

    first = render("a.mp4", 2)
    assert len(first) == tl.duration
    for name, jobs in (("b.mp4", 2), ("c.mp4", 1)):
        again = render(name, jobs)
        assert len(again) == len(first)
        differing = [
            n for n, (a, b) in enumerate(zip(first, again, strict=True)) if not np.array_equal(a, b)
        ]
        assert differing == [], f"jobs={jobs}: frames {differing} differ"


def _video_packets(path: Path) -> list[bytes]:
    with av.open(str(path)) as c:
        return [bytes(p) for p in c.demux(video=0) if p.size]


def test_segments_drawn_in_lanes_make_the_same_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A render draws a segment a core at once (``jobs``); four one-second segments drawn
    one, two or four at a time join into the same video stream, byte for byte, and every
    frame is there once, in order."""
    monkeypatch.setenv(SEGMENT_SECONDS_ENV, "1")
    tl = _busy_timeline(tmp_path)
    preset = replace(get_preset("youtube-1080p"), width=640, height=360, mbps_30=0.3)
    assert len(plan_segments(tl.duration, preset, tl.fps)) == 4
    streams = {}
    for jobs in (1, 2, 4):
        assert lanes_for(preset, jobs) == jobs
        out = render_timeline(
            tl, tmp_path / f"j{jobs}.mp4", preset=preset, sidecars=False, jobs=jobs
        )
        streams[jobs] = _video_packets(out.output)
        assert len(_frames(out.output)) == tl.duration
    assert streams[2] == streams[1]
    assert streams[4] == streams[1]


def test_a_cancel_stops_every_lane_and_leaves_no_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(SEGMENT_SECONDS_ENV, "1")
    tl = _busy_timeline(tmp_path)
    preset = replace(get_preset("youtube-1080p"), width=640, height=360)
    progress = Progress()
    progress.subscribe(lambda s: progress.cancel() if s.done >= 40 and not s.cancelled else None)
    out = tmp_path / "out" / "cancelled.mp4"
    out.parent.mkdir()
    with pytest.raises(Cancelled):
        render_timeline(tl, out, preset=preset, sidecars=False, jobs=2, progress=progress)
    assert sorted(p.name for p in out.parent.iterdir()) == []
    assert not any(t.name.startswith("castline-lane") for t in threading.enumerate())


def test_a_4k_render_draws_one_segment_at_a_time() -> None:
    """Lanes are bounded by pixels, so a 4K render keeps one compositor and its memory."""
    assert lanes_for(get_preset("youtube-4k"), 16) == 1
    assert lanes_for(get_preset("youtube-1080p"), 2) == 2
    assert lanes_for(get_preset("youtube-1080p"), 1) == 1
