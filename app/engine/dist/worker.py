"""Start a Celery worker that runs Castline's tasks (``castline worker``)."""

from __future__ import annotations

import logging
import os
import socket
from pathlib import Path
from typing import Any

from celery import bootsteps

from app.engine.dist.celeryapp import VISIBILITY_TIMEOUT_ENV, configure, visibility_timeout_s
from app.engine.dist.shared import SHARED_DIR_ENV, SharedDir

log = logging.getLogger(__name__)


class RestoreOrphans(bootsteps.StartStopStep):
    """Give back to the queue, promptly, the tasks of workers that vanished.

    Redis keeps a taken message aside until it is acknowledged; kombu puts it back once
    it is older than the visibility timeout, but checks only when a worker starts and
    then every 100 s. This step checks every half timeout (at most every 30 s), so a
    killed machine's render starts again elsewhere soon after the timeout.
    """

    requires = ("celery.worker.consumer.tasks:Tasks",)

    def __init__(self, parent: Any, **kwargs: Any) -> None:
        super().__init__(parent, **kwargs)
        self._timer: Any = None

    def start(self, parent: Any) -> None:
        every = max(1, min(30, visibility_timeout_s() // 2))
        self._timer = parent.timer.call_repeatedly(every, self._restore, (parent,), priority=10)

    def _restore(self, parent: Any) -> None:
        qos = getattr(getattr(parent.task_consumer, "channel", None), "qos", None)
        if qos is None or not hasattr(qos, "restore_visible"):
            return
        try:
            qos.restore_visible(num=100, interval=1)
        except Exception as exc:  # Redis away for a moment: the next tick tries again
            log.warning("could not restore orphaned tasks: %s", exc)

    def stop(self, parent: Any) -> None:
        if self._timer is not None:
            self._timer.cancel()


def check_broker(url: str) -> None:
    """Raise ValueError with a one-line reason when ``url`` is not a reachable Redis."""
    import redis

    if not url.startswith(("redis://", "rediss://")):
        raise ValueError(f"{url!r} is not a Redis address; use redis://HOST:PORT/DB")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=5).ping()
    except redis.RedisError as exc:
        raise ValueError(f"cannot reach Redis at {url}: {exc}") from None


def run_worker(
    broker_url: str,
    *,
    concurrency: int = 1,
    name: str | None = None,
    shared_dir: Path | None = None,
    visibility_timeout: int | None = None,
) -> None:
    """Run a worker in this process until it is stopped (Ctrl+C or SIGTERM: a warm shutdown).

    The worker's pool processes inherit the environment set here: the shared folder for
    paths and for the content-addressed assets, which every machine may then share.
    """
    check_broker(broker_url)
    if shared_dir is not None:
        shared = SharedDir(shared_dir)
        shared.assets.mkdir(parents=True, exist_ok=True)
        os.environ[SHARED_DIR_ENV] = str(shared.root)
        os.environ["CASTLINE_ASSETS_DIR"] = str(shared.assets)
    if visibility_timeout is not None:
        os.environ[VISIBILITY_TIMEOUT_ENV] = str(visibility_timeout)
    celery = configure(broker_url)
    celery.steps["consumer"].add(RestoreOrphans)
    from app.engine.dist import tasks  # registers the tasks

    assert tasks.render_task.name in celery.tasks
    celery.worker_main(
        [
            "worker",
            f"--concurrency={concurrency}",
            f"--hostname={name or 'castline'}@{socket.gethostname()}",
            "--loglevel=INFO",
            "--without-gossip",
            "--without-mingle",
        ]
    )
