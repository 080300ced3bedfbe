"""A Qt-free progress object passed into synthesis, generation and rendering.

The CLI shows it as a progress bar and the studio as a jobs panel; both only listen.
Work calls :meth:`Progress.update` and :meth:`Progress.check`; whoever owns the job
calls :meth:`Progress.cancel` from any thread.
"""

from __future__ import annotations

import contextvars
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from app.engine.observe import Observable


class Cancelled(Exception):
    """Raised inside work at its next check after the job was cancelled."""


# The process's own cancellation, above every job's: Ctrl+C and SIGTERM set it, so every
# job, wait and network request in every thread stops, not only the one the signal hit.
_SHUTDOWN = threading.Event()


def shut_down() -> None:
    """Cancel every job of this process (Ctrl+C, SIGTERM): all checks raise from now on."""
    _SHUTDOWN.set()


def shutting_down() -> bool:
    return _SHUTDOWN.is_set()


def reset_shutdown() -> None:
    """Let work run again: a new command in the same process (tests, the studio) starts
    from a clean slate."""
    _SHUTDOWN.clear()


_WORKING_FOR: contextvars.ContextVar[Progress | None] = contextvars.ContextVar(
    "castline_job", default=None
)


def current_job() -> Progress | None:
    """The job this thread works for (set by :meth:`Progress.working`), if any.

    The network layer reads it so a request in flight stops when that job is cancelled,
    without every client being handed the job.
    """
    return _WORKING_FOR.get()


@dataclass(frozen=True)
class ProgressState:
    """A snapshot of a job's progress, safe to hand to another thread."""

    done: int
    total: int
    message: str
    elapsed_s: float
    eta_s: float | None
    cancelled: bool

    @property
    def fraction(self) -> float:
        return 0.0 if self.total <= 0 else min(1.0, self.done / self.total)


Listener = Callable[[ProgressState], None]


class Progress:
    """Thread-safe progress with a cancel flag and listeners.

    ``parent``/``weight`` let one job's progress be a slice of another's, so a render can
    report synthesis and encoding as one bar.
    """

    def __init__(
        self, total: int = 0, message: str = "", *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._lock = threading.Lock()
        self._clock = clock
        self._start = clock()
        self._done = 0
        self._total = total
        self._message = message
        self._cancel = threading.Event()
        self._listeners: Observable[ProgressState] = Observable()

    # -- listening -------------------------------------------------------------------
    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener`` on every update; returns a function that unsubscribes."""
        return self._listeners.subscribe(listener)

    def state(self) -> ProgressState:
        with self._lock:
            return self._state_locked()

    def _state_locked(self) -> ProgressState:
        elapsed = self._clock() - self._start
        eta: float | None = None
        if 0 < self._done < self._total:
            eta = elapsed * (self._total - self._done) / self._done
        return ProgressState(self._done, self._total, self._message, elapsed, eta, self.cancelled)

    # -- reporting -------------------------------------------------------------------
    def set_total(self, total: int) -> None:
        with self._lock:
            self._total = total
        self._emit()

    def update(
        self, done: int | None = None, *, advance: int = 0, message: str | None = None
    ) -> None:
        """Set or advance the count and message, then notify listeners."""
        with self._lock:
            if done is not None:
                self._done = done
            self._done += advance
            if message is not None:
                self._message = message
        self._emit()

    def _emit(self) -> None:
        self._listeners.emit(self.state())

    # -- cancelling ------------------------------------------------------------------
    def cancel(self) -> None:
        """Ask the work to stop at its next :meth:`check`."""
        self._cancel.set()
        self._emit()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set() or _SHUTDOWN.is_set()

    def check(self) -> None:
        """Raise :class:`Cancelled` if the job (or the whole process) was cancelled."""
        if self.cancelled:
            raise Cancelled()

    @contextmanager
    def working(self) -> Iterator[Progress]:
        """Mark the calling thread as working for this job until the block ends."""
        token = _WORKING_FOR.set(self)
        try:
            yield self
        finally:
            _WORKING_FOR.reset(token)
