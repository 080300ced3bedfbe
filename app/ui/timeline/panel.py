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
from app.engine.timeline.overrides import Dropped
from app.ui.document import ScriptDocument
from app.ui.theme import TRACK_COLOURS
from app.ui.timeline.items import RULER_H, TRACK_H
from app.ui.timeline.undo import SetOverrides
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
        self.view.setMinimumHeight(RULER_H + 2 * TRACK_H)  # scrolls on a small screen
        self.headers = TrackHeaders(self.view)
        self.time_label = QLabel("00:00:00.000")
        self.time_label.setObjectName("timelineTime")
        self.timing_label = QLabel("")
        self.timing_label.setObjectName("timelineTiming")
        self.voicing_state = ""
        self.follow_label = QLabel("")
        self.follow_label.setObjectName("timelineFollow")
        top = QHBoxLayout()
        top.addWidget(self.time_label)
        top.addSpacing(12)
        top.addWidget(self.timing_label)
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
        self.view.frame_changed.connect(self.show_time)
        document.timeline_replaced.connect(self._replaced)
        document.dropped.connect(self.show_dropped)
        document.overrides_changed.connect(lambda _o: self.show_follow())
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
        self.view.estimated_lines = self.document.estimated_lines()
        self.view.rebuild()
        self.headers.update()
        self.show_follow()
        self.show_timing()

    def show_follow(self) -> None:
        """Say whether the timeline is the script's layout or carries hand edits."""
        edits = self.document.overrides.edits()
        self.follow_label.setText(
            "following the script"
            if edits == 0
            else f"following the script with {edits} hand edit{'s' if edits != 1 else ''} "
            "(Timeline › Re-layout from Script clears them)"
        )

    def show_timing(self, voicing: str | None = None) -> None:
        """Say whether the lengths shown are the voices' own or the parser's estimates."""
        if voicing is not None:
            self.voicing_state = voicing
        tl = self.timeline
        if tl is None:
            self.timing_label.setText("")
            return
        length = format_timestamp(frames_to_ms(tl.duration, tl.fps), sep=".")
        estimated = len(self.view.estimated_lines)
        if estimated:
            lines = f"{estimated} line{'s' if estimated != 1 else ''}"
            text = f"≈ {length}, estimated: {lines} {self.voicing_state or 'not voiced yet'}"
            self.timing_label.setStyleSheet("color: #e6c15a")
        else:
            text = f"{length}, timed by the voices"
            self.timing_label.setStyleSheet("color: #8fd18f")
        self.timing_label.setText(text)
        self.timing_label.setToolTip(
            "Hatched clips use the parser's estimate until their voice is spoken"
            if estimated
            else "Every line is timed by its synthesized voice"
        )

    def show_dropped(self, dropped: list[Dropped]) -> None:
        if dropped:
            more = f" (and {len(dropped) - 1} more)" if len(dropped) > 1 else ""
            self.message.emit(dropped[0].message + more)

    def show_time(self, frame: int) -> None:
        """Show ``frame`` as a timestamp beside the playhead (the preview moves it too)."""
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
        before = self.document.overrides
        try:
            after = self.document.edited(command)
        except InvalidEdit as exc:
            self.message.emit(str(exc))
            self.view.rebuild()
            return False
        self.undo_stack.push(SetOverrides(self.document, before, after, command.text))
        self.edited.emit()
        return True

    def relayout(self) -> None:
        """Clear every hand edit (one undoable step): the timeline is the script's layout."""
        if self.document.follow_script:
            self.message.emit("The timeline already follows the script: there is nothing to clear")
            return
        self.undo_stack.push(
            SetOverrides(
                self.document,
                self.document.overrides,
                self.document.cleared(),
                "Re-layout from script",
            )
        )

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
