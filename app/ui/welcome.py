"""The welcome page: where a session starts when no script was given.

New project, a template, an existing script, a recent project (or a draft never saved)
or the bundled example, each one click away.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from app.engine import paths
from app.ui.icons import icon
from app.ui.templates import TEMPLATES

EXAMPLE = "how-ssh-works"


def example_copy() -> Path:
    """The example project copied into the user's data folder (once), ready to edit."""
    source = paths.resources_dir() / "examples" / EXAMPLE
    target = paths.data_dir() / "examples" / EXAMPLE
    if not (target / "script.md").is_file():
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{EXAMPLE}.part")
        shutil.rmtree(partial, ignore_errors=True)
        shutil.copytree(source, partial)
        shutil.rmtree(target, ignore_errors=True)
        partial.rename(target)
    return target / "script.md"


def _button(text: str, icon_name: str, tip: str) -> QPushButton:
    button = QPushButton(icon(icon_name), text)
    button.setIconSize(QSize(22, 22))
    button.setToolTip(tip)
    button.setMinimumHeight(40)
    button.setStyleSheet("text-align: left; padding: 6px 12px;")
    return button


class WelcomePage(QWidget):
    """Signals say what the user chose; the window does it."""

    new_requested = Signal()
    template_requested = Signal(str)
    open_requested = Signal()
    example_requested = Signal()
    path_requested = Signal(str)
    draft_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("welcome")
        title = QLabel("Castline")
        title.setStyleSheet("font-size: 28px; font-weight: bold;")
        subtitle = QLabel("Write a script in Markdown; Castline makes it a narrated video.")
        subtitle.setStyleSheet("color: #a0a4ad;")
        self.new_button = _button("New project", "new", "An empty script (Ctrl+N)")
        self.open_button = _button("Open a script…", "open", "A .md script on this computer")
        self.example_button = _button(
            "Open the example: How SSH Really Works",
            "example",
            "A finished script using every feature, copied for you to change",
        )
        self.new_button.clicked.connect(self.new_requested.emit)
        self.open_button.clicked.connect(self.open_requested.emit)
        self.example_button.clicked.connect(self.example_requested.emit)
        start = QVBoxLayout()
        start.addWidget(self._heading("Start"))
        for b in (self.new_button, self.open_button, self.example_button):
            start.addWidget(b)
        start.addWidget(self._heading("New from a template"))
        self.template_buttons: dict[str, QPushButton] = {}
        grid = QGridLayout()
        for i, t in enumerate(TEMPLATES):
            b = _button(t.name, "template", t.description)
            b.clicked.connect(lambda _c=False, n=t.name: self.template_requested.emit(n))
            self.template_buttons[t.name] = b
            grid.addWidget(b, i // 2, i % 2)
        start.addLayout(grid)
        start.addStretch(1)
        self.recent = QListWidget()
        self.recent.setObjectName("welcomeRecent")
        self.recent.itemActivated.connect(self._activated)
        self.recent.itemClicked.connect(self._activated)
        self.empty = QLabel("No recent projects yet.")
        self.empty.setStyleSheet("color: #a0a4ad;")
        recent = QVBoxLayout()
        recent.addWidget(self._heading("Recent"))
        recent.addWidget(self.recent, 1)
        recent.addWidget(self.empty)
        columns = QHBoxLayout()
        columns.addLayout(start, 1)
        columns.addSpacing(24)
        columns.addLayout(recent, 1)
        body = QWidget()
        inner = QVBoxLayout(body)
        inner.setContentsMargins(32, 24, 32, 24)
        inner.addWidget(title)
        inner.addWidget(subtitle)
        inner.addSpacing(16)
        inner.addLayout(columns, 1)
        body.setMaximumWidth(1000)
        scroll = QScrollArea()
        scroll.setWidget(body)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(scroll)

    @staticmethod
    def _heading(text: str) -> QLabel:
        label = QLabel(text)
        label.setStyleSheet("font-size: 15px; font-weight: bold; margin-top: 10px;")
        return label

    def set_projects(self, recent: list[tuple[str, str]], drafts: list[tuple[str, str]]) -> None:
        """``recent``: (name, script path); ``drafts``: (project id, name) never saved."""
        self.recent.clear()
        for name, path in recent:
            item = QListWidgetItem(icon("open"), f"{name}\n{path}")
            item.setData(Qt.ItemDataRole.UserRole, ("path", path))
            item.setToolTip(path)
            self.recent.addItem(item)
        for project_id, name in drafts:
            item = QListWidgetItem(icon("new"), f"{name}\nnot saved to a file yet")
            item.setData(Qt.ItemDataRole.UserRole, ("draft", project_id))
            self.recent.addItem(item)
        self.empty.setVisible(self.recent.count() == 0)
        self.recent.setVisible(self.recent.count() > 0)

    def _activated(self, item: QListWidgetItem) -> None:
        kind, value = item.data(Qt.ItemDataRole.UserRole)
        if kind == "path":
            self.path_requested.emit(value)
        else:
            self.draft_requested.emit(value)
