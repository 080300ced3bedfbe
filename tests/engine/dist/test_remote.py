"""Remote jobs on a real Redis and a real worker: listed with progress, cancelled from
elsewhere, and stopped by Ctrl+C, with the worker's render process really gone.

Waits are on process output, on the states the workers store (Redis publishes each
one), and on a process's end (a pidfd), never on a clock.
"""

from __future__ import annotations

import base64
import json
import os
import select
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest
import redis

from app.engine.dist.remote import RemoteJob, cancel_job, list_jobs
from app.engine.dist.waiting import revoke
from tests.engine.dist.cluster import (
    BATCH_FLAGS,
    FIXTURES,
    REDIS_SERVER,
    ROOT,
    RedisProcess,
    cluster,
)
from tests.engine.dist.test_batch import table_rows
from tests.engine.dist.test_workers import SHORT, Batch, wait_for_state

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(REDIS_SERVER is None, reason="redis-server is not installed"),
]

T = TypeVar("T")
CHECKS = 2400
"""How many stored states (or half-second lulls) a wait looks at before it gives up."""


def until(url: str, found: Callable[[], T | None]) -> T:
    """Check ``found()`` again each time a worker stores a task state; what it found."""
    client = redis.Redis.from_url(url)
    pubsub = client.pubsub(ignore_subscribe_messages=True)
    pubsub.psubscribe("celery-task-meta-*")
    try:
        for _ in range(CHECKS):
            if (value := found()) is not None:
                return value
            pubsub.get_message(timeout=0.5)
    finally:
        pubsub.close()
        client.close()
    raise AssertionError("the state waited for never came")


def wait_exit(pid: int) -> None:
    """Block until the process ``pid`` (not our child: a worker's pool process) has ended."""
    try:
        fd = os.pidfd_open(pid)
    except ProcessLookupError:
        return
    try:
        select.select([fd], [], [])
    finally:
        os.close(fd)


def task_states(url: str) -> dict[str, str]:
    client = redis.Redis.from_url(url)
    try:
        return {
            key.decode().removeprefix("celery-task-meta-"): json.loads(client.get(key))["status"]
            for key in client.scan_iter("celery-task-meta-*")
        }
    finally:
        client.close()


def settled(url: str, count: int) -> dict[str, str] | None:
    """Every one of ``count`` tasks REVOKED, and nothing queued or taken: none will run again."""
    states = task_states(url)
    client = redis.Redis.from_url(url)
    try:
        idle = client.llen("celery") == 0 and client.hlen("unacked") == 0
    finally:
        client.close()
    revoked = len(states) == count and set(states.values()) == {"REVOKED"}
    return states if revoked and idle else None


def started_pid(meta: dict[str, Any]) -> bool:
    return meta.get("status") == "STARTED"


def the_job(url: str, wanted: Callable[[RemoteJob], bool]) -> RemoteJob | None:
    return next((j for j in list_jobs(url) if wanted(j)), None)


def test_a_batch_is_listed_with_progress_and_a_cancel_from_elsewhere_stops_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    scripts = [str(SHORT), str(FIXTURES / "lighthouse.md")]
    with cluster(tmp_path, workers=1) as (broker, workers):
        batch = Batch(capsys, [*scripts, "-o", str(out), "--workers", broker.url, *BATCH_FLAGS])
        pid = wait_for_state(broker.url, started_pid)["result"]["pid"]
        job = until(broker.url, lambda: the_job(broker.url, lambda j: j.progress > 0))
        assert (job.kind, job.title, job.state) == ("batch", "batch of 2 scripts", "running")
        assert (job.tasks, job.finished, job.workers) == (2, 0, (workers[0].hostname,))
        assert 0 < job.progress < 0.5  # one script part-rendered, the other queued

        revoked = cancel_job(broker.url, job.id)  # as another studio would
        code, stdout, err = batch.join()
        wait_exit(pid)  # the render's process was terminated, not left running
        states = until(broker.url, lambda: settled(broker.url, 2))
        jobs = [(j.id, j.state, j.cancelled) for j in list_jobs(broker.url)]
    assert jobs == [(job.id, "cancelled", True)]
    assert len(revoked) == 2 and set(states) == set(revoked)
    assert code == 1 and "Traceback" not in err, err
    rows = table_rows(stdout)
    assert rows["short.md"][4] == "cancelled" and rows["lighthouse.md"][4] == "cancelled"
    assert "the batch was cancelled" in err and "0 of 2 rendered" in err
    assert not list(out.glob("*.mp4"))  # nothing under a final name


def test_ctrl_c_on_a_worker_batch_exits_130_and_revokes_its_task(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with cluster(tmp_path, workers=1) as (broker, _):
        child = subprocess.Popen(
            [sys.executable, "main.py", "batch", str(SHORT), "-o", str(out), "--workers",
             broker.url, *BATCH_FLAGS],
            cwd=ROOT, env={**os.environ, "QT_QPA_PLATFORM": "offscreen"}, text=True,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )  # fmt: skip
        pid = wait_for_state(broker.url, started_pid)["result"]["pid"]
        until(broker.url, lambda: the_job(broker.url, lambda j: j.progress > 0))
        child.send_signal(signal.SIGINT)
        _, err = child.communicate()
        wait_exit(pid)
        until(broker.url, lambda: settled(broker.url, 1))
        jobs = list_jobs(broker.url)
    assert child.returncode == 130, err
    assert "Traceback" not in err and err.strip().splitlines()[-1] == "castline: interrupted"
    assert [(j.title, j.state) for j in jobs] == [("batch of 1 script", "cancelled")]
    assert not list(out.glob("*.mp4"))


def test_a_revoke_reaches_the_redis_it_names_after_another_was_used(tmp_path: Path) -> None:
    """A studio whose setting changed, or a second batch in one process: Celery's pools
    kept the first Redis, and the revoke went on retrying there for ever."""
    first = RedisProcess(tmp_path / "first").start()
    revoke(first.url, ["castline-old"])
    first.stop()
    second = RedisProcess(tmp_path / "second").start()
    client = redis.Redis.from_url(second.url)
    pubsub = client.pubsub(ignore_subscribe_messages=True)
    pubsub.psubscribe("*pidbox*")  # the workers' broadcast channel
    try:
        threading.Thread(target=revoke, args=(second.url, ["castline-new"]), daemon=True).start()
        heard = None
        for _ in range(120):  # half-second lulls: a generous bound, on a hang only
            if (heard := pubsub.get_message(timeout=0.5)) is not None:
                break
        assert heard is not None, "the revoke never reached the second Redis"
        body = json.loads(heard["data"])
    finally:
        pubsub.close()
        client.close()
        second.stop()
    command = json.loads(base64.b64decode(body["body"]))
    assert (command["method"], command["arguments"]["task_id"]) == ("revoke", ["castline-new"])
