"""Remote jobs on a real Redis and a real worker: listed with progress, cancelled from
elsewhere, and stopped by Ctrl+C, with the worker's render process really gone.

Waits are on process output, on the states the workers store (Redis publishes each
one), and on a process's end (a pidfd), never on a clock.
"""

from __future__ import annotations

import base64
import json
import threading
from pathlib import Path

import pytest
import redis

from app.engine.dist.waiting import revoke
from tests.engine.dist.cluster import (
    REDIS_SERVER,
    RedisProcess,
)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(REDIS_SERVER is None, reason="redis-server is not installed"),
]


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
