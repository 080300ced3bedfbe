"""Timeline undo steps: each one swaps the document's hand edits (overrides) for others.

The UI never mutates the timeline: an edit command is tried on a copy, turned into the
overrides it amounts to, and the step sets them. Undo puts the previous overrides back,
so it keeps working after the script was laid out again (clip ids follow their keys).
"""

from __future__ import annotations

from PySide6.QtGui import QUndoCommand

from app.engine.timeline.overrides import TimelineOverrides
from app.ui.document import ScriptDocument


class SetOverrides(QUndoCommand):
    """One timeline edit, or "Re-layout from script" (which clears every edit)."""

    def __init__(
        self,
        document: ScriptDocument,
        before: TimelineOverrides,
        after: TimelineOverrides,
        text: str,
    ) -> None:
        super().__init__(text)
        self.document = document
        self.before = before
        self.after = after

    def redo(self) -> None:
        self.document.set_overrides(self.after)

    def undo(self) -> None:
        self.document.set_overrides(self.before)
