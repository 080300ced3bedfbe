"""Batches on real Celery workers and a real Redis, all started here as child processes.

Each test waits on process output and on the states the workers store in Redis (the
result backend publishes every state change), never on a clock.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import redis

from app.cli import main
from tests.engine.dist.cluster import (
    BATCH_FLAGS,
    FIXTURES,
    REDIS_SERVER,
    cluster,
    probe_video,
)
from tests.engine.dist.test_batch import seconds_ms, table_rows

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        REDIS_SERVER is None,
        reason="redis-server is not installed (make deps installs it: apt-get install redis-server)",
    ),
]

SHORT = FIXTURES.parent / "render" / "short.md"
"""Ten seconds of video: long enough to be caught mid-render."""


class Batch:
    """``castline batch`` (or another ``command``) run in a thread, so the test can act
    while it waits."""

    command = "batch"

    def __init__(self, capsys: pytest.CaptureFixture[str], args: list[str]) -> None:
        self.code: int | None = None
        self._capsys = capsys
        self._thread = threading.Thread(target=self._run, args=(args,))
        self._thread.start()

    def _run(self, args: list[str]) -> None:
        self.code = main([self.command, *args])

    def join(self) -> tuple[int, str, str]:
        self._thread.join()
        captured = self._capsys.readouterr()
        assert self.code is not None
        return self.code, captured.out, captured.err


def wait_for_state(url: str, wanted: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
    """Block until a worker stores a task state for which ``wanted`` is true; that state."""
    client = redis.Redis.from_url(url)
    pubsub = client.pubsub(ignore_subscribe_messages=True)
    pubsub.psubscribe("celery-task-meta-*")
    try:
        for key in client.scan_iter("celery-task-meta-*"):  # stored before we listened
            if (raw := client.get(key)) is not None and wanted(meta := json.loads(raw)):
                return meta
        for message in pubsub.listen():
            meta = json.loads(message["data"])
            if wanted(meta):
                return meta
    finally:
        pubsub.close()
        client.close()
    raise AssertionError("Redis closed the subscription")


def rendering(meta: dict[str, Any]) -> bool:
    """A render task past its voices and visuals, drawing frames."""
    result = meta.get("result") or {}
    return meta.get("status") == "PROGRESS" and result.get("done", 0) >= 250


def assert_complete(out: Path, rows: dict[str, list[str]], name: str) -> None:
    video = probe_video(out / name)
    assert (video.video_codec, video.audio_codec) == ("h264", "aac")
    assert video.complete(seconds_ms(rows[name][1])), video


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return tmp_path


def test_batch_on_two_workers_through_a_shared_folder(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shared = folder / "shared"
    shared.mkdir()
    out = folder / "out"
    scripts = [str(FIXTURES / n) for n in ("harbour.md", "broken.md", "lighthouse.md")]
    scripts.append(str(folder / "missing.md"))  # cannot be staged: its row says so
    with cluster(folder, shared_dir=shared) as (broker, _):
        code = main(
            ["batch", *scripts, "-o", str(out), "--workers", broker.url, "--shared-dir",
             str(shared), *BATCH_FLAGS]
        )  # fmt: skip
    captured = capsys.readouterr()
    assert code == 1 and captured.out, captured.err
    rows = table_rows(captured.out)
    assert rows["broken.md"][4].startswith("failed:") and "broken.md:8:32" in rows["broken.md"][4]
    assert (
        rows["missing.md"][4].startswith("failed:")
        and "no such script file" in rows["missing.md"][4]
    )
    for name in ("harbour.mp4", "lighthouse.mp4"):
        assert rows[name][4].startswith("ok (w"), rows[name]
        assert_complete(out, rows, name)
        assert (out / name).with_suffix(".srt").is_file()
    assert sorted(p.name for p in out.iterdir() if p.suffix == ".mp4") == [
        "harbour.mp4",
        "lighthouse.mp4",
    ]
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no temporary left
    staged = list((shared / "inputs").glob("*/harbour.md"))  # staged once, by content
    assert len(staged) == 1 and staged[0].read_bytes() == (FIXTURES / "harbour.md").read_bytes()
    assert list((shared / "assets").rglob("*.wav"))  # the voices went to the shared assets


def test_a_killed_worker_s_task_runs_again_on_the_other(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = folder / "out"
    with cluster(folder, visibility_timeout=20) as (broker, workers):
        batch = Batch(capsys, [str(SHORT), "-o", str(out), "--workers", broker.url, *BATCH_FLAGS])
        meta = wait_for_state(broker.url, rendering)
        victim = next(w for w in workers if w.hostname == meta["result"]["worker"])
        victim.kill()
        code, stdout, err = batch.join()
    assert code == 0, err
    rows = table_rows(stdout)
    survivor = next(w for w in workers if w is not victim)
    assert rows["short.mp4"][4] == f"ok ({survivor.hostname})"
    assert_complete(out, rows, "short.mp4")


def test_redis_restarted_mid_batch_resumes_or_says_why(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = folder / "out"
    scripts = [str(FIXTURES / n) for n in ("harbour.md", "lighthouse.md")]
    with cluster(folder, visibility_timeout=20) as (broker, _):
        batch = Batch(capsys, [*scripts, "-o", str(out), "--workers", broker.url, *BATCH_FLAGS])
        wait_for_state(broker.url, rendering)
        broker.restart()
        code, stdout, err = batch.join()
    if code == 0:  # resumed: every video is there
        rows = table_rows(stdout)
        for name in ("harbour.mp4", "lighthouse.mp4"):
            assert_complete(out, rows, name)
    else:
        lines = [line for line in err.splitlines() if line.startswith("castline:")]
        assert len(lines) == 1 and "Redis" in lines[0], err
    for video in out.glob("*.mp4"):  # whatever is under a final name is whole
        assert probe_video(video).frames > 0
