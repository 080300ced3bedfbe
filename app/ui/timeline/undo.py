"""QUndoCommands around the engine's edit commands: the UI never mutates the model itself."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QUndoCommand

from app.engine.timeline import Timeline
from app.engine.timeline.commands import Command

_merge_ids: dict[str, int] = {}


def _qt_id(merge_id: str | None) -> int:
    """QUndoCommand ids are ints; the engine's merge ids are strings."""
    if merge_id is None:
        return -1
    return _merge_ids.setdefault(merge_id, len(_merge_ids) + 1)


class EngineCommand(QUndoCommand):
    """One engine command on the undo stack; successive drag steps merge via the engine."""

    def __init__(
        self, timeline: Timeline, command: Command, on_change: Callable[[], None] | None = None
    ) -> None:
        super().__init__(command.text)
        self.timeline = timeline
        self.command = command
        self._on_change = on_change

    def redo(self) -> None:
        self.command.apply(self.timeline)
        if self._on_change is not None:
            self._on_change()

    def undo(self) -> None:
        self.command.revert(self.timeline)
        if self._on_change is not None:
            self._on_change()

    def id(self) -> int:
        return _qt_id(self.command.merge_id)

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, EngineCommand) or other.timeline is not self.timeline:
            return False
        return self.command.merge_with(other.command)
