"""The timeline panel: track names, the canvas, and the edits it proposes on an undo stack."""

from __future__ import annotations

from uuid import UUID

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QUndoStack
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from app.engine.model.time import format_timestamp, frames_to_ms
from app.engine.timeline import Timeline
from app.engine.timeline.commands import (
    Command,
    DeleteClip,
    InvalidEdit,
    MoveClip,
    RippleDelete,
    SplitClip,
    TrimClip,
)
from app.ui.document import ScriptDocument
from app.ui.theme import TRACK_COLOURS
from app.ui.timeline.items import RULER_H, TRACK_H
from app.ui.timeline.undo import EngineCommand
from app.ui.timeline.view import TimelineView

HEADER_W = 110


class TrackHeaders(QWidget):
    """Track names beside their rows, following the canvas' vertical scroll."""

    def __init__(self, view: TimelineView) -> None:
        super().__init__()
        self.view = view
        self.setFixedWidth(HEADER_W)
        view.verticalScrollBar().valueChanged.connect(lambda _v: self.update())

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), QColor(40, 41, 46))
        offset = self.view.verticalScrollBar().value()
        for row, track in enumerate(self.view.rows):
            y = RULER_H + row * TRACK_H - offset + self.view.frameWidth()
            p.fillRect(4, y + 4, 4, TRACK_H - 8, TRACK_COLOURS.get(track.kind, QColor(90, 90, 90)))
            p.setPen(QColor(215, 217, 222))
            p.drawText(
                14,
                y,
                HEADER_W - 16,
                TRACK_H,
                Qt.AlignmentFlag.AlignVCenter,
                track.name or track.kind,
            )
        p.end()


class TimelinePanel(QWidget):
    """Pushes the view's edits (and split/delete/ripple) as engine commands on ``undo_stack``."""

    message = Signal(str)
    edited = Signal()

    def __init__(
        self, document: ScriptDocument, undo_stack: QUndoStack, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("timeline")
        self.document = document
        self.undo_stack = undo_stack
        self.view = TimelineView()
        self.view.setMinimumHeight(RULER_H + 6 * TRACK_H + 20)  # every usual track, no scrolling
        self.headers = TrackHeaders(self.view)
        self.time_label = QLabel("00:00:00.000")
        self.time_label.setObjectName("timelineTime")
        self.follow_label = QLabel("")
        top = QHBoxLayout()
        top.addWidget(self.time_label)
        top.addStretch(1)
        top.addWidget(self.follow_label)
        row = QHBoxLayout()
        row.setSpacing(0)
        row.addWidget(self.headers)
        row.addWidget(self.view, 1)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(2, 2, 2, 2)
        lay.addLayout(top)
        lay.addLayout(row, 1)
        self.view.edit_requested.connect(self.push)
        self.view.frame_changed.connect(self._show_time)
        document.timeline_replaced.connect(self._replaced)
        self._refresh = QTimer(self)
        self._refresh.setSingleShot(True)
        self._refresh.setInterval(0)
        self._refresh.timeout.connect(self._changed)
        document.timeline_changed.connect(lambda _t: self._refresh.start())

    @property
    def timeline(self) -> Timeline | None:
        return self.document.timeline

    def _replaced(self, timeline: Timeline) -> None:
        self.undo_stack.clear()
        self.view.set_timeline(timeline)
        self.view.zoom_fit()
        self._changed()

    def _changed(self) -> None:
        self.view.rebuild()
        self.headers.update()
        self.follow_label.setText(
            "following the script"
            if self.document.follow_script
            else "edited by hand: Timeline › Re-layout from script to refresh"
        )

    def _show_time(self, frame: int) -> None:
        if self.timeline is not None:
            self.time_label.setText(
                format_timestamp(frames_to_ms(frame, self.timeline.fps), sep=".")
            )

    # -- edits -----------------------------------------------------------------------
    def push(self, command: Command) -> bool:
        """Apply ``command`` through the undo stack; False (with a message) when invalid."""
        tl = self.timeline
        if tl is None:
            return False
        problems = command.problems(tl)
        if problems:
            self.message.emit(f"{command.text}: {problems[0]}")
            self.view.rebuild()
            return False
        self.document.mark_edited()
        try:
            self.undo_stack.push(EngineCommand(tl, command))
        except InvalidEdit as exc:
            self.message.emit(str(exc))
            return False
        self.edited.emit()
        return True

    def selected_clip(self) -> UUID | None:
        return self.view.selected

    def split_at_playhead(self) -> None:
        tl = self.timeline
        if tl is None:
            return
        frame = self.view.playhead_frame
        target = self.selected_clip()
        if target is None:
            hits = [c for _t, c in tl.clips_at(frame) if c.start < frame]
            target = hits[-1].id if hits else None
        if target is None:
            self.message.emit("Split: no clip under the playhead")
            return
        self.push(SplitClip(target, frame))

    def select_at_playhead(self) -> None:
        """Select a clip under the playhead; pressing again cycles through the tracks."""
        frame = self.view.playhead_frame
        hits = [
            i.clip_id
            for i in sorted(self.view.clip_items.values(), key=lambda i: i.row)
            if i.clip.start <= frame < i.clip.end
        ]
        if not hits:
            self.message.emit("No clip under the playhead")
            return
        current = self.selected_clip()
        nxt = hits[(hits.index(current) + 1) % len(hits)] if current in hits else hits[0]
        self.view.select(nxt)

    def step_selection(self, step: int) -> None:
        """Select the next (+1) or previous (-1) clip on the selected clip's track."""
        clip_id, tl = self.selected_clip(), self.timeline
        if clip_id is None or tl is None:
            self.select_at_playhead()
            return
        found = tl.find(clip_id)
        if found is None:
            return
        track, clip = found
        i = track.clips.index(clip) + step
        if 0 <= i < len(track.clips):
            target = track.clips[i]
            self.view.select(target.id)
            self.view.set_playhead(target.start, emit=True)

    def nudge(self, frames: int) -> None:
        clip_id, tl = self.selected_clip(), self.timeline
        if clip_id is None or tl is None or (found := tl.find(clip_id)) is None:
            self.message.emit("Select a clip first")
            return
        self.push(MoveClip(clip_id, max(0, found[1].start + frames)))

    def trim_to_playhead(self, side: str) -> None:
        clip_id = self.selected_clip()
        if clip_id is None:
            self.message.emit("Select a clip first")
            return
        self.push(
            TrimClip(clip_id, "start" if side == "start" else "end", self.view.playhead_frame)
        )

    def delete_selected(self, *, ripple: bool = False) -> None:
        clip_id = self.selected_clip()
        if clip_id is None:
            self.message.emit("Select a clip first")
            return
        self.push(RippleDelete(clip_id) if ripple else DeleteClip(clip_id))
