"""The same timeline renders to the same frames every time, whatever the thread count."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import av
import numpy as np
import pytest

from app.engine.render import get_preset, render_timeline
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
