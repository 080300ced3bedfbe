"""The Visuals panel: each ``> visual:`` line's picture, prompts, source and cost, its other
takes as thumbnails, and Regenerate, Pick and Lock.

Generating runs as a job (visible in the Jobs panel, cancellable); reading the store and
drawing thumbnails happen in a worker; Pick and Lock write the store in a worker. After
each change the panel offers the window a plan of every line's chosen take
(``plan_changed``), which the timeline and preview show and the export renders.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from PySide6.QtCore import QTimer, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QScrollArea, QVBoxLayout, QWidget

from app.engine.jobs.progress import Progress
from app.engine.model import Script
from app.engine.store import Store
from app.engine.visuals.generate import generate_visuals
from app.engine.visuals.media_bin import kind_of, thumbnail
from app.engine.visuals.plan import VisualOptions, VisualPlan, is_quiet
from app.engine.visuals.versions import (
    VisualLine,
    chosen_plan,
    lock,
    pick,
    regenerate_visual,
    visual_lines,
)
from app.ui import workers
from app.ui.jobs.manager import Job, JobManager
from app.ui.timeline.media import rgba_to_qimage
from app.ui.visuals.row import VisualRow

CANDIDATES = 3
"""Other results of a stock search kept for the user to pick from."""
RELOAD_MS = 300
Context = Callable[[], tuple[str | None, Script | None]]


@dataclass
class VisualState:
    """What a worker read: the lines, the plan of chosen takes, new thumbnails, the money."""

    lines: list[VisualLine]
    plan: VisualPlan
    thumbs: dict[int, np.ndarray] = field(default_factory=dict)
    spent_usd: float = 0.0
    budget_usd: float | None = None


def read_state(
    store: Store, project_id: str | None, script: Script, known: set[int]
) -> VisualState:
    lines = visual_lines(store, project_id, script)
    thumbs: dict[int, np.ndarray] = {}
    for state in lines:
        for version in state.versions:
            kind = kind_of(version.path)
            if version.id not in known and kind is not None:
                thumbs[version.id] = thumbnail(version.path, kind)
    project = store.get_project(project_id) if project_id else None
    return VisualState(
        lines,
        chosen_plan(store, project_id, script),
        thumbs,
        store.project_spend(project_id) if project_id else 0.0,
        project.budget_usd if project else None,
    )


def plan_signature(plan: VisualPlan) -> tuple[tuple[int, str], ...]:
    """Which file each line shows: a new plan is only worth a new layout when this changes."""
    return tuple(sorted((line, str(v.path)) for line, v in plan.visuals.items()))


class VisualsPanel(QWidget):
    """``plan_changed(VisualPlan)`` when the lines' chosen takes change."""

    plan_changed = Signal(object)
    message = Signal(str)

    def __init__(
        self,
        store: Store,
        jobs: JobManager,
        context: Context,
        options: Callable[[], VisualOptions] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("visuals")
        self.store = store
        self.jobs = jobs
        self._context = context
        self._options = options or (lambda: VisualOptions())
        self.state: VisualState | None = None
        self.rows: dict[int, VisualRow] = {}
        self.job: Job | None = None
        self._pixmaps: dict[int, QPixmap] = {}
        self._signature: tuple[tuple[int, str], ...] | None = None
        self.requests = workers.LatestOnly(self)
        self.requests.result.connect(self._read)
        self.requests.failed.connect(lambda _r, m: self.message.emit(f"Visuals: {m}"))
        self.generate = QPushButton("Generate visuals")
        self.generate.setObjectName("generateVisuals")
        self.generate.setToolTip(
            "Make or fetch every visual line's picture (cached ones are free; stock searches "
            f"keep {CANDIDATES} other results to pick from)"
        )
        self.generate.clicked.connect(self.generate_all)
        self.cost = QLabel("")
        self.cost.setObjectName("visualsCost")
        self.cost.setWordWrap(True)
        self.empty = QLabel("No `> visual:` lines in the script yet.")
        self.empty.setWordWrap(True)
        inner = QWidget()
        self._rows = QVBoxLayout(inner)
        self._rows.addWidget(self.empty)
        self._rows.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidget(inner)
        scroll.setWidgetResizable(True)
        top = QHBoxLayout()
        top.addWidget(self.generate)
        top.addWidget(self.cost, 1)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(scroll, 1)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(RELOAD_MS)
        self._timer.timeout.connect(self.reload)

    # -- reading ---------------------------------------------------------------------
    def set_script(self, _script: Script) -> None:
        """The script was parsed again: read the lines after a quiet spell."""
        self._timer.start()

    def reload(self) -> int | None:
        self._timer.stop()
        project_id, script = self._context()
        if script is None:
            return None
        store, known = self.store, set(self._pixmaps)
        return self.requests.request(lambda: read_state(store, project_id, script, known))

    def _read(self, _rid: int, state: VisualState) -> None:
        for version_id, picture in state.thumbs.items():
            self._pixmaps[version_id] = QPixmap.fromImage(rgba_to_qimage(picture))
        self.state = state
        busy = self.job is not None and self.job.state == "running"
        lines = {s.line: s for s in state.lines}
        for line in [n for n in self.rows if n not in lines]:
            gone = self.rows.pop(line)
            self._rows.removeWidget(gone)
            gone.deleteLater()
        for index, visual in enumerate(state.lines):
            row: VisualRow | None = self.rows.get(visual.line)
            if row is None:
                row = VisualRow(visual)
                row.regenerate_requested.connect(self.regenerate)
                row.pick_requested.connect(self.pick)
                row.lock_requested.connect(self.lock)
                self.rows[visual.line] = row
            self._rows.insertWidget(index, row)
            if row.state != visual or row.busy != busy or not row.shown:
                row.set_state(visual, self._pixmaps, busy)
        self.empty.setVisible(not state.lines)
        budget = f" of the project's ${state.budget_usd:.2f}" if state.budget_usd else ""
        made = sum(v.cost_usd for s in state.lines for v in s.versions)
        self.cost.setText(
            f"Visuals made for this script: ${made:.3f}. Spent in all: ${state.spent_usd:.2f}{budget}"
            " (voices and visuals share the budget)."
        )
        signature = plan_signature(state.plan)
        if signature != self._signature:
            self._signature = signature
            self.plan_changed.emit(state.plan)

    # -- jobs ------------------------------------------------------------------------
    def _ready(self) -> tuple[str | None, Script] | None:
        project_id, script = self._context()
        if script is None or project_id is None:
            self.message.emit("Open a script first")
            return None
        errors = [d for d in script.diagnostics if d.is_error]
        if errors:
            self.message.emit(
                f"Fix {len(errors)} error(s) first: line {errors[0].line}: {errors[0].message}"
            )
            return None
        if self.job is not None and self.job.state == "running":
            self.message.emit("Visuals are being made already")
            return None
        return project_id, script

    def _options_for(self, project_id: str | None) -> VisualOptions:
        options = self._options()
        options.project_id = project_id
        options.candidates = CANDIDATES
        return options

    def generate_all(self) -> Job | None:
        """Make or fetch every visual of the script as a job."""
        ready = self._ready()
        if ready is None:
            return None
        project_id, script = ready
        options, store = self._options_for(project_id), self.store

        def work(progress: Progress) -> VisualPlan:
            return generate_visuals(script, store=store, progress=progress, options=options)

        return self._start("Visuals", work)

    def regenerate(self, line: int) -> Job | None:
        """A new take of one line as a job."""
        ready = self._ready()
        if ready is None:
            return None
        project_id, script = ready
        options, store = self._options_for(project_id), self.store

        def work(progress: Progress) -> VisualPlan:
            return regenerate_visual(script, line, store=store, options=options, progress=progress)

        return self._start(f"Regenerate visual at line {line}", work)

    def _start(self, title: str, work: Callable[[Progress], VisualPlan]) -> Job:
        self.generate.setEnabled(False)
        for row in self.rows.values():
            row.set_state(row.state, self._pixmaps, busy=True)
        self.job = self.jobs.start("visuals", title, work, self._finished)
        return self.job

    def _finished(self, job: Job) -> None:
        self.generate.setEnabled(True)
        if job.state == "done":
            self.message.emit(summary(job.result))
        elif job.state == "failed":
            self.message.emit(f"{job.title} failed: {job.error}")
        self.reload()

    # -- versions --------------------------------------------------------------------
    def pick(self, version_id: int) -> None:
        store = self.store
        self._change(lambda: pick(store, version_id), "Picked another take")

    def lock(self, version_id: int, locked: bool) -> None:
        store = self.store

        def work() -> Any:
            version = store.get_version(version_id)
            if version is None:
                raise LookupError("this take is gone (cleaned up)")
            return lock(store, version, locked)

        self._change(work, "Locked: runs keep this take" if locked else "Unlocked")

    def _change(self, work: Callable[[], Any], done: str) -> None:
        def finished(_result: Any) -> None:
            self.message.emit(done)
            self.reload()

        workers.submit(work, finished, lambda m: self.message.emit(m), owner=self)


def summary(plan: VisualPlan) -> str:
    """One status line for a finished run."""
    made = len(plan.visuals) + len(plan.drawn)
    text = (
        f"Visuals: {made} line(s), {plan.generated} made, {plan.cache_hits} from the cache, "
        f"${plan.cost_usd:.3f}"
    )
    failed = [n for line in plan.drawn for n in plan.notes.get(line, []) if not is_quiet(n)]
    return text + (f"; {failed[0]}" if failed else "")
