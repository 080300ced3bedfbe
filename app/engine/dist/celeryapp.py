"""The Celery application both sides share: workers run its tasks, batches send them.

Reliability is configured here once: a task is acknowledged only after it finished
(``acks_late``), a task whose worker process died is given back to the queue
(``reject_on_worker_lost``), and a message taken by a machine that vanished returns to
the queue after the visibility timeout, so a killed worker's task runs elsewhere.
"""

from __future__ import annotations

import os
import threading

from celery import Celery

VISIBILITY_TIMEOUT_ENV = "CASTLINE_VISIBILITY_TIMEOUT_S"
DEFAULT_VISIBILITY_TIMEOUT_S = 3600
"""Longer than any one task: a task still running past it would be started twice."""

celery_app = Celery("castline")


def visibility_timeout_s() -> int:
    raw = os.environ.get(VISIBILITY_TIMEOUT_ENV, "")
    return int(raw) if raw.strip() else DEFAULT_VISIBILITY_TIMEOUT_S


def configure(broker_url: str, *, visibility_timeout: int | None = None) -> Celery:
    """Point the app at the Redis at ``broker_url`` (broker and result backend alike).

    Pointed elsewhere than before (a studio's new setting, a second cluster in one test
    run), the app drops its pools: Celery keeps the broker it first connected to in them,
    so a revoke would go on publishing to the old Redis, retrying for ever.
    """
    timeout = visibility_timeout if visibility_timeout is not None else visibility_timeout_s()
    if celery_app.conf.broker_url not in (None, broker_url):
        celery_app._pool = None  # re-made on first use, from kombu's pools for this URL
        celery_app.amqp._producer_pool = None
        celery_app._backend_cache = None  # and the result backend, in every thread
        celery_app._local = threading.local()
    transport = {"visibility_timeout": timeout}
    celery_app.conf.update(
        broker_url=broker_url,
        result_backend=broker_url,
        broker_transport_options=transport,
        result_backend_transport_options=transport,
        broker_connection_retry_on_startup=True,
        result_backend_always_retry=True,
        result_backend_max_retries=30,
        result_expires=7 * 24 * 3600,
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        task_track_started=True,
        worker_prefetch_multiplier=1,
        worker_cancel_long_running_tasks_on_connection_loss=False,
        worker_hijack_root_logger=False,
    )
    return celery_app
