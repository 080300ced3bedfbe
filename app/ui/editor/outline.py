"""The outline of scenes: click to jump, drag a scene to move its text in the script."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QAbstractItemView, QListWidget, QListWidgetItem, QWidget

from app.engine.model import Scene


def scene_spans(text: str, scene_lines: list[int]) -> list[tuple[int, int]]:
    """0-based ``[start, end)`` line ranges of each ``##`` scene (up to the next one or the end)."""
    total = len(text.split("\n"))
    bounds = [*scene_lines[1:], total + 1]
    return [(line - 1, nxt - 1) for line, nxt in zip(scene_lines, bounds, strict=True)]


def reorder_scenes(text: str, scene_lines: list[int], order: list[int]) -> str:
    """The script with its scenes (given by their 1-based heading lines) in ``order``.

    Everything before the first scene stays in place; each scene carries its text up to
    the next heading, and ends with one blank line so headings never run together.
    """
    if sorted(order) != list(range(len(scene_lines))) or not scene_lines:
        raise ValueError("order must be a permutation of the scenes")
    lines = text.split("\n")
    spans = scene_spans(text, scene_lines)
    head = lines[: spans[0][0]]
    pieces: list[list[str]] = []
    for start, end in spans:
        piece = lines[start:end]
        while piece and not piece[-1].strip():
            piece.pop()
        pieces.append(piece)
    out = list(head)
    for i, idx in enumerate(order):
        out.extend(pieces[idx])
        if i < len(order) - 1:
            out.append("")
    trailing = "\n" if text.endswith("\n") else ""
    return "\n".join(out).rstrip("\n") + trailing


class _SceneList(QListWidget):
    dropped = Signal()

    def dropEvent(self, event: QDropEvent) -> None:
        super().dropEvent(event)
        self.dropped.emit()


class OutlinePanel(_SceneList):
    """Lists the script's scenes with their estimated length.

    ``jump_requested(line)`` on click; ``reorder_requested(heading_lines, order)`` after a
    drag, where order lists the old positions in their new order.
    """

    jump_requested = Signal(int)
    reorder_requested = Signal(list, list)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("outline")
        self.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self._lines: list[int] = []
        self.itemActivated.connect(self._jump)
        self.itemClicked.connect(self._jump)
        self.dropped.connect(self._emit_order)

    def set_scenes(self, scenes: list[Scene]) -> None:
        self.clear()
        movable = [s for s in scenes if not s.intro]
        self._lines = [s.line for s in movable]
        for s in scenes:
            secs = s.estimated_ms / 1000
            item = QListWidgetItem(f"{s.title}    {secs:.1f}s")
            item.setData(Qt.ItemDataRole.UserRole, s.line)
            flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
            if not s.intro:
                flags |= Qt.ItemFlag.ItemIsDragEnabled
            item.setFlags(flags)
            if s.intro:
                item.setToolTip("The intro: text before the first ## scene stays first")
            self.addItem(item)

    def titles(self) -> list[str]:
        return [self.item(i).text().rsplit("    ", 1)[0] for i in range(self.count())]

    def _jump(self, item: QListWidgetItem) -> None:
        self.jump_requested.emit(int(item.data(Qt.ItemDataRole.UserRole)))

    def move_scene(self, old: int, new: int) -> None:
        """Keyboard and test path for a drag: move the movable scene at ``old`` to ``new``."""
        order = list(range(len(self._lines)))
        order.insert(new, order.pop(old))
        self.reorder_requested.emit(list(self._lines), order)

    def _emit_order(self) -> None:
        lines = [int(self.item(i).data(Qt.ItemDataRole.UserRole)) for i in range(self.count())]
        moved = [ln for ln in lines if ln in self._lines]
        order = [self._lines.index(ln) for ln in moved]
        if order != list(range(len(order))):
            self.reorder_requested.emit(list(self._lines), order)
