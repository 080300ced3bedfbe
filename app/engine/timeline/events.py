"""Model change events: a tiny Qt-free observer so views listen instead of polling.

The studio's panels subscribe to a timeline and are told which track and clip changed;
the engine never imports Qt, so the bridge to signals lives in ``app/ui``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal
from uuid import UUID

from app.engine.observe import Observable

ChangeKind = Literal["clip_added", "clip_removed", "clip_changed", "track_changed", "reset"]


@dataclass(frozen=True)
class TimelineEvent:
    """What changed: ``kind`` plus the track and clip it concerns (``None`` for ``reset``)."""

    kind: ChangeKind
    track_id: UUID | None = None
    clip_id: UUID | None = None


Listener = Callable[[TimelineEvent], None]

__all__ = ["ChangeKind", "Listener", "Observable", "TimelineEvent"]
