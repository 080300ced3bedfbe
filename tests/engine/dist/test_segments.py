"""One video drawn by real Celery workers in segments, against the same render made here.

The segments are cut every two seconds (``CASTLINE_SEGMENT_SECONDS``) so the ten-second
script makes five of them, shared out between two workers. Each test waits on process
output and on the states workers store in Redis, never on a clock.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import av
import pytest
import redis

from app.cli import main
from app.engine.dist.remote import cancel_job, list_jobs
from app.engine.render.segments import SEGMENT_SECONDS_ENV
from tests.engine.dist.cluster import REDIS_SERVER, cluster, probe_video
from tests.engine.dist.test_remote import task_states, until
from tests.engine.dist.test_workers import SHORT, Batch, wait_for_state
from tests.engine.render.probe import delivery_problems, probe

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        REDIS_SERVER is None,
        reason="redis-server is not installed (make deps installs it: apt-get install redis-server)",
    ),
]

FLAGS = ["--offline", "--preset", "youtube-1080p", "--jobs", "2"]


def frame_digests(path: Path) -> list[str]:
    """A hash of every decoded picture, in order: what a viewer would see."""
    with av.open(str(path)) as c:
        return [
            hashlib.sha256(f.to_ndarray(format="yuv420p").tobytes()).hexdigest()
            for f in c.decode(video=0)
        ]


def delivery(path: Path) -> dict[str, Any]:
    """The delivery probe's findings that must not depend on where the frames were drawn."""
    p = probe(path)
    return {
        "problems": delivery_problems(p),
        "size": (p.width, p.height, p.codec, p.profile, p.pix_fmt, p.color),
        "frames": p.frames,
        "keyframes": p.keyframes,
        "types": p.picture_types,
        "starts": p.starts,
        "loudness": round(p.loudness_lufs, 2),
        "audio": (p.audio_codec, p.channels, p.sample_rate, p.audio.shape),
        "metadata": p.metadata,
    }


def _use_home(mp: pytest.MonkeyPatch, home: Path) -> None:
    """One voice cache for the render here and the ones on workers: the local voice is
    not bit-exact from one synthesis to the next, so each would time the lines apart."""
    for var, sub in (("DATA", "data"), ("CACHE", "cache"), ("CONFIG", "config")):
        mp.setenv(f"CASTLINE_{var}_DIR", str(home / sub))
    mp.setenv(SEGMENT_SECONDS_ENV, "2")


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("home")


@pytest.fixture(scope="module")
def here(home: Path) -> Path:
    """The script rendered in this process, in two-second segments like the others."""
    out = home / "here" / "here.mp4"
    with pytest.MonkeyPatch.context() as mp:
        _use_home(mp, home)
        assert main(["render", str(SHORT), "-o", str(out), *FLAGS]) == 0
    return out


@pytest.fixture(autouse=True)
def shared_home(_isolated_user_dirs: None, home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _use_home(monkeypatch, home)


class Render(Batch):
    """``castline render --workers`` run in a thread, so the test can act while it waits."""

    command = "render"


def drawing_a_segment(meta: dict[str, Any]) -> bool:
    result = meta.get("result") or {}
    return meta.get("status") == "PROGRESS" and result.get("done", 0) >= 15


def test_workers_draw_the_same_video_frame_for_frame(
    here: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    out = tmp_path / "out" / "spread.mp4"
    with cluster(tmp_path, shared_dir=shared) as (broker, workers):
        code = main(
            ["render", str(SHORT), "-o", str(out), *FLAGS, "--workers", broker.url,
             "--shared-dir", str(shared)]
        )  # fmt: skip
    captured = capsys.readouterr()
    assert code == 0, captured.err
    line = next(x for x in captured.out.splitlines() if x.strip().startswith("workers:"))
    assert all(w.hostname in line for w in workers), line  # both drew a share
    assert "(5 segments)" in line  # 297 frames in 60-frame pieces
    assert frame_digests(out) == frame_digests(here)
    assert delivery(out) == delivery(here)
    assert delivery(out)["problems"] == []
    # Every file the timeline names reached the workers through the shared folder.
    assert list((shared / "assets").rglob("*.wav"))
    assert not list((shared / "renders").iterdir())  # the job's folder went with the render
    assert sorted(p.name for p in out.parent.iterdir()) == sorted(
        ["spread.mp4", "spread.srt", "spread.vtt", "spread.chapters.txt", "spread.jpg"]
    )


def test_a_worker_killed_mid_segment_leaves_a_whole_video(
    here: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "killed.mp4"
    with cluster(tmp_path, visibility_timeout=10) as (broker, workers):
        render = Render(capsys, [str(SHORT), "-o", str(out), *FLAGS, "--workers", broker.url])
        meta = wait_for_state(broker.url, drawing_a_segment)
        victim = next(w for w in workers if w.hostname == meta["result"]["worker"])
        victim.kill()
        code, stdout, err = render.join()
    assert code == 0, err
    survivor = next(w for w in workers if w is not victim)
    assert survivor.hostname in stdout
    assert frame_digests(out) == frame_digests(here)
    assert delivery(out) == delivery(here)


def test_redis_restarted_mid_render_resumes_or_says_why(
    here: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "restarted.mp4"
    with cluster(tmp_path, visibility_timeout=10) as (broker, _):
        render = Render(capsys, [str(SHORT), "-o", str(out), *FLAGS, "--workers", broker.url])
        wait_for_state(broker.url, drawing_a_segment)
        broker.restart()
        code, _, err = render.join()
    if code == 0:  # resumed: the whole video, the same as one made here
        assert frame_digests(out) == frame_digests(here)
    else:
        lines = [line for line in err.splitlines() if line.startswith("castline:")]
        assert len(lines) == 1 and "Redis" in lines[0], err
        assert "Traceback" not in err
        assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".restarted")]
    if out.exists():
        assert probe_video(out).frames > 0


def test_workers_url_without_redis_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.engine.dist.cluster import free_port

    url = f"redis://127.0.0.1:{free_port()}/0"
    code = main(["render", str(SHORT), "-o", str(tmp_path / "x.mp4"), *FLAGS, "--workers", url])
    err = capsys.readouterr().err
    assert code != 0 and "cannot reach Redis" in err and "Traceback" not in err
    assert not list(tmp_path.iterdir())


def _segments_settled(url: str, count: int) -> dict[str, str] | None:
    """Every one of ``count`` segments drawn or revoked, and none queued or taken."""
    states = {k: v for k, v in task_states(url).items() if k.startswith("castline-segment-")}
    client = redis.Redis.from_url(url)
    try:
        idle = client.llen("celery") == 0 and client.hlen("unacked") == 0
    finally:
        client.close()
    ended = len(states) == count and set(states.values()) <= {"SUCCESS", "REVOKED"}
    return states if ended and idle else None


def test_a_render_cancelled_from_a_jobs_panel_revokes_its_segments(
    here: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out" / "cancelled.mp4"
    with cluster(tmp_path) as (broker, _):
        render = Render(capsys, [str(SHORT), "-o", str(out), *FLAGS, "--workers", broker.url])
        wait_for_state(broker.url, drawing_a_segment)
        job = next(j for j in list_jobs(broker.url) if j.kind == "render")  # listed before sending
        assert job.title == "render of Render Check" and job.tasks >= 5  # 2-second pieces
        revoked = cancel_job(broker.url, job.id)
        code, _, err = render.join()
        states = until(broker.url, lambda: _segments_settled(broker.url, job.tasks))
        listed = next(j for j in list_jobs(broker.url) if j.id == job.id)
    assert code == 1 and "cancelled from a studio's jobs panel" in err and "Traceback" not in err
    assert revoked and all(states[t] == "REVOKED" for t in revoked)  # none drawn after the cancel
    assert listed.state == "cancelled"
    assert not out.parent.exists() or not list(out.parent.iterdir())  # no video, no temporary
