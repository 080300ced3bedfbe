"""The media bin's table: one row per file, a thumbnail beside its name, and drag data.

A drag carries the file as a URL (so the script editor's drop copies it into the
project and writes its ``![caption](path)`` line, as for a file from the desktop) and
as :data:`MIME_TYPE` JSON with what the timeline needs to place a clip.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QMimeData,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    QUrl,
)
from PySide6.QtGui import QColor, QIcon

from app.engine.model.time import format_timestamp
from app.engine.store.cleanup import format_bytes
from app.engine.visuals.media_bin import BinItem

MIME_TYPE = "application/x-castline-media"
COLUMNS = ("Name", "Kind", "Duration", "Size", "Provider", "Cost", "Line")
ORIGIN_LABEL = {"media": "your media", "voice": "voice", "visual": "visual"}
ItemRole = Qt.ItemDataRole.UserRole + 1

Index = QModelIndex | QPersistentModelIndex


def describe(item: BinItem) -> str:
    """The tooltip: what the file is, where it came from and what it cost."""
    lines = [f"<b>{_html(item.name)}</b>", f"{ORIGIN_LABEL[item.origin]} · {item.kind}"]
    if item.prompt:
        lines.append(f"prompt: {_html(item.prompt)}")
    if item.prompt_sent and item.prompt_sent != item.prompt:
        lines.append(f"sent: {_html(item.prompt_sent)}")
    for key in ("model", "seed", "attribution", "request_id"):
        value = item.provenance.get(key)
        if value not in (None, ""):
            lines.append(f"{key}: {_html(str(value))}")
    state = [s for s, on in (("chosen", item.chosen), ("locked", item.locked)) if on]
    if item.candidate:
        state.append("candidate")
    if state:
        lines.append(", ".join(state))
    lines.append(f"{item.path}")
    return "<br>".join(lines)


def summarise(item: BinItem) -> str:
    """Two short lines under the table: the item, and where it came from at what cost."""
    where = [ORIGIN_LABEL[item.origin], item.provider]
    if item.prompt_sent and item.prompt_sent != item.prompt:
        where.append(f"sent “{_html(item.prompt_sent[:80])}”")
    where.append("free" if item.cost_usd == 0 else f"${item.cost_usd:.3f}")
    where += [s for s, on in (("chosen", item.chosen), ("locked", item.locked)) if on]
    title = _html(item.prompt[:120] if item.prompt else item.name)
    return f"<b>{title}</b><br>{' · '.join(w for w in where if w)}"


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class MediaBinModel(QAbstractTableModel):
    """The bin's items, with thumbnails (set as they arrive) and drag links."""

    def __init__(self) -> None:
        super().__init__()
        self.items: list[BinItem] = []
        self.thumbs: dict[str, QIcon] = {}
        self.links: dict[str, Path] = {}

    def set_items(self, items: list[BinItem]) -> None:
        self.beginResetModel()
        self.items = list(items)
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.items)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        item = self.items[index.row()]
        column = COLUMNS[index.column()]
        if role == ItemRole:
            return item
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(item, column)
        if role == Qt.ItemDataRole.DecorationRole and column == "Name":
            return self.thumbs.get(item.key)
        if role == Qt.ItemDataRole.ToolTipRole:
            return describe(item)
        if role == Qt.ItemDataRole.ForegroundRole and item.candidate:
            return QColor(150, 154, 162)
        if role == Qt.ItemDataRole.TextAlignmentRole and column in ("Duration", "Size", "Cost"):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    @staticmethod
    def _text(item: BinItem, column: str) -> str:
        if column == "Name":
            mark = "🔒 " if item.locked else "★ " if item.chosen else ""
            return f"{mark}{item.name}"
        if column == "Kind":
            size = f" {item.width}×{item.height}" if item.width and item.height else ""
            return f"{ORIGIN_LABEL[item.origin]} · {item.kind}{size}"
        if column == "Duration":
            return (
                format_timestamp(item.duration_ms, sep=".", hours=False) if item.duration_ms else ""
            )
        if column == "Size":
            return format_bytes(item.size)
        if column == "Provider":
            return f"{item.provider} {item.model}".strip() if item.model else item.provider
        if column == "Cost":
            return "free" if item.cost_usd == 0 else f"${item.cost_usd:.3f}"
        if column == "Line":
            return str(item.line) if item.line else ""
        return ""

    def flags(self, index: Index) -> Qt.ItemFlag:
        base = super().flags(index)
        return base | Qt.ItemFlag.ItemIsDragEnabled if index.isValid() else base

    def mimeTypes(self) -> list[str]:
        return ["text/uri-list", MIME_TYPE]

    def supportedDragActions(self) -> Qt.DropAction:
        return Qt.DropAction.CopyAction

    def mimeData(self, indexes: Any) -> QMimeData:
        rows = sorted({i.row() for i in indexes if i.isValid()})
        return mime_for([self.items[r] for r in rows], self.links)


def mime_for(items: list[BinItem], links: dict[str, Path]) -> QMimeData:
    """Drag data for ``items``: file URLs under readable names, and the bin's JSON."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(links.get(i.key, i.path))) for i in items])
    payload = [
        {
            "path": str(i.path),
            "kind": i.kind,
            "duration_ms": i.duration_ms,
            "name": i.name,
            "line": i.line,
        }
        for i in items
    ]
    mime.setData(MIME_TYPE, json.dumps(payload).encode("utf-8"))
    return mime


class BinFilter(QSortFilterProxyModel):
    """Rows whose name, prompt or tags hold every word typed, of the origin chosen."""

    def __init__(self) -> None:
        super().__init__()
        self.query = ""
        self.origin = ""

    def set_query(self, query: str) -> None:
        self._refilter(lambda: setattr(self, "query", query))

    def set_origin(self, origin: str) -> None:
        self._refilter(lambda: setattr(self, "origin", origin))

    def _refilter(self, change: Callable[[], None]) -> None:
        if hasattr(self, "beginFilterChange"):  # Qt 6.9 and later
            self.beginFilterChange()
            change()
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:
            change()
            self.invalidateRowsFilter()

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:
        model = self.sourceModel()
        assert isinstance(model, MediaBinModel)
        item = model.items[source_row]
        if self.origin and item.origin != self.origin:
            return False
        return item.matches(self.query)
