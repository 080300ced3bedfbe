"""The studio's main window: composes the panels, owns the actions and the open project.

Panels never talk to each other directly; the window connects their signals to the
document, the project session and each other.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QDockWidget,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QWidget,
)

from app.engine import paths
from app.engine.model import Script
from app.engine.store import Store
from app.ui import workers
from app.ui.actions import ActionRegistry, ActionSpec
from app.ui.document import ScriptDocument
from app.ui.editor.editor import SCRIPT_EXT, ScriptEditor, dropped_paths
from app.ui.editor.outline import OutlinePanel, reorder_scenes
from app.ui.editor.problems import ProblemsPanel
from app.ui.jobs.manager import Job, JobManager
from app.ui.jobs.panel import JobsPanel, describe
from app.ui.project import ProjectSession
from app.ui.settings.store import StudioSettings

if TYPE_CHECKING:
    from PySide6.QtGui import QUndoStack

    from app.engine.voice.service import SynthesisService
    from app.ui.export.dialog import ExportDialog
    from app.ui.media.panel import MediaBinPanel
    from app.ui.media.timeline_drop import TimelineDrops
    from app.ui.preview.player import PreviewPanel
    from app.ui.settings.dialog import SettingsDialog
    from app.ui.terminal.panel import TerminalPanel
    from app.ui.timeline.panel import TimelinePanel
    from app.ui.visuals.draft import DraftDialog
    from app.ui.visuals.panel import VisualsPanel
    from app.ui.voices.panel import VoicePanel

SK = QKeySequence.StandardKey


def studio_settings() -> QSettings:
    """Window layout and preferences, kept in the config folder (never in the project)."""
    return QSettings(str(paths.config_dir() / "studio.ini"), QSettings.Format.IniFormat)


class MainWindow(QMainWindow):
    """The one window: script editor in the middle, panels docked around it."""

    shown = Signal()
    # Set by app.ui.panels.build_panels:
    undo_stack: QUndoStack
    timeline_panel: TimelinePanel
    preview: PreviewPanel
    timeline_save: QTimer
    voices: VoicePanel
    _synthesis: SynthesisService
    export_dialog: ExportDialog
    terminal: TerminalPanel
    settings_dialog: SettingsDialog
    visuals_panel: VisualsPanel
    media_bin: MediaBinPanel
    timeline_drops: TimelineDrops
    draft_dialog: DraftDialog

    def __init__(self, store: Store) -> None:
        super().__init__()
        self.setObjectName("mainWindow")
        self.setWindowTitle("Castline")
        self.resize(1500, 920)
        self.setAcceptDrops(True)
        self.store = store
        self.qsettings = studio_settings()
        self.prefs = StudioSettings(self.qsettings)
        self.session = ProjectSession(store, self)
        self.document = ScriptDocument(self)
        self.jobs = JobManager(self)
        self.actions_ = ActionRegistry(self)
        self.docks: dict[str, QDockWidget] = {}
        self._loading = False

        self.editor = ScriptEditor()
        self.setCentralWidget(self.editor)
        self.outline = OutlinePanel()
        self.problems = ProblemsPanel()
        self.jobs_panel = JobsPanel(self.jobs)
        self._dock("outline", "Outline", self.outline, Qt.DockWidgetArea.LeftDockWidgetArea)
        self._dock("problems", "Problems", self.problems, Qt.DockWidgetArea.LeftDockWidgetArea)
        self._build_panels()
        self._dock("jobs", "Jobs", self.jobs_panel, Qt.DockWidgetArea.RightDockWidgetArea)
        self.tabifyDockWidget(self.docks["voices"], self.docks["jobs"])
        self.docks["voices"].raise_()
        self._build_status_bar()
        self._register_actions()
        self.actions_.build_menus(self.menuBar(), {"recent": ("File", "Open &Recent")})
        self._connect()
        self._refresh_recent()
        self.resizeDocks([self.docks["timeline"]], [340], Qt.Orientation.Vertical)
        self.resizeDocks([self.docks["preview"]], [620], Qt.Orientation.Horizontal)
        self.resizeDocks([self.docks["outline"]], [230], Qt.Orientation.Horizontal)
        self.resizeDocks(
            [self.docks["preview"], self.docks["voices"]], [400, 260], Qt.Orientation.Vertical
        )
        state = self.qsettings.value("window/state")
        if state is not None:
            self.restoreState(state)  # type: ignore[arg-type]

    # -- composition -----------------------------------------------------------------
    def _dock(self, key: str, title: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(f"dock_{key}")
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        self.docks[key] = dock
        return dock

    def _build_panels(self) -> None:
        """The engine-backed panels (timeline, preview, voices, terminal)."""
        from app.ui.panels import build_panels

        build_panels(self)

    def _build_status_bar(self) -> None:
        self.job_label = QLabel("")
        self.job_bar = QProgressBar()
        self.job_bar.setRange(0, 1000)
        self.job_bar.setMaximumWidth(200)
        self.job_bar.hide()
        self.statusBar().addPermanentWidget(self.job_label)
        self.statusBar().addPermanentWidget(self.job_bar)
        self.jobs.progressed.connect(self._job_progress)
        self.jobs.finished.connect(self._job_finished)

    def _register_actions(self) -> None:
        a = self.actions_.add
        a(ActionSpec("file.new", "&New Project", "File", (SK.New,)), self.new_project)
        a(
            ActionSpec("file.new_from_topic", "New from &Topic…", "File", ("Ctrl+Shift+N",)),
            self.new_from_topic,
        )
        a(ActionSpec("file.open", "&Open Script…", "File", (SK.Open,)), self.open_dialog)
        a(ActionSpec("file.save", "&Save", "File", (SK.Save,), separator_before=True), self.save)
        a(ActionSpec("file.save_as", "Save &As…", "File", ("Ctrl+Shift+S",)), self.save_as)
        a(
            ActionSpec("file.settings", "Se&ttings…", "File", ("Ctrl+,",), separator_before=True),
            self.open_settings,
        )
        a(ActionSpec("file.quit", "&Quit", "File", ("Ctrl+Q",), separator_before=True), self.close)
        a(
            ActionSpec(
                "edit.scene_up", "Move Scene &Up", "Edit", ("Alt+Shift+Up",), separator_before=True
            ),
            lambda: self.move_scene(-1),
        )
        a(
            ActionSpec("edit.scene_down", "Move Scene &Down", "Edit", ("Alt+Shift+Down",)),
            lambda: self.move_scene(1),
        )
        a(ActionSpec("edit.problem", "Go to Next &Problem", "Edit", ("F8",)), self.next_problem)
        a(
            ActionSpec("view.editor", "Focus &Script Editor", "View", ("Ctrl+1",)),
            self.editor.setFocus,
        )
        a(
            ActionSpec("view.outline", "Focus &Outline", "View", ("Ctrl+2",)),
            lambda: self._focus("outline"),
        )
        a(
            ActionSpec("view.problems", "Focus &Problems", "View", ("Ctrl+3",)),
            lambda: self._focus("problems"),
        )
        a(ActionSpec("view.jobs", "Show &Jobs", "View", ("Ctrl+9",)), lambda: self._focus("jobs"))
        a(ActionSpec("help.about", "&About Castline", "Help"), self._about)
        from app.ui.panels import register_panel_actions

        register_panel_actions(self)

    def _focus(self, key: str) -> None:
        dock = self.docks[key]
        dock.show()
        dock.raise_()
        dock.widget().setFocus(Qt.FocusReason.ShortcutFocusReason)

    def _connect(self) -> None:
        self.editor.textChanged.connect(self._text_changed)
        self.editor.open_requested.connect(self.open_script)
        self.editor.message.connect(lambda m: self.statusBar().showMessage(m, 6000))
        self.editor.media_dropped.connect(self._register_media)
        self.problems.jump_requested.connect(self.editor.goto_line)
        self.outline.jump_requested.connect(self.editor.goto_line)
        self.outline.reorder_requested.connect(self._reorder_scenes)
        self.document.parsed.connect(self._on_parsed)
        self.session.modified_changed.connect(lambda _m: self._update_title())
        self.session.autosaved.connect(lambda _r: self._update_title())

    # -- projects --------------------------------------------------------------------
    def open_script(self, path: Path) -> None:
        """Open a script file (its project is created in the store on first open)."""
        try:
            text = self.session.open_script(Path(path))
        except (OSError, UnicodeDecodeError) as exc:
            QMessageBox.warning(self, "Cannot open script", f"{path}:\n{exc}")
            return
        self._load_text(text)
        if self.session.recovered:
            self.statusBar().showMessage("Recovered unsaved edits from the last session", 8000)

    def new_project(self) -> None:
        self._load_text(self.session.new_project(self.prefs.default_voice))

    def _load_text(self, text: str) -> None:
        assert self.session.script_path is not None
        self._loading = True
        try:
            self.editor.script_dir = self.session.script_path.parent
            self.editor.setPlainText(text)
        finally:
            self._loading = False
        self.document.set_text(text, self.session.script_path)
        self.document.parse_now()
        self.project_opened()
        self.prefs.add_recent(str(self.session.script_path))
        self._refresh_recent()
        self._update_title()

    def project_opened(self) -> None:
        """Panels reload project state (characters, stored timeline); see app.ui.panels."""
        from app.ui.panels import on_project_opened

        on_project_opened(self)

    def open_dialog(self) -> None:
        start = (
            str(self.session.script_path.parent) if self.session.script_path else str(Path.home())
        )
        name, _ = QFileDialog.getOpenFileName(
            self, "Open script", start, "Scripts (*.md *.markdown)"
        )
        if name:
            self.open_script(Path(name))

    def save(self) -> bool:
        if self.session.project is None:
            return False
        try:
            path = self.session.save(self.editor.toPlainText())
        except OSError as exc:
            QMessageBox.warning(
                self,
                "Cannot save",
                f"{self.session.script_path}:\n{exc}\nYour edits are kept in the project store.",
            )
            return False
        self.statusBar().showMessage(f"Saved {path}", 4000)
        return True

    def save_as(self) -> None:
        if self.session.script_path is None:
            return
        name, _ = QFileDialog.getSaveFileName(
            self, "Save script as", str(self.session.script_path), "Scripts (*.md)"
        )
        if name:
            self.session.save(self.editor.toPlainText(), Path(name))
            self.editor.script_dir = Path(name).parent
            self.document.set_text(self.editor.toPlainText(), Path(name))
            self._update_title()

    def _refresh_recent(self) -> None:
        menu = self.actions_.submenu("recent")
        if menu is None:
            return
        menu.clear()
        for path in self.prefs.recent():
            act = menu.addAction(path)
            act.triggered.connect(lambda _c=False, p=path: self.open_script(Path(p)))
        menu.setEnabled(bool(menu.actions()))

    def _update_title(self) -> None:
        name = self.session.script_path.name if self.session.script_path else "untitled"
        mark = "*" if self.session.modified else ""
        self.setWindowTitle(f"{mark}{name} — Castline")

    def _register_media(self, path: Path) -> None:
        """Record a dropped file in the store's assets (hashing and copying: a worker's job)."""
        store = self.store
        workers.submit(
            lambda: store.add_asset(path, kind="media", provenance={"dropped": str(path)}),
            None,
            lambda error: self.statusBar().showMessage(
                f"Could not add {path.name} to the project's assets: {error}"
            ),
            owner=self,
        )

    def open_settings(self) -> None:
        from app.ui.panels import settings_saved
        from app.ui.settings.dialog import SettingsDialog

        dialog = SettingsDialog(self.prefs, self, on_budget=self._set_budget)
        dialog.saved.connect(lambda: settings_saved(self))
        self.settings_dialog = dialog
        dialog.open()

    def new_from_topic(self) -> None:
        from app.ui.panels import new_from_topic

        new_from_topic(self)

    def _set_budget(self, usd: float) -> None:
        if self.session.project is not None:
            self.session.project = self.store.update_project(
                self.session.project.id, budget_usd=usd
            )
            self.voices.update_cost()

    # -- editing ---------------------------------------------------------------------
    def _text_changed(self) -> None:
        if self._loading or self.session.project is None:
            return
        text = self.editor.toPlainText()
        self.session.note_edit(text)
        self.document.set_text(text)

    def _on_parsed(self, script: Script) -> None:
        self.editor.set_diagnostics(script.diagnostics)
        self.problems.set_diagnostics(script.diagnostics)
        self.outline.set_scenes(script.scenes)
        errors = sum(1 for d in script.diagnostics if d.is_error)
        self.docks["problems"].setWindowTitle(
            f"Problems ({len(script.diagnostics)})" if script.diagnostics else "Problems"
        )
        if errors:
            self.statusBar().showMessage(f"{errors} error(s) in the script", 3000)

    def _reorder_scenes(self, lines: list[int], order: list[int]) -> None:
        """Rewrite the script with its scenes moved; one undo step in the editor."""
        self.replace_text(reorder_scenes(self.editor.toPlainText(), lines, order))

    def move_scene(self, step: int) -> None:
        """Move the scene at the cursor (or selected in the outline) one place up or down."""
        script = self.document.script or self.document.parse_now()
        scenes = [s for s in script.scenes if not s.intro]
        if not scenes:
            return
        item = self.outline.currentItem()
        if self.outline.hasFocus() and item is not None:
            line = int(item.data(Qt.ItemDataRole.UserRole))
        else:
            cursor = self.editor.current_line()
            line = max((s.line for s in scenes if s.line <= cursor), default=scenes[0].line)
        lines = [s.line for s in scenes]
        if line not in lines:
            return
        old = lines.index(line)
        new = old + step
        if 0 <= new < len(lines):
            self.outline.move_scene(old, new)
            moved = self.document.script.scenes if self.document.script else []
            target = [s for s in moved if not s.intro][new]
            self.editor.goto_line(target.line)

    def next_problem(self) -> None:
        """Jump to the first problem after the cursor (wrapping to the first)."""
        diagnostics = sorted(self.editor.diagnostics, key=lambda d: (d.line, d.column))
        if not diagnostics:
            self.statusBar().showMessage("No problems in the script", 3000)
            return
        here = self.editor.current_line()
        d = next((d for d in diagnostics if d.line > here), diagnostics[0])
        self.editor.goto_line(d.line, d.column)
        self.statusBar().showMessage(f"line {d.line}: {d.message}", 8000)

    def replace_text(self, new_text: str) -> None:
        """Put a panel's rewrite of the script in the editor as one undoable edit."""
        if new_text == self.editor.toPlainText():
            return
        keep = self.editor.textCursor().position()
        cursor = self.editor.textCursor()
        cursor.beginEditBlock()
        cursor.select(cursor.SelectionType.Document)
        cursor.insertText(new_text)
        cursor.endEditBlock()
        cursor.setPosition(min(keep, len(new_text)))
        self.editor.setTextCursor(cursor)
        self.session.flush()
        self.document.parse_now()

    # -- jobs ------------------------------------------------------------------------
    def _job_progress(self, _job_id: int, state: object) -> None:
        running = self.jobs.running()
        if not running:
            return
        job = running[-1]
        if job.last is not None:
            self.job_bar.show()
            self.job_bar.setValue(int(job.last.fraction * 1000))
            self.job_label.setText(f"{job.title}: {describe(job.last)}")

    def _job_finished(self, job: Job) -> None:
        if not self.jobs.running():
            self.job_bar.hide()
            self.job_label.setText("")
        msg = {"done": "finished", "cancelled": "cancelled", "failed": f"failed: {job.error}"}[
            job.state
        ]
        self.statusBar().showMessage(f"{job.title} {msg}", 8000)

    # -- window ----------------------------------------------------------------------
    def dragEnterEvent(self, e: QDragEnterEvent) -> None:
        if any(p.suffix.lower() in SCRIPT_EXT for p in dropped_paths(e.mimeData())):
            e.acceptProposedAction()

    def dropEvent(self, e: QDropEvent) -> None:
        for p in dropped_paths(e.mimeData()):
            if p.suffix.lower() in SCRIPT_EXT:
                e.acceptProposedAction()
                self.open_script(p)
                return

    def showEvent(self, e: QShowEvent) -> None:
        super().showEvent(e)
        QTimer.singleShot(0, self.timeline_panel.view.zoom_fit)
        QTimer.singleShot(0, self.shown.emit)

    def closeEvent(self, e: QCloseEvent) -> None:
        if self.document.closed:
            super().closeEvent(e)
            return
        self.session.flush()
        from app.ui.panels import on_close

        on_close(self)
        self.qsettings.setValue("window/state", self.saveState())
        self.qsettings.sync()
        super().closeEvent(e)

    def _about(self) -> None:
        QMessageBox.about(
            self, "About Castline", "Castline turns a Markdown script into a narrated video."
        )
