"""The jobs panel: one row per job with its progress, ETA, errors and a Cancel button.

Below this session's jobs, with a workers' Redis set in the settings, come the jobs sent
to the workers from anywhere (a terminal's ``batch --workers``, another studio), read
from that Redis every :data:`REMOTE_POLL_MS` on a worker thread, each with a Cancel.
"""

from __future__ import annotations

import html
import time
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, QUrl
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

from app.engine import secrets
from app.engine.dist.remote import RemoteJob, cancel_job, list_jobs
from app.engine.dist.waiting import where
from app.engine.jobs.progress import ProgressState
from app.ui import workers
from app.ui.jobs.manager import Job, JobManager

REMOTE_POLL_MS = 2000
"""How often the workers' jobs are read: each read is a handful of Redis commands."""


def describe(state: ProgressState) -> str:
    """``message · 42% · 1:05 left`` for a job's row and the status bar."""
    parts = [state.message] if state.message else []
    if state.total > 0:
        parts.append(f"{state.fraction * 100:.0f}%")
    if state.eta_s is not None:
        m, s = divmod(int(state.eta_s + 0.5), 60)
        parts.append(f"{m}:{s:02d} left")
    return " · ".join(parts)


class RowBase(QWidget):
    """A job's row: its kind and title, a bar, a line of detail and a Cancel button."""

    def __init__(self, kind: str, title: str, detail: str) -> None:
        super().__init__()
        self.title = QLabel(f"<b>{kind}</b>: {html.escape(title)}")
        self.bar = QProgressBar()
        self.bar.setRange(0, 1000)
        self.bar.setTextVisible(False)
        self.bar.setMaximumHeight(10)
        self.detail = QLabel(detail)
        self.detail.setWordWrap(True)
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.cancel = QPushButton("Cancel")
        self.top = QHBoxLayout()
        self.top.addWidget(self.title, 1)
        self.top.addWidget(self.cancel)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 4, 6, 4)
        lay.addLayout(self.top)
        lay.addWidget(self.bar)
        lay.addWidget(self.detail)


class JobRow(RowBase):
    def __init__(self, job: Job, manager: JobManager) -> None:
        super().__init__(job.kind, job.title, "starting")
        self.job = job
        self.cancel.clicked.connect(lambda: manager.cancel(job.id))
        self.folder = QPushButton("Show in folder")
        self.folder.hide()
        self.folder.clicked.connect(self._show_folder)
        self.top.insertWidget(1, self.folder)

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


def describe_remote(job: RemoteJob) -> str:
    """``running · 1 of 3 finished · 42% · w1@host, w2@host · started 14:05``."""
    parts = [job.state, f"{job.finished} of {job.tasks} finished", f"{job.progress * 100:.0f}%"]
    if job.workers:
        parts.append(", ".join(job.workers))
    parts.append("started " + time.strftime("%H:%M", time.localtime(job.started_ms // 1000)))
    return " · ".join(parts)


class RemoteRow(RowBase):
    """One job on the workers: title, progress, state and workers, and Cancel."""

    def __init__(self, job: RemoteJob) -> None:
        super().__init__(job.kind, job.title, "")
        self.job_id = job.id
        self.detail.setTextFormat(Qt.TextFormat.PlainText)  # names come from another machine
        self.cancelling = False
        self.show_job(job)

    def show_job(self, job: RemoteJob) -> None:
        self.bar.setValue(round(job.progress * 1000))
        self.detail.setText(describe_remote(job))
        self.cancel.setEnabled(job.state == "running" and not self.cancelling)


class JobsPanel(QScrollArea):
    """Lists every job of this session, newest first, then the workers' jobs."""

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
        self._build_remote()
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

    # -- the workers' jobs -----------------------------------------------------------
    def _build_remote(self) -> None:
        self.workers_url = ""
        self.remote_rows: dict[str, RemoteRow] = {}
        self.remote = QWidget()
        self.remote.setObjectName("remoteJobs")
        self._remote_layout = QVBoxLayout(self.remote)
        self._remote_layout.setContentsMargins(0, 8, 0, 0)
        self._remote_layout.addWidget(QLabel("<b>On the workers</b>"))
        self.remote_status = QLabel("")
        self.remote_status.setWordWrap(True)
        self.remote_status.setTextFormat(Qt.TextFormat.PlainText)
        self._remote_layout.addWidget(self.remote_status)
        self.remote.hide()
        self._layout.insertWidget(self._layout.count() - 1, self.remote)  # above the stretch
        self._polling = False
        self._poll = QTimer(self)
        self._poll.setInterval(REMOTE_POLL_MS)
        self._poll.timeout.connect(self.poll_remote)

    def set_workers_url(self, url: str) -> None:
        """Show the jobs of the workers' Redis at ``url`` ("" hides the section)."""
        if url == self.workers_url:
            return
        self.workers_url = url
        for row in self.remote_rows.values():
            row.deleteLater()
        self.remote_rows.clear()
        self.remote_status.setText("reading…" if url else "")
        self.remote.setVisible(bool(url))
        if url:
            self._poll.start()
            self.poll_remote()
        else:
            self._poll.stop()

    def poll_remote(self) -> None:
        """Read the workers' jobs on a worker thread (one read at a time)."""
        url = self.workers_url
        if not url or self._polling:
            return
        self._polling = True
        workers.submit(
            lambda: list_jobs(url),
            lambda jobs: self._show_remote(url, jobs),
            lambda _message: self._remote_failed(url),
            owner=self,
        )

    def _show_remote(self, url: str, jobs: list[RemoteJob]) -> None:
        self._polling = False
        if url != self.workers_url:
            return  # the setting changed while reading
        self.remote_status.setText("" if jobs else "No jobs on the workers.")
        self.remote_status.setVisible(not jobs)
        for job in jobs:
            row = self.remote_rows.get(job.id)
            if row is None:
                row = RemoteRow(job)
                row.cancel.clicked.connect(lambda _=False, i=job.id: self.cancel_remote(i))
                self.remote_rows[job.id] = row
                self._remote_layout.addWidget(row)
            else:
                row.show_job(job)
        listed = {j.id for j in jobs}
        for job_id in [i for i in self.remote_rows if i not in listed]:  # expired
            self.remote_rows.pop(job_id).deleteLater()

    def _remote_failed(self, url: str) -> None:
        """Redis away: one quiet line; the next poll tries again."""
        self._polling = False
        if url == self.workers_url:
            self.remote_status.setText(f"The workers' Redis at {where(url)} does not answer.")
            self.remote_status.show()

    def cancel_remote(self, job_id: str) -> None:
        """Cancel a job on the workers (its tasks are revoked), off the GUI thread."""
        row = self.remote_rows.get(job_id)
        url = self.workers_url
        if row is None or not url:
            return
        row.cancelling = True
        row.cancel.setEnabled(False)
        row.detail.setText("cancelling…")

        def failed(message: str) -> None:
            if (still := self.remote_rows.get(job_id)) is not None:
                still.cancelling = False
                still.detail.setText(f"could not cancel: {secrets.redact(message)}")

        workers.submit(
            lambda: cancel_job(url, job_id), lambda _ids: self.poll_remote(), failed, owner=self
        )
