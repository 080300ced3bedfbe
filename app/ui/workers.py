"""Running CPU work off the GUI thread and bringing results back through signals.

A frozen window is a bug: parsing, preview frames, synthesis and export all run here.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

log = logging.getLogger(__name__)


class _Signals(QObject):
    finished = Signal(object)
    failed = Signal(str)


class Task(QRunnable):
    """One call of ``fn`` on a pool thread; ``finished``/``failed`` arrive on the GUI thread."""

    def __init__(self, fn: Callable[[], Any]) -> None:
        super().__init__()
        self.setAutoDelete(False)
        self._fn = fn
        self.signals = _Signals()

    def run(self) -> None:
        try:
            result = self._fn()
        except Exception as exc:
            log.debug("worker failed", exc_info=True)
            self.signals.failed.emit(f"{type(exc).__name__}: {exc}")
            return
        self.signals.finished.emit(result)


_keep: set[Task] = set()
_keep_lock = threading.Lock()


def submit(
    fn: Callable[[], Any],
    on_done: Callable[[Any], None] | None = None,
    on_error: Callable[[str], None] | None = None,
    *,
    pool: QThreadPool | None = None,
    owner: QObject | None = None,
) -> Task:
    """Run ``fn`` in ``pool`` (the global pool by default) and call back on the GUI thread.

    With ``owner``, the callbacks are skipped once that object has been destroyed (a
    closed window must not receive the answer to a question it no longer asks).
    """
    task = Task(fn)
    if owner is not None:
        on_done = _guarded(owner, on_done)
        on_error = _guarded(owner, on_error)
    with _keep_lock:
        _keep.add(task)

    def release(*_: object) -> None:
        with _keep_lock:
            _keep.discard(task)

    if on_done is not None:
        task.signals.finished.connect(on_done)
    if on_error is not None:
        task.signals.failed.connect(on_error)
    task.signals.finished.connect(release)
    task.signals.failed.connect(release)
    (pool or QThreadPool.globalInstance()).start(task)
    return task


def _guarded(owner: QObject, fn: Callable[[Any], None] | None) -> Callable[[Any], None] | None:
    if fn is None:
        return None
    callback = fn

    def call(value: Any) -> None:
        if shiboken6.isValid(owner):
            callback(value)

    return call


class LatestOnly(QObject):
    """Requests on one thread where a newer request makes every older one stale.

    A stale request still queued is skipped before it starts, and a stale result that
    finishes anyway is dropped, so the view only ever shows the newest answer.
    """

    result = Signal(int, object)
    """(request id, value) for the newest request only."""
    failed = Signal(int, str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._latest = 0
        self._lock = threading.Lock()
        self.skipped = 0

    @property
    def latest(self) -> int:
        return self._latest

    def is_stale(self, request_id: int) -> bool:
        with self._lock:
            return request_id != self._latest

    def request(self, fn: Callable[[], Any]) -> int:
        """Queue ``fn``; returns its id. Anything queued earlier becomes stale."""
        with self._lock:
            self._latest += 1
            rid = self._latest

        def run() -> tuple[int, Any]:
            if self.is_stale(rid):
                self.skipped += 1
                return rid, _STALE
            return rid, fn()

        submit(run, self._deliver, lambda msg: self.failed.emit(rid, msg), pool=self._pool, owner=self)
        return rid

    def _deliver(self, pair: tuple[int, Any]) -> None:
        rid, value = pair
        if value is _STALE or self.is_stale(rid):
            return
        self.result.emit(rid, value)

    def wait(self, msecs: int = -1) -> bool:
        return self._pool.waitForDone(msecs)


_STALE = object()


def run_io(
    fn: Callable[[], Any],
    on_done: Callable[[Any], None],
    on_error: Callable[[str], None],
    owner: QObject | None = None,
) -> None:
    """Network calls: awaited on qasync's event loop when it runs, else on a pool thread.

    Under the studio's qasync loop the call is awaited in a coroutine (the window keeps
    painting); in tests, where no asyncio loop runs, a pool thread does the same job.
    """
    import asyncio

    try:
        loop = asyncio.get_event_loop_policy().get_event_loop()
    except RuntimeError:
        loop = None
    if loop is None or not loop.is_running():
        submit(fn, on_done, on_error, owner=owner)
        return
    if owner is not None:
        on_done = _guarded(owner, on_done) or on_done
        on_error = _guarded(owner, on_error) or on_error

    async def call() -> None:
        try:
            result = await loop.run_in_executor(None, fn)
        except Exception as exc:
            on_error(f"{type(exc).__name__}: {exc}" if not str(exc) else str(exc))
            return
        on_done(result)

    loop.create_task(call())
