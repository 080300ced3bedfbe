"""Saving a timeline into the project store and reading it back.

The store keeps plain JSON; this is where it becomes a validated ``Timeline`` again, and
where stored data that no longer validates becomes a message instead of a traceback.
"""

from __future__ import annotations

from typing import Any, Protocol

from pydantic import ValidationError

from app.engine.timeline.model import Timeline


class TimelineStore(Protocol):
    """The two ``Store`` methods used here (``app.engine.store.Store`` has them)."""

    def save_timeline(self, project_id: str, data: dict[str, Any]) -> None: ...
    def load_timeline(self, project_id: str) -> dict[str, Any] | None: ...


class TimelineDataError(ValueError):
    """A stored timeline that cannot be read (written by a newer version, or damaged)."""


def save_timeline(store: TimelineStore, project_id: str, timeline: Timeline) -> None:
    """Store ``timeline`` as the project's current timeline (the latest save wins)."""
    store.save_timeline(project_id, timeline.model_dump(mode="json"))


def load_timeline(store: TimelineStore, project_id: str) -> Timeline | None:
    """The project's saved timeline, ``None`` when it has none yet.

    Raises ``TimelineDataError`` naming the first bad field when the stored data is invalid;
    the studio then offers to lay the script out afresh.
    """
    data = store.load_timeline(project_id)
    if data is None:
        return None
    try:
        timeline = Timeline.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ())) or "timeline"
        raise TimelineDataError(
            f"the saved timeline of project {project_id} cannot be read ({where}: {first.get('msg')}); "
            "lay the script out again to replace it"
        ) from exc
    problems = timeline.problems()
    if problems:
        raise TimelineDataError(
            f"the saved timeline of project {project_id} is inconsistent ({problems[0]}); "
            "lay the script out again to replace it"
        )
    return timeline
