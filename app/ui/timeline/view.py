"""The timeline canvas: zoom, scroll, snapping, drag to move, trim handles and a scrubbing playhead.

The view proposes edits as engine commands (``edit_requested``); it never changes the
timeline itself. During a drag it only moves the item and asks the command's pure
``is_valid`` so an impossible position shows red; the command is pushed once, on release,
so a whole drag is one undo step.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal
from uuid import UUID

from PySide6.QtCore import QPointF, QRect, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPen, QWheelEvent
from PySide6.QtWidgets import QGraphicsScene, QGraphicsView, QWidget

from app.engine.model.time import frames_to_ms
from app.engine.timeline import Timeline, Track
from app.engine.timeline.commands import Command, MoveClip, TrimClip
from app.ui.timeline.items import HANDLE_PX, RULER_H, TRACK_H, ClipItem, PlayheadItem
from app.ui.timeline.media import ClipMedia

SNAP_PX = 8
AUDIO_KINDS = ("voice", "music")
TIMED_BY_VOICE = ("voice", "caption", "words")
"""Tracks whose clips take their length from a spoken line (hatched while estimated)."""


def display_order(tracks: list[Track]) -> list[Track]:
    """Picture tracks top-down (highest layer first), then the sound tracks."""
    pictures = [t for t in tracks if t.kind not in AUDIO_KINDS]
    sounds = [t for t in tracks if t.kind in AUDIO_KINDS]
    return [*reversed(pictures), *sounds]


@dataclass
class _Drag:
    mode: Literal["move", "start", "end", "scrub"]
    item: ClipItem | None = None
    press_x: float = 0.0
    orig_start: int = 0
    orig_end: int = 0
    frame: int = 0
    track_id: UUID | None = None
    moved: bool = False


class TimelineView(QGraphicsView):
    frame_changed = Signal(int)
    edit_requested = Signal(object)
    clip_selected = Signal(object)
    """The selected clip's UUID, or None."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("timelineView")
        self.setScene(QGraphicsScene(self))
        self.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.FullViewportUpdate)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.timeline: Timeline | None = None
        self.rows: list[Track] = []
        self.clip_items: dict[UUID, ClipItem] = {}
        self.px_per_frame = 2.0
        self.snapping = True
        self.playhead_frame = 0
        self.selected: UUID | None = None
        self.estimated_lines: set[int] = set()
        """Script lines still timed by the parser's estimate: their clips are hatched."""
        self.media = ClipMedia(self)
        self.media.ready.connect(self._attach_media)
        self.playhead = PlayheadItem()
        self.scene().addItem(self.playhead)
        self._drag: _Drag | None = None
        self.fit_pending = True

    # -- geometry --------------------------------------------------------------------
    def x_for(self, frame: int) -> float:
        return frame * self.px_per_frame

    def frame_at(self, x: float) -> int:
        return max(0, round(x / self.px_per_frame))

    def row_y(self, row: int) -> float:
        return RULER_H + row * TRACK_H

    def row_at(self, y: float) -> int | None:
        row = int((y - RULER_H) // TRACK_H)
        return row if 0 <= row < len(self.rows) and y >= RULER_H else None

    # -- model -----------------------------------------------------------------------
    def set_timeline(self, timeline: Timeline | None) -> None:
        self.timeline = timeline
        self.rebuild()

    def rebuild(self) -> None:
        """Recreate the clip items from the timeline (a few hundred items at most)."""
        scene = self.scene()
        for item in self.clip_items.values():
            scene.removeItem(item)
        self.clip_items.clear()
        tl = self.timeline
        self.rows = display_order(tl.tracks) if tl else []
        if tl is not None:
            for row, track in enumerate(self.rows):
                for clip in track.clips:
                    item = ClipItem(clip, track.id, track.kind, row)
                    item.set_estimated(
                        track.kind in TIMED_BY_VOICE and clip.script_line in self.estimated_lines
                    )
                    scene.addItem(item)
                    self.clip_items[clip.id] = item
                    if clip.id == self.selected:
                        item.setSelected(True)
        if self.selected not in self.clip_items:
            self.selected = None
        self._layout()
        self._attach_media()

    def _layout(self) -> None:
        fps = float(self.timeline.fps) if self.timeline else 30.0
        for item in self.clip_items.values():
            item.fps = fps
            item.frames_per_px = 1.0 / self.px_per_frame
            c = item.clip
            item.setRect(
                QRectF(
                    self.x_for(c.start),
                    self.row_y(item.row) + 2,
                    max(2.0, c.length * self.px_per_frame),
                    TRACK_H - 4,
                )
            )
        duration = self.timeline.duration if self.timeline else 0
        width = max(self.viewport().width(), self.x_for(duration) + 200)
        height = RULER_H + max(1, len(self.rows)) * TRACK_H
        self.scene().setSceneRect(QRectF(0, 0, width, height))
        self.playhead.height = height
        self.playhead.prepareGeometryChange()
        self.playhead.setPos(self.x_for(self.playhead_frame), 0)
        self.viewport().update()

    def _attach_media(self) -> None:
        tl = self.timeline
        if tl is None:
            return
        for item in self.clip_items.values():
            src = item.clip.source
            if item.kind in AUDIO_KINDS:
                item.peaks = self.media.waveform(
                    getattr(src, "audio_path", None) or getattr(src, "path", None)
                )
            elif item.kind in ("visual", "overlay", "terminal"):
                found = tl.find(item.clip_id)
                if found is not None:
                    item.thumbnail = self.media.thumbnail(tl, found[0], found[1])
            item.update()

    # -- zoom and playhead -----------------------------------------------------------
    def zoom_by(self, factor: float, anchor_x: float | None = None) -> None:
        frame = self.frame_at(anchor_x) if anchor_x is not None else self.playhead_frame
        before = self.mapFromScene(QPointF(self.x_for(frame), 0)).x()
        self.px_per_frame = min(40.0, max(0.02, self.px_per_frame * factor))
        self._layout()
        bar = self.horizontalScrollBar()
        bar.setValue(int(self.x_for(frame) - before))

    def zoom_fit(self) -> None:
        self.fit_pending = self.viewport().width() <= 200
        if self.timeline and self.timeline.duration:
            self.px_per_frame = max(0.02, (self.viewport().width() - 20) / self.timeline.duration)
            self._layout()

    def set_playhead(self, frame: int, *, emit: bool = False) -> None:
        limit = self.timeline.duration if self.timeline else 0
        frame = max(0, min(frame, max(0, limit - 1)))
        self.playhead_frame = frame
        self.playhead.setPos(self.x_for(frame), 0)
        self.ensureVisible(QRectF(self.x_for(frame) - 20, 0, 40, 1), 40, 0)
        if emit:
            self.frame_changed.emit(frame)

    # -- snapping --------------------------------------------------------------------
    def snap_targets(self, ignore: UUID | None) -> list[int]:
        targets = [self.playhead_frame, 0]
        for cid, item in self.clip_items.items():
            if cid != ignore:
                targets += [item.clip.start, item.clip.end]
        return targets

    def snap(self, frames: list[int], ignore: UUID | None) -> int:
        """The shift (in frames) that puts the nearest of ``frames`` on a snap target, or 0."""
        if not self.snapping:
            return 0
        best: int | None = None
        limit = SNAP_PX / self.px_per_frame
        for t in self.snap_targets(ignore):
            for f in frames:
                d = t - f
                if abs(d) <= limit and (best is None or abs(d) < abs(best)):
                    best = d
        return best or 0

    # -- mouse -----------------------------------------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton or self.timeline is None:
            super().mousePressEvent(event)
            return
        pos = self.mapToScene(event.position().toPoint())
        if pos.y() < RULER_H:
            self._drag = _Drag("scrub")
            self.set_playhead(self.frame_at(pos.x()), emit=True)
            return
        item = next((i for i in self.scene().items(pos) if isinstance(i, ClipItem)), None)
        self.select(item.clip_id if item else None)
        if item is None:
            return
        r = item.rect()
        mode: Literal["move", "start", "end"] = "move"
        if pos.x() - r.left() <= HANDLE_PX and r.width() > 3 * HANDLE_PX:
            mode = "start"
        elif r.right() - pos.x() <= HANDLE_PX and r.width() > 3 * HANDLE_PX:
            mode = "end"
        c = item.clip
        self._drag = _Drag(mode, item, pos.x(), c.start, c.end, c.start, item.track_id)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        pos = self.mapToScene(event.position().toPoint())
        d = self._drag
        if d is None:
            self._hover_cursor(pos)
            super().mouseMoveEvent(event)
            return
        if d.mode == "scrub":
            self.set_playhead(self.frame_at(pos.x()), emit=True)
            return
        assert d.item is not None and self.timeline is not None
        delta = round((pos.x() - d.press_x) / self.px_per_frame)
        item, cid = d.item, d.item.clip_id
        d.moved = d.moved or delta != 0
        if d.mode == "move":
            start = max(0, d.orig_start + delta)
            start += self.snap([start, start + (d.orig_end - d.orig_start)], cid)
            d.frame = max(0, start)
            row = self.row_at(pos.y())
            if row is not None and self.rows[row].kind == item.kind:
                d.track_id = self.rows[row].id
                item.row = row
            item.setRect(
                QRectF(
                    self.x_for(d.frame), self.row_y(item.row) + 2, item.rect().width(), TRACK_H - 4
                )
            )
        else:
            edge = d.orig_start if d.mode == "start" else d.orig_end
            frame = max(0, edge + delta)
            frame += self.snap([frame], cid)
            d.frame = frame
            left = frame if d.mode == "start" else d.orig_start
            right = d.orig_end if d.mode == "start" else frame
            item.setRect(
                QRectF(
                    self.x_for(left),
                    item.rect().top(),
                    max(2.0, self.x_for(right) - self.x_for(left)),
                    item.rect().height(),
                )
            )
        cmd = self.pending_command()
        item.invalid = cmd is not None and not cmd.is_valid(self.timeline)
        item.update()

    def pending_command(self) -> Command | None:
        """The edit the current drag would make (None while nothing has moved)."""
        d = self._drag
        if d is None or d.item is None or not d.moved:
            return None
        cid = d.item.clip_id
        if d.mode == "move":
            if d.frame == d.orig_start and d.track_id == d.item.track_id:
                return None
            return MoveClip(cid, d.frame, d.track_id if d.track_id != d.item.track_id else None)
        if d.mode in ("start", "end"):
            return TrimClip(cid, d.mode, d.frame)
        return None

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        d = self._drag
        cmd = self.pending_command()
        self._drag = None
        if d is None or d.mode == "scrub":
            super().mouseReleaseEvent(event)
            return
        if cmd is not None and self.timeline is not None and cmd.is_valid(self.timeline):
            self.edit_requested.emit(cmd)
        else:
            self.rebuild()

    def _hover_cursor(self, pos: QPointF) -> None:
        item = next((i for i in self.scene().items(pos) if isinstance(i, ClipItem)), None)
        shape = Qt.CursorShape.ArrowCursor
        if item is not None:
            r = item.rect()
            near = pos.x() - r.left() <= HANDLE_PX or r.right() - pos.x() <= HANDLE_PX
            shape = (
                Qt.CursorShape.SizeHorCursor
                if near and r.width() > 3 * HANDLE_PX
                else Qt.CursorShape.OpenHandCursor
            )
        self.viewport().setCursor(shape)

    def select(self, clip_id: UUID | None) -> None:
        self.selected = clip_id
        for cid, item in self.clip_items.items():
            item.setSelected(cid == clip_id)
        self.clip_selected.emit(clip_id)

    def wheelEvent(self, event: QWheelEvent) -> None:
        steps = event.angleDelta().y() / 120
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            x = self.mapToScene(event.position().toPoint()).x()
            self.zoom_by(1.25**steps, anchor_x=x)
        else:
            bar = self.horizontalScrollBar()
            bar.setValue(int(bar.value() - steps * 80))
        event.accept()

    def resizeEvent(self, event: object) -> None:
        super().resizeEvent(event)  # type: ignore[arg-type]
        if self.fit_pending and self.timeline is not None and self.viewport().width() > 200:
            self.fit_pending = False
            self.zoom_fit()
        self._layout()

    # -- painting --------------------------------------------------------------------
    def drawBackground(self, painter: QPainter, area: QRectF | QRect) -> None:
        rect = QRectF(area)
        painter.fillRect(rect, QColor(30, 31, 35))
        for row in range(len(self.rows)):
            y = self.row_y(row)
            shade = QColor(36, 37, 42) if row % 2 else QColor(33, 34, 38)
            painter.fillRect(QRectF(rect.left(), y, rect.width(), TRACK_H), shade)
        painter.fillRect(QRectF(rect.left(), 0, rect.width(), RULER_H), QColor(45, 47, 52))
        if self.timeline is None:
            return
        fps = self.timeline.fps
        # A labelled tick every 1, 2, 5, 10, 30 or 60 seconds, whichever is at least 70 px apart.
        step_s = next(
            (
                s
                for s in (1, 2, 5, 10, 30, 60, 120, 300)
                if s * float(fps) * self.px_per_frame >= 70
            ),
            600,
        )
        first = int(self.frame_at(rect.left()) / fps / step_s) * step_s
        painter.setPen(QPen(QColor(150, 153, 160)))
        s = first
        while True:
            frame = round(s * fps)
            x = self.x_for(frame)
            if x > rect.right():
                break
            painter.drawLine(QPointF(x, RULER_H - 8), QPointF(x, RULER_H))
            ms = frames_to_ms(frame, fps)
            painter.drawText(QPointF(x + 3, RULER_H - 10), f"{ms // 60000}:{ms // 1000 % 60:02d}")
            s += step_s
