"""One ``> visual:`` line in the Visuals panel: its picture, prompts, source, cost and takes."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QButtonGroup,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.engine.store import LineVersion
from app.engine.visuals.versions import VisualLine

THUMB = QSize(160, 90)
CANDIDATE = QSize(64, 36)


def source_text(version: LineVersion | None) -> str:
    """``pexels · pexels-search · clip · free`` for the chosen take (what made it and its cost)."""
    if version is None:
        return "not made yet: the procedural background is drawn"
    meta = version.meta
    parts = [version.provider, str(meta.get("model") or ""), str(meta.get("kind") or "")]
    cost = "free" if version.cost_micro_usd == 0 else f"${version.cost_usd:.3f}"
    return " · ".join([p for p in parts if p] + [cost])


class VisualRow(QFrame):
    """Regenerate, Pick (the candidate selected) and Lock for one line."""

    regenerate_requested = Signal(int)
    pick_requested = Signal(int)
    """A version id."""
    lock_requested = Signal(int, bool)
    """(version id, locked)"""

    def __init__(self, state: VisualLine, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.setObjectName(f"visual_{state.line}")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.thumb = QLabel()
        self.thumb.setFixedSize(THUMB)
        self.thumb.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.thumb.setStyleSheet("background: #26282e; color: #8c9098;")
        self.title = QLabel()
        self.title.setObjectName("visualTitle")
        self.written = QLabel()
        self.written.setWordWrap(True)
        self.written.setObjectName("promptWritten")
        self.sent = QLabel()
        self.sent.setWordWrap(True)
        self.sent.setObjectName("promptSent")
        self.source = QLabel()
        self.source.setObjectName("visualSource")
        for label in (self.written, self.sent, self.source):
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.candidates = QHBoxLayout()
        self.candidates.setSpacing(4)
        self.group = QButtonGroup(self)
        self.group.setExclusive(True)
        self.group.buttonToggled.connect(lambda *_: self._update_buttons())
        self.regenerate = QPushButton("Regenerate")
        self.regenerate.setToolTip("Make a new take of this line (charged to the budget)")
        self.regenerate.clicked.connect(lambda: self.regenerate_requested.emit(self.state.line))
        self.pick = QPushButton("Pick")
        self.pick.setToolTip("Use the take selected above instead")
        self.pick.clicked.connect(self._pick)
        self.lock = QPushButton("Lock")
        self.lock.setCheckable(True)
        self.lock.setToolTip("Keep this take: runs never make this line again")
        self.lock.clicked.connect(self._lock)
        buttons = QHBoxLayout()
        buttons.addWidget(self.regenerate)
        buttons.addWidget(self.pick)
        buttons.addWidget(self.lock)
        buttons.addStretch(1)
        text = QVBoxLayout()
        text.addWidget(self.title)
        text.addWidget(self.written)
        text.addWidget(self.sent)
        text.addWidget(self.source)
        text.addLayout(self.candidates)
        text.addLayout(buttons)
        grid = QGridLayout(self)
        grid.addWidget(self.thumb, 0, 0, Qt.AlignmentFlag.AlignTop)
        grid.addLayout(text, 0, 1)
        grid.setColumnStretch(1, 1)
        self.busy = False
        self.shown = False
        """True once the row has shown a state with its thumbnails."""
        self.set_state(state, {})
        self.shown = False

    def set_state(self, state: VisualLine, pixmaps: dict[int, QPixmap], busy: bool = False) -> None:
        """Show ``state``; ``pixmaps`` are thumbnails by version id; ``busy`` while a job runs.

        The candidate the user selected stays selected when it is still offered."""
        selected = self.selected_candidate()
        self.state = state
        self.shown = True
        chosen = state.chosen
        where = f" ({state.provider})" if state.provider else ""
        self.title.setText(f"<b>Line {state.line}</b>{where}")
        self.written.setText(f"Written: {state.prompt}")
        sent = state.prompt_sent or state.styled_prompt
        self.sent.setText(f"Enhanced: {sent}" if state.prompt_sent else f"Will send: {sent}")
        self.source.setText(source_text(chosen))
        picture = pixmaps.get(chosen.id) if chosen is not None else None
        if picture is not None:
            self.thumb.setPixmap(picture.scaled(THUMB, Qt.AspectRatioMode.KeepAspectRatio))
        else:
            self.thumb.clear()
            self.thumb.setText("procedural")
        for button in list(self.group.buttons()):
            self.group.removeButton(button)
            self.candidates.removeWidget(button)
            button.deleteLater()
        for version in state.candidates:
            button = QToolButton()
            button.setObjectName(f"candidate_{version.id}")
            button.setCheckable(True)
            button.setIconSize(CANDIDATE)
            small = pixmaps.get(version.id)
            if small is not None:
                button.setIcon(small)
            button.setToolTip(
                f"{source_text(version)}\n{version.meta.get('prompt_sent') or ''}".strip()
            )
            self.group.addButton(button, version.id)
            self.candidates.addWidget(button)
            button.setChecked(version.id == selected)
        self.lock.setChecked(state.locked)
        self.busy = busy
        self._update_buttons()

    def selected_candidate(self) -> int | None:
        button = self.group.checkedButton()
        return self.group.id(button) if button is not None else None

    def _update_buttons(self) -> None:
        busy = self.busy
        self.regenerate.setEnabled(not self.state.locked and not busy)
        self.pick.setEnabled(self.selected_candidate() is not None and not busy)
        self.lock.setEnabled(self.state.chosen is not None and not busy)

    def _pick(self) -> None:
        chosen = self.selected_candidate()
        if chosen is not None:
            self.pick_requested.emit(chosen)

    def _lock(self, locked: bool) -> None:
        chosen = self.state.chosen
        if chosen is not None:
            self.lock_requested.emit(chosen.id, locked)
