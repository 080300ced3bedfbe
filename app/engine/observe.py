"""The one observer: a thread-safe list of listeners that one failing listener cannot stop.

Timelines tell the studio's panels what changed, and jobs tell progress bars how far they
are; both listen through this, so the rules (subscribe returns its own undo, a listener
that raises is logged and the others still run, listeners may come and go from any
thread) are written once.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Generic, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")


class Observable(Generic[T]):
    """Listeners of events of type ``T``."""

    def __init__(self) -> None:
        self._listeners: list[Callable[[T], None]] = []
        self._lock = threading.Lock()

    def subscribe(self, listener: Callable[[T], None]) -> Callable[[], None]:
        """Add ``listener``; returns a function that removes it again."""
        with self._lock:
            self._listeners.append(listener)
        return lambda: self.unsubscribe(listener)

    def unsubscribe(self, listener: Callable[[T], None]) -> None:
        """Remove ``listener`` (no error if it is not subscribed)."""
        with self._lock:
            if listener in self._listeners:
                self._listeners.remove(listener)

    def __copy__(self) -> Observable[T]:
        """A copy of what is observed (a timeline's snapshot) starts with no listeners: the
        views listen to the original, never to every copy made of it."""
        return Observable()

    def __deepcopy__(self, memo: dict[int, object]) -> Observable[T]:
        return Observable()

    @property
    def listener_count(self) -> int:
        with self._lock:
            return len(self._listeners)

    def emit(self, event: T) -> None:
        """Tell every listener, outside the lock (a listener may subscribe or emit)."""
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            try:
                listener(event)
            except Exception:
                log.exception("listener %r failed on %r", listener, event)
