"""The problems list: every diagnostic of the script; activating one jumps to its line."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QListWidget, QListWidgetItem, QStyle, QWidget

from app.engine.model import Diagnostic, Severity


class ProblemsPanel(QListWidget):
    """``jump_requested(line, column)`` when a problem is clicked or activated by Enter."""

    jump_requested = Signal(int, int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("problems")
        self.setWordWrap(True)
        self.itemActivated.connect(self._jump)
        self.itemClicked.connect(self._jump)

    def set_diagnostics(self, diagnostics: list[Diagnostic]) -> None:
        self.clear()
        style = self.style()
        icons = {
            Severity.ERROR: style.standardIcon(QStyle.StandardPixmap.SP_MessageBoxCritical),
            Severity.WARNING: style.standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning),
            Severity.INFO: style.standardIcon(QStyle.StandardPixmap.SP_MessageBoxInformation),
        }
        for d in sorted(diagnostics, key=lambda d: (d.line, d.column)):
            item = QListWidgetItem(icons[d.severity], f"line {d.line}: {d.message}")
            item.setData(Qt.ItemDataRole.UserRole, (d.line, d.column))
            item.setToolTip(d.format())
            self.addItem(item)

    def _jump(self, item: QListWidgetItem) -> None:
        line, column = item.data(Qt.ItemDataRole.UserRole)
        self.jump_requested.emit(int(line), int(column))
