"""Publishing a render is one step: the video and its sidecars appear together or not at
all, one render at a time writes an output, and what a killed render left is cleared.

The renders that are interrupted run in their own process (``publish_child``), held at
a named progress step until the test has looked at the folder and sent its signal.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import av
import pytest

from app.engine.files import lock_path
from app.engine.render import RenderError, render_timeline, sidecar_paths
from tests.engine.render.conftest import small_timeline

ROOT = Path(__file__).resolve().parents[3]
FINAL = ["v.chapters.txt", "v.jpg", "v.mp4", "v.srt", "v.vtt"]


class Held:
    """A render in a child process, stopped at a progress step until released."""

    def __init__(self, out: Path, step: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.engine.render.publish_child", str(out), step],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline().strip()
        assert line == "paused", f"the render never reached {step!r}: {self.finish()[1][-800:]}"

    def finish(self) -> tuple[str, str]:
        """Let the render go on (if it still runs) and wait for it to end."""
        out, err = self.proc.communicate(input="\n" if self.proc.poll() is None else None)
        return out, err


@pytest.fixture
def out_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    for name in ("DATA", "CACHE", "CONFIG"):
        monkeypatch.setenv(f"CASTLINE_{name}_DIR", str(tmp_path / name.lower()))
    folder = tmp_path / "out"
    folder.mkdir()
    yield folder


def _names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def _dead_pid() -> int:
    """The id of a process that has run and been reaped."""
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


@pytest.mark.slow
def test_a_render_killed_before_publishing_leaves_only_temporaries_that_the_next_clears(
    out_dir: Path, tmp_path: Path
) -> None:
    held = Held(out_dir / "v.mp4", "publishing")
    # Everything is written, nothing is published: no caption is there without its video.
    waiting = _names(out_dir)
    assert [n for n in waiting if not n.startswith(".")] == []
    assert ".v.mp4.lock" in waiting and any(".part" in n for n in waiting)
    held.proc.kill()
    held.finish()
    assert held.proc.returncode == -signal.SIGKILL
    assert [n for n in _names(out_dir) if not n.startswith(".")] == []  # SIGKILL cleans nothing

    result = render_timeline(
        small_timeline(tmp_path, seconds=2), out_dir / "v.mp4", preset="preview"
    )
    assert _names(out_dir) == FINAL
    with av.open(str(result.output)) as container:
        assert sum(1 for _ in container.decode(video=0)) == result.frames


def test_a_stale_lock_and_parts_from_a_dead_process_are_taken_over(
    out_dir: Path, tmp_path: Path
) -> None:
    out = out_dir / "v.mp4"
    lock_path(out).write_text(f"{_dead_pid()}\n")
    left = [
        out_dir / ".v.mp4.0123abcd.part.mp4",
        out_dir / ".v.srt.89ab_xyz.part",  # a mkstemp name, as earlier versions made
        out_dir / ".v.jpg.00000000.part",
        out_dir / ".v.k2j_9x0q.part.mp4",  # the name an earlier version gave the video
    ]
    for part in left:
        part.write_bytes(b"half a file")
    keep = out_dir / ".other.mp4.0123abcd.part.mp4"  # another output's: not ours to remove
    keep.write_bytes(b"someone else's")
    render_timeline(small_timeline(tmp_path, seconds=2), out, preset="preview", sidecars=False)
    assert _names(out_dir) == sorted([keep.name, "v.mp4"])


@pytest.mark.slow
def test_a_second_render_to_the_same_output_is_refused_while_the_first_runs(
    out_dir: Path, tmp_path: Path
) -> None:
    out = out_dir / "v.mp4"
    held = Held(out, "rendering")
    try:
        with pytest.raises(RenderError) as refused:
            render_timeline(small_timeline(tmp_path, seconds=2), out, preset="preview")
        message = str(refused.value)
        assert "\n" not in message and f"process {held.proc.pid}" in message and str(out) in message
        assert [n for n in _names(out_dir) if not n.startswith(".")] == []
    finally:
        held.finish()
    assert held.proc.returncode == 0
    assert _names(out_dir) == FINAL
    assert all(p.stat().st_size > 0 for p in sidecar_paths(out).values())


@pytest.mark.slow
def test_sigterm_while_sidecars_are_made_leaves_no_sidecar_and_no_temporary(
    out_dir: Path,
) -> None:
    previous = out_dir / "v.srt"
    previous.write_text("1\n00:00:00,000 --> 00:00:01,000\nan older render's captions\n")
    held = Held(out_dir / "v.mp4", "writing captions and thumbnail")
    os.kill(held.proc.pid, signal.SIGTERM)
    held.finish()
    assert held.proc.returncode == 143
    assert _names(out_dir) == ["v.srt"]
    assert "older render" in previous.read_text()
