"""The script being edited, parsed off the GUI thread, and the timeline made from it.

Views listen to ``parsed`` and ``timeline_changed``; none of them parses or lays out
anything itself. While the timeline has no hand edits it follows the script (re-laid
out after every parse); once the user edits it, it stays as edited until they ask for a
fresh layout.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from app.engine.model import Script
from app.engine.script import parse_text
from app.engine.timeline import Timeline, TimelineEvent
from app.engine.timeline.layout import auto_layout
from app.ui import workers

PARSE_DELAY_MS = 250
PREVIEW_WIDTH = 640


class ScriptDocument(QObject):
    """Text → Script → Timeline, with a version number so late results never win."""

    parsed = Signal(object)
    """The newest Script (with its diagnostics)."""
    timeline_changed = Signal(object)
    """The current Timeline after any change (layout, edit, undo)."""
    timeline_replaced = Signal(object)
    """A different Timeline object (a fresh layout or a project opened)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.text = ""
        self.path: Path | None = None
        self.script: Script | None = None
        self.timeline: Timeline | None = None
        self.synthesis: Any = None
        self.visuals: Any = None
        """The visual lines' files (a VisualPlan) the layout shows, when any were made."""
        self.follow_script = True
        self.version = 0
        self.parsed_version = 0
        self._snapshot: Timeline | None = None
        self._unsubscribe: Any = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(PARSE_DELAY_MS)
        self._timer.timeout.connect(self.parse_soon)
        self.closed = False

    # -- text ------------------------------------------------------------------------
    def set_text(self, text: str, path: Path | None = None) -> None:
        """The editor's text changed: parse it after a short quiet spell."""
        if path is not None:
            self.path = path
        if text == self.text and self.script is not None:
            return
        self.text = text
        self.version += 1
        self._timer.start()

    def parse_soon(self) -> None:
        """Parse the newest text in a worker; older results are ignored when they land."""
        self._timer.stop()
        version, text, path = self.version, self.text, self.path
        workers.submit(lambda: self._parse(version, text, path), self._parsed, owner=self)

    def parse_now(self) -> Script:
        """Parse synchronously (opening a project, before exporting)."""
        self._timer.stop()
        result = self._parse(self.version, self.text, self.path)
        self._parsed(result)
        assert self.script is not None
        return self.script

    def _parse(
        self, version: int, text: str, path: Path | None
    ) -> tuple[int, Script, Timeline | None]:
        script = parse_text(
            text, path=str(path) if path else None, base_dir=path.parent if path else None
        )
        timeline = self._layout(script) if self.follow_script or self.timeline is None else None
        return version, script, timeline

    def _layout(self, script: Script) -> Timeline:
        return auto_layout(script, self.synthesis, visuals=self.visuals)

    def _parsed(self, result: tuple[int, Script, Timeline | None]) -> None:
        version, script, timeline = result
        if self.closed or version < self.parsed_version:
            return
        self.parsed_version = version
        self.script = script
        self.parsed.emit(script)
        if timeline is not None and (self.follow_script or self.timeline is None):
            self.set_timeline(timeline, follow=True)

    def close(self) -> None:
        """Stop listening: late worker results for a closed window are dropped."""
        self.closed = True
        self._timer.stop()
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None

    # -- timeline --------------------------------------------------------------------
    def set_timeline(self, timeline: Timeline, *, follow: bool) -> None:
        """Show a different timeline (a fresh layout, or one restored from the store)."""
        if self._unsubscribe is not None:
            self._unsubscribe()
        self.timeline = timeline
        self.follow_script = follow
        self._snapshot = None
        self._unsubscribe = timeline.subscribe(self._on_event)
        self.timeline_replaced.emit(timeline)
        self.timeline_changed.emit(timeline)

    def relayout(self) -> None:
        """Throw away hand edits and lay the timeline out from the script again."""
        script = self.script or self.parse_now()
        self.set_timeline(self._layout(script), follow=True)

    def _on_event(self, event: TimelineEvent) -> None:
        self._snapshot = None
        self.timeline_changed.emit(self.timeline)

    def snapshot(self) -> Timeline | None:
        """An immutable copy for workers (renders never see a timeline mid-edit)."""
        if self.timeline is None:
            return None
        if self._snapshot is None:
            self._snapshot = self.timeline.snapshot()
        return self._snapshot

    def mark_edited(self) -> None:
        """A hand edit happened: stop following the script."""
        self.follow_script = False
        self._snapshot = None
