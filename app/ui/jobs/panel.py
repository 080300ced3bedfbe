"""The jobs panel: one row per job with its progress, ETA, errors and a Cancel button."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from app.engine.jobs.progress import ProgressState
from app.ui.jobs.manager import Job, JobManager


def describe(state: ProgressState) -> str:
    """``message · 42% · 1:05 left`` for a job's row and the status bar."""
    parts = [state.message] if state.message else []
    if state.total > 0:
        parts.append(f"{state.fraction * 100:.0f}%")
    if state.eta_s is not None:
        m, s = divmod(int(state.eta_s + 0.5), 60)
        parts.append(f"{m}:{s:02d} left")
    return " · ".join(parts)


class JobRow(QWidget):
    def __init__(self, job: Job, manager: JobManager) -> None:
        super().__init__()
        self.job = job
        self.title = QLabel(f"<b>{job.kind}</b>: {job.title}")
        self.bar = QProgressBar()
        self.bar.setRange(0, 1000)
        self.bar.setTextVisible(False)
        self.bar.setMaximumHeight(10)
        self.detail = QLabel("starting")
        self.detail.setWordWrap(True)
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.cancel = QPushButton("Cancel")
        self.cancel.clicked.connect(lambda: manager.cancel(job.id))
        self.folder = QPushButton("Show in folder")
        self.folder.hide()
        self.folder.clicked.connect(self._show_folder)
        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(self.folder)
        top.addWidget(self.cancel)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 4, 6, 4)
        lay.addLayout(top)
        lay.addWidget(self.bar)
        lay.addWidget(self.detail)

    def show_state(self, state: ProgressState) -> None:
        self.bar.setValue(int(state.fraction * 1000))
        self.detail.setText(describe(state))

    def show_end(self) -> None:
        self.cancel.setEnabled(False)
        if self.job.state == "done":
            self.bar.setValue(1000)
            output = getattr(self.job.result, "output", None)
            self.detail.setText(f"done: {output}" if output else "done")
            self.folder.setVisible(output is not None)
        elif self.job.state == "cancelled":
            self.detail.setText("cancelled")
        else:
            self.detail.setText(f"<span style='color:#f06060'>failed: {self.job.error}</span>")

    def _show_folder(self) -> None:
        output = getattr(self.job.result, "output", None)
        if output is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(Path(output).parent)))


class JobsPanel(QScrollArea):
    """Lists every job of this session, newest first."""

    def __init__(self, manager: JobManager, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("jobs")
        self.manager = manager
        self.rows: dict[int, JobRow] = {}
        inner = QWidget()
        self._layout = QVBoxLayout(inner)
        self._layout.addStretch(1)
        self.empty = QLabel("No jobs yet. Synthesis, generation and exports show up here.")
        self.empty.setWordWrap(True)
        self._layout.insertWidget(0, self.empty)
        self.setWidget(inner)
        self.setWidgetResizable(True)
        manager.started.connect(self._add)
        manager.progressed.connect(self._progress)
        manager.finished.connect(self._finished)

    def _add(self, job: Job) -> None:
        self.empty.hide()
        row = JobRow(job, self.manager)
        self.rows[job.id] = row
        self._layout.insertWidget(0, row)

    def _progress(self, job_id: int, state: ProgressState) -> None:
        row = self.rows.get(job_id)
        if row is not None:
            row.show_state(state)

    def _finished(self, job: Job) -> None:
        row = self.rows.get(job.id)
        if row is not None:
            row.show_end()
