"""Runs engine work that takes a Progress in a worker thread and reports it as Qt signals."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, Signal

from app.engine.jobs.progress import Cancelled, Progress, ProgressState
from app.ui import workers


@dataclass
class Job:
    """One piece of long work and what is known about it so far."""

    id: int
    kind: str
    title: str
    progress: Progress
    state: str = "running"
    """running, done, failed or cancelled."""
    error: str = ""
    result: Any = None
    last: ProgressState | None = None
    unsubscribe: Callable[[], None] | None = field(default=None, repr=False)


class JobManager(QObject):
    """Starts jobs and tells listeners how they go; every signal arrives on the GUI thread."""

    started = Signal(object)
    progressed = Signal(int, object)
    """(job id, ProgressState)"""
    finished = Signal(object)
    """The Job, whatever its end (look at ``state``)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.jobs: dict[int, Job] = {}
        self._ids = itertools.count(1)

    def start(
        self,
        kind: str,
        title: str,
        work: Callable[[Progress], Any],
        on_done: Callable[[Job], None] | None = None,
    ) -> Job:
        """Run ``work(progress)`` off the GUI thread; ``on_done`` gets the finished Job."""
        progress = Progress(message="starting")
        job = Job(next(self._ids), kind, title, progress)
        job.unsubscribe = progress.subscribe(
            lambda s: workers.post(self._on_state_pair, (job.id, s))
        )
        self.jobs[job.id] = job
        self.started.emit(job)

        def run() -> tuple[str, Any]:
            try:
                return "done", work(progress)
            except Cancelled:
                return "cancelled", None

        def done(pair: tuple[str, Any]) -> None:
            job.state, job.result = pair
            if job.state == "done" and progress.cancelled:
                job.state = "cancelled"
            self._finish(job, on_done)

        def failed(message: str) -> None:
            job.state = "cancelled" if progress.cancelled else "failed"
            job.error = message
            self._finish(job, on_done)

        workers.submit(run, done, failed, owner=self)
        return job

    def cancel(self, job_id: int) -> None:
        job = self.jobs.get(job_id)
        if job is not None and job.state == "running":
            job.progress.cancel()

    def running(self) -> list[Job]:
        return [j for j in self.jobs.values() if j.state == "running"]

    def _on_state_pair(self, pair: tuple[int, ProgressState]) -> None:
        if shiboken6.isValid(self):
            self._on_state(*pair)

    def _on_state(self, job_id: int, state: ProgressState) -> None:
        job = self.jobs.get(job_id)
        if job is None:
            return
        job.last = state
        self.progressed.emit(job_id, state)

    def _finish(self, job: Job, on_done: Callable[[Job], None] | None) -> None:
        if job.unsubscribe is not None:
            job.unsubscribe()
        self.finished.emit(job)
        if on_done is not None:
            on_done(job)
