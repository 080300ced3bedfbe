"""Graphics items: clips (with thumbnail or waveform) and the playhead."""

from __future__ import annotations

from uuid import UUID

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QImage, QPainter, QPen
from PySide6.QtWidgets import QGraphicsItem, QGraphicsRectItem, QStyleOptionGraphicsItem, QWidget

from app.engine.timeline import Clip
from app.ui.theme import TRACK_COLOURS

TRACK_H = 42
RULER_H = 26
HANDLE_PX = 6


def clip_label(clip: Clip) -> str:
    """What a clip shows as its name: the spoken text, the prompt, the file."""
    src = clip.source
    if src.kind == "slide":
        first = src.title or (src.items[0].text if src.items else "") or src.text  # type: ignore[union-attr]
        return f"{src.variant}: {first}" if first else src.variant  # type: ignore[union-attr]
    for attr in ("text", "prompt", "path", "name", "speaker"):
        value = getattr(src, attr, None)
        if isinstance(value, str) and value:
            return value.rsplit("/", 1)[-1] if attr == "path" else value
    beat = getattr(src, "beat", None)
    if beat is not None:
        cmds = getattr(beat, "commands", None)
        return f"$ {cmds[0]}" if cmds else getattr(beat, "language", src.kind)
    return src.kind


class ClipItem(QGraphicsRectItem):
    """One clip. Its geometry is set by the view; it only paints itself."""

    def __init__(self, clip: Clip, track_id: UUID, kind: str, row: int) -> None:
        super().__init__()
        self.clip = clip
        self.track_id = track_id
        self.kind = kind
        self.row = row
        self.thumbnail: QImage | None = None
        self.peaks: np.ndarray | None = None
        self.invalid = False
        self.estimated = False
        """Timed by the parser's estimate, not a spoken voice yet: drawn hatched."""
        self.frames_per_px = 1.0
        self.fps = 30.0
        self.loops = bool(getattr(clip.source, "loop", False))
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable, True)
        self.setAcceptHoverEvents(True)
        self.setToolTip(
            f"{clip.source.kind}: {clip_label(clip)}\nframes {clip.start}–{clip.end - 1}"
        )

    def set_estimated(self, estimated: bool) -> None:
        self.estimated = estimated
        if estimated:
            self.setToolTip(
                self.toolTip() + "\nestimated timing: the voice has not been spoken yet"
            )

    @property
    def clip_id(self) -> UUID:
        return self.clip.id

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        r = self.rect()
        base = QColor(TRACK_COLOURS.get(self.kind, QColor(90, 90, 90)))
        if self.invalid:
            base = QColor(170, 50, 50)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QBrush(base.darker(130)))
        painter.drawRoundedRect(r, 4, 4)
        inner = r.adjusted(1, 14, -1, -1)
        if self.thumbnail is not None and inner.width() > 8:
            img = self.thumbnail.scaledToHeight(
                int(inner.height()), Qt.TransformationMode.SmoothTransformation
            )
            x = inner.left()
            painter.save()
            painter.setClipRect(inner)
            while x < inner.right():
                painter.drawImage(QPointF(x, inner.top()), img)
                x += img.width() + 40
            painter.restore()
        if self.peaks is not None and inner.width() > 2:
            self._paint_waveform(painter, inner, base)
        if self.estimated:
            painter.setBrush(QBrush(QColor(255, 255, 255, 70), Qt.BrushStyle.BDiagPattern))
            painter.drawRoundedRect(r, 4, 4)
        selected = self.isSelected()
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setPen(
            QPen(QColor(255, 210, 80) if selected else base.lighter(140), 2 if selected else 1)
        )
        painter.drawRoundedRect(r.adjusted(0.5, 0.5, -0.5, -0.5), 4, 4)
        painter.setPen(QColor(235, 235, 240))
        painter.drawText(
            r.adjusted(5, 1, -4, 0),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop,
            clip_label(self.clip),
        )
        if selected:
            painter.fillRect(
                QRectF(r.left(), r.top(), HANDLE_PX, r.height()), QColor(255, 210, 80, 120)
            )
            painter.fillRect(
                QRectF(r.right() - HANDLE_PX, r.top(), HANDLE_PX, r.height()),
                QColor(255, 210, 80, 120),
            )

    def _paint_waveform(self, painter: QPainter, area: QRectF, base: QColor) -> None:
        """Each pixel shows the loudest moment of the source audio under it."""
        from app.ui.timeline.media import PEAKS_PER_SECOND

        assert self.peaks is not None
        peaks = self.peaks
        n = len(peaks)
        painter.setPen(QPen(base.lighter(170), 1))
        mid = area.center().y()
        half = area.height() / 2
        per_px = self.frames_per_px / self.fps * PEAKS_PER_SECOND
        first = self.clip.source_in / self.fps * PEAKS_PER_SECOND
        for i in range(max(1, int(area.width()))):
            a = int(first + i * per_px)
            b = max(a + 1, int(first + (i + 1) * per_px))
            if self.loops:
                a, b = a % n, (a % n) + (b - a)
            if a >= n:
                break
            v = float(peaks[a : min(b, n)].max())
            x = area.left() + i
            painter.drawLine(QPointF(x, mid - v * half), QPointF(x, mid + v * half))


class PlayheadItem(QGraphicsItem):
    """A red line across the tracks with a handle in the ruler."""

    def __init__(self) -> None:
        super().__init__()
        self.height = RULER_H + TRACK_H
        self.setZValue(100)

    def boundingRect(self) -> QRectF:
        return QRectF(-6, 0, 12, self.height)

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        painter.setPen(QPen(QColor(240, 70, 70), 1.5))
        painter.drawLine(QPointF(0, 0), QPointF(0, self.height))
        painter.setBrush(QColor(240, 70, 70))
        painter.drawPolygon([QPointF(-6, 0), QPointF(6, 0), QPointF(0, 9)])
