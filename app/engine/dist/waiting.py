"""Waiting on tasks sent to the workers: their progress, their results, and their end.

A batch and a distributed render both send tasks, then wait on Redis for each one's
state. This is that wait, written once: it wakes as soon as a worker stores a state
(the result backend publishes every change), rides out a Redis restart for a while, and
when the caller stops waiting early (Ctrl+C, a cancel, an error) the tasks that had not
finished are revoked, so no worker goes on rendering what nobody will read.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any

log = logging.getLogger(__name__)


class WorkersUnavailable(Exception):
    """Redis could not be reached (or was lost for good) while waiting on workers."""


def redis_client(url: str) -> Any:
    """A Redis client for ``url`` that gives up on a dead server within seconds."""
    import redis

    return redis.Redis.from_url(url, socket_connect_timeout=5, socket_timeout=30)


def where(url: str) -> str:
    """The broker address without a password, for messages."""
    from kombu.utils.url import maybe_sanitize_url

    return str(maybe_sanitize_url(url))


def reachable(url: str) -> Any:
    """A client for the Redis at ``url``; :class:`WorkersUnavailable` when it does not answer."""
    import redis

    client = redis_client(url)
    try:
        client.ping()
    except redis.RedisError as exc:
        raise WorkersUnavailable(f"cannot reach Redis at {where(url)}: {exc}") from None
    return client


def revoke(broker_url: str, task_ids: Sequence[str]) -> None:
    """Revoke ``task_ids`` on every worker of the Redis at ``broker_url``, terminating
    those already running (a revoked task is acknowledged, so it is not queued again)."""
    from app.engine.dist.celeryapp import configure

    if not task_ids:
        return
    configure(broker_url).control.revoke(list(task_ids), terminate=True, signal="SIGTERM")
    log.info("revoked %d unfinished tasks", len(task_ids))


@dataclass(frozen=True)
class Finished:
    """A task that ended: ``SUCCESS`` with its return value, or ``FAILURE`` with the error."""

    task_id: str
    status: str
    result: Any

    @property
    def error(self) -> str | None:
        """The failure in one line, None on success."""
        if self.status == "SUCCESS":
            return None
        r = self.result
        return f"{type(r).__name__}: {r}" if isinstance(r, BaseException) else str(r)


class TaskWatch:
    """Waits on a set of sent tasks; use as a context manager around the wait.

    Leaving the ``with`` block by an exception (Ctrl+C, a cancelled job, Redis lost for
    good) revokes every task that had not finished, terminating those already running.
    """

    def __init__(
        self, app: Any, broker_url: str, task_ids: Sequence[str], *, reconnect_s: int = 60
    ) -> None:
        self.app = app
        self.broker_url = broker_url
        self.task_ids = list(task_ids)
        self.reconnect_s = reconnect_s
        self.finished: dict[str, Finished] = {}
        self._client = redis_client(broker_url)

    def __enter__(self) -> TaskWatch:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is not None:
            self.revoke_unfinished()

    def unfinished(self) -> list[str]:
        return [t for t in self.task_ids if t not in self.finished]

    def revoke_unfinished(self) -> None:
        """Revoke (and terminate) every task not finished yet; quiet when Redis is away."""
        with contextlib.suppress(Exception):
            revoke(self.broker_url, self.unfinished())

    def results(
        self,
        *,
        on_progress: Callable[[str, dict[str, Any]], None] | None = None,
        check: Callable[[], None] | None = None,
        lost: Callable[[float, Exception], str] | None = None,
    ) -> Iterator[Finished]:
        """Yield each task as it ends, in the order they end.

        ``on_progress(task_id, meta)`` hears a running task's ``PROGRESS`` meta;
        ``check()`` runs at least once a second and may raise to stop the wait (a cancel);
        ``lost(seconds, error)`` words the message when Redis stays away past
        ``reconnect_s`` (raised as :class:`WorkersUnavailable`).
        """
        import redis

        backend = self.app.backend
        keys = {backend.get_key_for_task(t): t for t in self.task_ids}
        pubsub = None
        lost_since: float | None = None
        try:
            while len(self.finished) < len(self.task_ids):
                if check is not None:
                    check()
                try:
                    if pubsub is None:
                        pubsub = self._client.pubsub(ignore_subscribe_messages=True)
                        pubsub.subscribe(*keys)
                    for key, task_id in keys.items():
                        if task_id in self.finished:
                            continue
                        raw = self._client.get(key)
                        if raw is None:
                            continue
                        meta = backend.decode_result(raw)
                        status, result = meta.get("status"), meta.get("result")
                        if status in ("SUCCESS", "FAILURE"):
                            done = Finished(task_id, str(status), result)
                            self.finished[task_id] = done
                            yield done
                        elif (
                            status == "PROGRESS"
                            and isinstance(result, dict)
                            and on_progress is not None
                        ):
                            on_progress(task_id, result)
                    lost_since = None
                    if len(self.finished) < len(self.task_ids):
                        pubsub.get_message(timeout=1.0)  # wakes when a worker stores a state
                except redis.ConnectionError as exc:
                    with contextlib.suppress(Exception):
                        if pubsub is not None:
                            pubsub.close()
                    pubsub = None
                    now = time.monotonic()
                    lost_since = lost_since or now
                    away = now - lost_since
                    if away > self.reconnect_s:
                        why = (
                            lost(away, exc)
                            if lost
                            else f"lost Redis at {where(self.broker_url)} for over "
                            f"{self.reconnect_s} s ({exc})"
                        )
                        raise WorkersUnavailable(why) from None
                    time.sleep(min(2.0, 0.1 + away / 4))  # back off while it restarts
        finally:
            if pubsub is not None:
                with contextlib.suppress(Exception):
                    pubsub.close()

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self._client.close()
