"""Remote jobs: what was sent to the workers, kept in the workers' Redis for every studio.

A batch or a distributed render runs in one process (a terminal, a studio) while its
tasks run on workers. Registering it here, in the same Redis the workers use, lets any
studio pointed at that Redis list it with its progress and cancel it: the cancel sets a
flag the sending process checks while it waits (:func:`job_check`), and revokes the
tasks at once, so the workers stop even when that process is gone.

A job is a hash under ``castline:job:<id>`` that expires after :data:`JOB_TTL_S`, and its
id in the sorted set ``castline:jobs`` scored by its start (epoch ms). Progress is not
stored twice: it is read from each task's Celery result, where the workers put it.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from app.engine.dist.waiting import WorkersUnavailable, redis_client, revoke, where

JOB_KEY = "castline:job:"
JOBS_KEY = "castline:jobs"
JOB_TTL_S = 7 * 24 * 3600
"""As long as Celery keeps the tasks' results (``result_expires``): a job outliving its
tasks would show no progress."""
LIST_LIMIT = 50
"""The newest jobs listed: a panel, not an archive."""
STATES = ("running", "done", "failed", "cancelled")
FINISHED = ("SUCCESS", "FAILURE")
"""Task states that count as finished; a REVOKED task did not finish."""


class JobCancelled(Exception):
    """The job was cancelled from elsewhere (a studio's Cancel) while this process waited."""


@dataclass(frozen=True)
class RemoteJob:
    """One job as any studio sees it."""

    id: str
    kind: str
    title: str
    state: str
    """running, done, failed or cancelled."""
    started_ms: int
    """When it was registered, in ms since the epoch."""
    tasks: int
    finished: int
    """Tasks that ended (succeeded or failed)."""
    progress: float
    """0..1 over all its tasks: finished ones count whole, running ones by their meta."""
    workers: tuple[str, ...]
    """The workers its tasks ran or run on, as their meta names them."""
    cancelled: bool = False


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


def _app(url: str) -> Any:
    from app.engine.dist.celeryapp import configure

    return configure(url)


def register_job(url: str, kind: str, title: str, task_ids: Sequence[str]) -> str:
    """Record a job whose tasks were sent; its id (for :func:`finish_job` and a cancel).

    A Redis gone since the tasks went is :class:`WorkersUnavailable`, in one line.
    """
    import redis

    job_id = uuid.uuid4().hex[:12]
    now = _now_ms()
    client = redis_client(url)
    try:
        key = JOB_KEY + job_id
        with client.pipeline() as pipe:
            pipe.hset(
                key,
                mapping={
                    "kind": kind,
                    "title": title,
                    "state": "running",
                    "started_ms": str(now),
                    "tasks": json.dumps(list(task_ids)),
                },
            )
            pipe.expire(key, JOB_TTL_S)
            pipe.zadd(JOBS_KEY, {job_id: now})
            pipe.zremrangebyscore(JOBS_KEY, "-inf", now - JOB_TTL_S * 1000)  # long expired
            pipe.execute()
    except redis.RedisError as exc:
        raise WorkersUnavailable(f"cannot reach Redis at {where(url)}: {exc}") from None
    finally:
        client.close()
    return job_id


def finish_job(url: str, job_id: str, state: str) -> None:
    """Record how the job ended (done, failed or cancelled); a cancel is never undone."""
    if state not in STATES[1:]:
        raise ValueError(f"a finished job is one of {', '.join(STATES[1:])}, not {state!r}")
    client = redis_client(url)
    try:
        key = JOB_KEY + job_id
        if client.hget(key, "cancelled"):
            state = "cancelled"
        client.hset(key, "state", state)
    finally:
        client.close()


def is_cancelled(url: str, job_id: str) -> bool:
    """True once someone asked to cancel the job."""
    client = redis_client(url)
    try:
        return bool(client.hget(JOB_KEY + job_id, "cancelled"))
    finally:
        client.close()


def cancel_job(url: str, job_id: str) -> list[str]:
    """Flag the job cancelled and revoke (terminating) its unfinished tasks; their ids.

    The revoke stops the workers even when the sending process is gone; the flag tells
    that process, if alive, to stop waiting and say so.
    """
    client = redis_client(url)
    try:
        key = JOB_KEY + job_id
        raw = client.hget(key, "tasks")
        if raw is None:
            raise KeyError(f"no job {job_id} in the Redis at this address (it may have expired)")
        client.hset(key, mapping={"cancelled": "1", "state": "cancelled"})
        app = _app(url)
        task_ids = json.loads(raw)
        metas = _metas(client, app, task_ids)
    finally:
        client.close()
    unfinished = [
        t for t, meta in zip(task_ids, metas, strict=True) if _status(meta) not in FINISHED
    ]
    revoke(url, unfinished)
    return unfinished


def job_check(url: str, job_id: str) -> Callable[[], None]:
    """A ``check=`` for :meth:`TaskWatch.results` that raises :class:`JobCancelled`.

    Redis being away is not a cancel: the watch itself rides that out or gives up.
    """
    import redis

    client = redis_client(url)

    def check() -> None:
        try:
            flagged = client.hget(JOB_KEY + job_id, "cancelled")
        except redis.RedisError:
            return
        if flagged:
            raise JobCancelled("the job was cancelled from elsewhere")

    return check


def list_jobs(url: str, limit: int = LIST_LIMIT) -> list[RemoteJob]:
    """The newest jobs first, each with its progress read from its tasks' results."""
    client = redis_client(url)
    try:
        ids = [i.decode() for i in client.zrevrange(JOBS_KEY, 0, limit - 1)]
        with client.pipeline(transaction=False) as pipe:
            for job_id in ids:
                pipe.hgetall(JOB_KEY + job_id)
            hashes = pipe.execute()
        gone = [i for i, h in zip(ids, hashes, strict=True) if not h]
        if gone:
            client.zrem(JOBS_KEY, *gone)  # expired: forget them
        app = _app(url)
        jobs = []
        for job_id, h in zip(ids, hashes, strict=True):
            if not h:
                continue
            fields = {k.decode(): v.decode() for k, v in h.items()}
            task_ids = json.loads(fields.get("tasks", "[]"))
            jobs.append(_job(job_id, fields, _metas(client, app, task_ids)))
        return jobs
    finally:
        client.close()


def _metas(client: Any, app: Any, task_ids: Sequence[str]) -> list[dict[str, Any]]:
    """Each task's Celery result meta (empty while it is only queued)."""
    if not task_ids:
        return []
    backend = app.backend
    raws = client.mget([backend.get_key_for_task(t) for t in task_ids])
    return [backend.decode_result(raw) if raw is not None else {} for raw in raws]


def _status(meta: dict[str, Any]) -> str:
    return str(meta.get("status") or "PENDING")


def _job(job_id: str, fields: dict[str, str], metas: list[dict[str, Any]]) -> RemoteJob:
    finished = 0
    share = 0.0
    workers: set[str] = set()
    for meta in metas:
        status, result = _status(meta), meta.get("result")
        info = result if isinstance(result, dict) else {}
        worker = info.get("worker") or info.get("hostname")  # PROGRESS/SUCCESS, or STARTED
        if worker:
            workers.add(str(worker))
        if status in FINISHED:
            finished += 1
            share += 1.0
        elif status == "PROGRESS" and int(info.get("total") or 0) > 0:
            share += min(1.0, int(info.get("done", 0)) / int(info["total"]))
    return RemoteJob(
        id=job_id,
        kind=fields.get("kind", ""),
        title=fields.get("title", ""),
        state=fields.get("state", "running"),
        started_ms=int(fields.get("started_ms", "0")),
        tasks=len(metas),
        finished=finished,
        progress=share / len(metas) if metas else 0.0,
        workers=tuple(sorted(workers)),
        cancelled=bool(fields.get("cancelled")),
    )
