"""Model change events: a tiny Qt-free observer so views listen instead of polling.

The studio's panels subscribe to a timeline and are told which track and clip changed;
the engine never imports Qt, so the bridge to signals lives in ``app/ui``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal
from uuid import UUID

log = logging.getLogger(__name__)

ChangeKind = Literal["clip_added", "clip_removed", "clip_changed", "track_changed", "reset"]


@dataclass(frozen=True)
class TimelineEvent:
    """What changed: ``kind`` plus the track and clip it concerns (``None`` for ``reset``)."""

    kind: ChangeKind
    track_id: UUID | None = None
    clip_id: UUID | None = None


Listener = Callable[[TimelineEvent], None]


class Observable:
    """A list of listeners; a listener that raises is not allowed to stop the others."""

    def __init__(self) -> None:
        self._listeners: list[Listener] = []

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Add ``listener``; returns a function that removes it again."""
        self._listeners.append(listener)
        return lambda: self.unsubscribe(listener)

    def unsubscribe(self, listener: Listener) -> None:
        """Remove ``listener`` (no error if it is not subscribed)."""
        if listener in self._listeners:
            self._listeners.remove(listener)

    @property
    def listener_count(self) -> int:
        return len(self._listeners)

    def emit(self, event: TimelineEvent) -> None:
        """Tell every listener. A failing view is logged, never allowed to undo half an edit."""
        for listener in list(self._listeners):
            try:
                listener(event)
            except Exception:
                log.exception("timeline listener %r failed on %s", listener, event.kind)
