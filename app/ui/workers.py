"""Running CPU work off the GUI thread and bringing results back through signals.

A frozen window is a bug: parsing, preview frames, synthesis and export all run here.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, Qt, QTimer, Signal

log = logging.getLogger(__name__)


POOL = ThreadPoolExecutor(
    max_workers=max(2, min(4, os.cpu_count() or 2)), thread_name_prefix="castline-ui"
)
"""Shared workers for parsing, waveforms, synthesis and export."""

DRAIN_MS = 2


class _Dispatcher(QObject):
    """Carries answers from worker threads to the GUI thread through a plain queue.

    Workers never touch a Qt object: they put ``(callback, value)`` on a queue, and a
    timer on the GUI thread drains it while any work is outstanding. No Qt object's
    lifetime then depends on a worker thread, and a closed window's late answers are
    simply dropped by their owner guard.
    """

    def __init__(self) -> None:
        super().__init__()
        self._queue: queue.SimpleQueue[tuple[Callable[[Any], None], Any, bool]] = (
            queue.SimpleQueue()
        )
        self._outstanding = 0
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(DRAIN_MS)
        self._timer.timeout.connect(self.drain)

    def begin(self) -> None:
        """A task was submitted (GUI thread): keep draining until it ends."""
        self._outstanding += 1
        if not self._timer.isActive():
            self._timer.start()

    def post(self, callback: Callable[[Any], None], value: Any, *, final: bool = False) -> None:
        """Any thread: run ``callback(value)`` on the GUI thread soon."""
        self._queue.put((callback, value, final))

    def drain(self) -> None:
        while True:
            try:
                callback, value, final = self._queue.get_nowait()
            except queue.Empty:
                break
            if final:
                self._outstanding -= 1
            try:
                callback(value)
            except Exception:
                log.exception("a worker's callback failed")
        if self._outstanding <= 0:
            self._outstanding = 0
            self._timer.stop()


_dispatcher: _Dispatcher | None = None
_owned: dict[int, set[Future[Any]]] = {}
"""Futures submitted on behalf of each owner (by ``id``), so closing a window can drop
the work it queued instead of leaving it to run after the window is gone."""


def dispatcher() -> _Dispatcher:
    """The GUI thread's dispatcher (made on first use, which is on the GUI thread)."""
    global _dispatcher
    if _dispatcher is None or not shiboken6.isValid(_dispatcher):
        _dispatcher = _Dispatcher()
    return _dispatcher


def post(callback: Callable[[Any], None], value: Any) -> None:
    """From a worker thread: call ``callback(value)`` on the GUI thread (while work is outstanding)."""
    dispatcher().post(callback, value)


def _ignore(_value: Any) -> None:
    return None


def submit(
    fn: Callable[[], Any],
    on_done: Callable[[Any], None] | None = None,
    on_error: Callable[[str], None] | None = None,
    *,
    pool: Executor | None = None,
    owner: QObject | None = None,
) -> Future[Any]:
    """Run ``fn`` in ``pool`` (the shared pool by default) and call back on the GUI thread.

    With ``owner``, the callbacks are skipped once that object has been destroyed (a
    closed window must not receive the answer to a question it no longer asks).
    """
    if owner is not None:
        on_done = _guarded(owner, on_done)
        on_error = _guarded(owner, on_error)
    done = on_done or _ignore
    failed = on_error or _ignore
    hub = dispatcher()
    hub.begin()

    def run() -> None:
        try:
            result = fn()
        except BaseException as exc:
            log.debug("worker failed", exc_info=True)
            hub.post(
                failed,
                f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__,
                final=True,
            )
            return
        hub.post(done, result, final=True)

    future = (pool or POOL).submit(run)
    # Work dropped before it started (a closed pool, ``cancel_owned``) never posts its own
    # final answer: post one for it, so the dispatcher stops draining.
    future.add_done_callback(
        lambda f: hub.post(_ignore, None, final=True) if f.cancelled() else None
    )
    if owner is not None:
        key = id(owner)
        futures = _owned.setdefault(key, set())
        futures.add(future)
        future.add_done_callback(lambda f: futures.discard(f))
    return future


def cancel_owned(*owners: QObject) -> int:
    """Drop the queued (not yet started) work of ``owners``; returns how many were dropped.

    Work already running finishes (cancellable work stops at its next check); its
    answer is dropped by the owner guard once the owner is gone.
    """
    dropped = 0
    for owner in owners:
        for future in list(_owned.pop(id(owner), ())):
            if future.cancel():
                dropped += 1
    return dropped


def queued(owner: QObject) -> int:
    """Work of ``owner`` still waiting for a thread (what closing would drop)."""
    return sum(1 for f in _owned.get(id(owner), ()) if not f.running() and not f.done())


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
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="castline-latest")
        self._latest = 0
        self._lock = threading.Lock()
        self._closed = False
        self.skipped = 0

    @property
    def latest(self) -> int:
        return self._latest

    def is_stale(self, request_id: int) -> bool:
        with self._lock:
            return request_id != self._latest

    def request(self, fn: Callable[[], Any]) -> int:
        """Queue ``fn``; returns its id. Anything queued earlier becomes stale.

        After ``close`` nothing is queued (the id is returned and never answered).
        """
        with self._lock:
            if self._closed:
                return self._latest
            self._latest += 1
            rid = self._latest

        def run() -> tuple[int, Any]:
            if self.is_stale(rid):
                self.skipped += 1
                return rid, _STALE
            return rid, fn()

        submit(
            run, self._deliver, lambda msg: self.failed.emit(rid, msg), pool=self._pool, owner=self
        )
        return rid

    def _deliver(self, pair: tuple[int, Any]) -> None:
        rid, value = pair
        if value is _STALE or self.is_stale(rid):
            return
        self.result.emit(rid, value)

    def close(self) -> None:
        """Stop: queued requests are dropped and the thread ends after the current one."""
        with self._lock:
            self._latest += 1  # everything queued is stale now
            self._closed = True
        self._pool.shutdown(wait=False, cancel_futures=True)

    @property
    def closed(self) -> bool:
        return self._closed

    def wait(self, msecs: int = -1) -> bool:
        """Block until every queued request has run (one thread: a marker queued last)."""
        if self.closed:
            return True
        marker = self._pool.submit(lambda: None)
        try:
            marker.result(timeout=None if msecs < 0 else msecs / 1000)
        except TimeoutError:
            return False
        return True


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
