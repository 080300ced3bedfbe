"""The studio's icons, drawn with QPainter from vector paths.

No icon font and no glyph that a system font may lack: every icon is a path in a
24x24 box, filled in the palette's text colour, rendered at the sizes Qt asks for
(crisp on high-density screens too).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QPointF, QRect, QRectF, QSize, Qt
from PySide6.QtGui import (
    QColor,
    QIcon,
    QIconEngine,
    QPainter,
    QPainterPath,
    QPalette,
    QPixmap,
)
from PySide6.QtWidgets import QApplication

Shape = Callable[[], QPainterPath]


def _poly(*points: tuple[float, float]) -> QPainterPath:
    path = QPainterPath()
    path.moveTo(*points[0])
    for p in points[1:]:
        path.lineTo(*p)
    path.closeSubpath()
    return path


def _rect(x: float, y: float, w: float, h: float) -> QPainterPath:
    path = QPainterPath()
    path.addRoundedRect(QRectF(x, y, w, h), 1.0, 1.0)
    return path


def _union(*paths: QPainterPath) -> QPainterPath:
    out = QPainterPath()
    for p in paths:
        out = out.united(p)
    return out


def _frame(corner_len: float, inward: bool) -> QPainterPath:
    """Four corner brackets: outward for "full screen", inward for "leave full screen"."""
    t, lo, hi = 2.2, 3.0, 21.0
    out = QPainterPath()
    for cx, cy, sx, sy in ((lo, lo, 1, 1), (hi, lo, -1, 1), (lo, hi, 1, -1), (hi, hi, -1, -1)):
        if inward:
            cx, cy = cx + sx * corner_len, cy + sy * corner_len
            sx, sy = -sx, -sy
        horiz = QRectF(min(cx, cx + sx * corner_len), cy - t / 2, corner_len, t)
        vert = QRectF(cx - t / 2, min(cy, cy + sy * corner_len), t, corner_len)
        out = out.united(_path_of(horiz)).united(_path_of(vert))
    return out


def _path_of(rect: QRectF) -> QPainterPath:
    path = QPainterPath()
    path.addRect(rect)
    return path


SHAPES: dict[str, Shape] = {
    "play": lambda: _poly((7, 4), (20, 12), (7, 20)),
    "pause": lambda: _union(_rect(6, 4, 4.5, 16), _rect(13.5, 4, 4.5, 16)),
    "to-start": lambda: _union(_rect(4, 5, 2.5, 14), _poly((20, 5), (8, 12), (20, 19))),
    "to-end": lambda: _union(_poly((4, 5), (16, 12), (4, 19)), _rect(17.5, 5, 2.5, 14)),
    "frame-back": lambda: _union(_poly((15, 5), (6, 12), (15, 19)), _rect(17, 5, 2.5, 14)),
    "frame-forward": lambda: _union(_rect(4.5, 5, 2.5, 14), _poly((9, 5), (18, 12), (9, 19))),
    "enlarge": lambda: _union(
        _poly((3, 3), (10, 3), (3, 10)),
        _poly((21, 21), (14, 21), (21, 14)),
        _poly((5, 7), (7, 5), (19, 17), (17, 19)),
    ),
    "full-screen": lambda: _frame(7.0, inward=False),
    "leave-full-screen": lambda: _frame(6.0, inward=True),
    "new": lambda: _union(_rect(10.75, 4, 2.5, 16), _rect(4, 10.75, 16, 2.5)),
    "open": lambda: _union(
        _poly((3, 6), (9, 6), (11, 8), (21, 8), (21, 19), (3, 19)),
    ),
    "template": lambda: _union(
        _rect(4, 3, 16, 3), _rect(4, 9, 10, 2.5), _rect(4, 14, 13, 2.5), _rect(4, 19, 8, 2.5)
    ),
    "example": lambda: _rect(3, 5, 18, 14).subtracted(_poly((10, 8.5), (15.5, 12), (10, 15.5))),
}
"""Icon name to its path in a 24x24 box."""


def render(name: str, size: int, colour: QColor, ratio: float = 1.0) -> QPixmap:
    """``name`` drawn ``size`` px square (device pixels: ``size * ratio``)."""
    px = max(1, round(size * ratio))
    pixmap = QPixmap(px, px)
    pixmap.fill(Qt.GlobalColor.transparent)
    p = QPainter(pixmap)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.scale(px / 24.0, px / 24.0)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(colour)
    p.drawPath(SHAPES[name]())
    p.end()
    pixmap.setDevicePixelRatio(ratio)
    return pixmap


class _PathEngine(QIconEngine):
    """Draws the path at whatever size and state a widget needs."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name

    def _colour(self, mode: QIcon.Mode) -> QColor:
        app = QApplication.instance()
        palette = app.palette() if isinstance(app, QApplication) else QPalette()
        group = (
            QPalette.ColorGroup.Disabled
            if mode == QIcon.Mode.Disabled
            else QPalette.ColorGroup.Active
        )
        return palette.color(group, QPalette.ColorRole.ButtonText)

    def paint(self, painter: QPainter, rect: QRect, mode: QIcon.Mode, state: QIcon.State) -> None:
        side = min(rect.width(), rect.height())
        pixmap = render(self.name, side, self._colour(mode), painter.device().devicePixelRatioF())
        painter.drawPixmap(QPointF(rect.x(), rect.y()), pixmap)

    def pixmap(self, size: QSize, mode: QIcon.Mode, state: QIcon.State) -> QPixmap:
        return render(self.name, min(size.width(), size.height()), self._colour(mode))

    def clone(self) -> QIconEngine:
        return _PathEngine(self.name)


def icon(name: str) -> QIcon:
    """The named icon (see ``SHAPES``)."""
    if name not in SHAPES:
        raise KeyError(f"no icon called {name!r}; known: {', '.join(sorted(SHAPES))}")
    return QIcon(_PathEngine(name))
