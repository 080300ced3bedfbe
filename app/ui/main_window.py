"""The studio's main window: composes the panels, owns the actions and the open project.

Panels never talk to each other directly; the window connects their signals to the
document, the project session and each other.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QSettings, QSize, Qt, QTimer, Signal
from PySide6.QtGui import (
    QCloseEvent,
    QDragEnterEvent,
    QDropEvent,
    QGuiApplication,
    QKeySequence,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QAbstractButton,
    QDockWidget,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QStackedWidget,
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
from app.ui.gc_policy import GuiThreadCollector
from app.ui.jobs.manager import Job, JobManager
from app.ui.jobs.panel import JobsPanel, describe
from app.ui.project import NotAScript, ProjectSession
from app.ui.settings.store import StudioSettings
from app.ui.welcome import WelcomePage

if TYPE_CHECKING:
    from PySide6.QtGui import QUndoStack

    from app.ui.media.panel import MediaBinPanel
    from app.ui.media.timeline_drop import TimelineDrops
    from app.ui.panels import StudioPanels
    from app.ui.preview.player import PreviewPanel
    from app.ui.publish.dialog import PublishDialog
    from app.ui.settings.dialog import SettingsDialog
    from app.ui.terminal.panel import TerminalPanel
    from app.ui.timeline.panel import TimelinePanel
    from app.ui.visuals.draft import DraftDialog
    from app.ui.visuals.panel import VisualsPanel
    from app.ui.voices.panel import VoicePanel
    from app.ui.voicing import BackgroundVoicing

SK = QKeySequence.StandardKey
DEFAULT_SIZE = QSize(1500, 920)
COMFORTABLE = {
    "timeline": (Qt.Orientation.Vertical, 200),
    "preview": (Qt.Orientation.Horizontal, 320),
}
"""Docks restored smaller than this (px along their splitter) get their default size back."""


def studio_settings() -> QSettings:
    """Window layout and preferences, kept in the config folder (never in the project)."""
    return QSettings(str(paths.config_dir() / "studio.ini"), QSettings.Format.IniFormat)


class MainWindow(QMainWindow):
    """The one window: script editor in the middle, panels docked around it."""

    shown = Signal()
    settings_dialog: SettingsDialog
    publish_dialog: PublishDialog
    panels: StudioPanels
    """The engine-backed panels (app.ui.panels); the properties below are its panels."""

    def __init__(self, store: Store) -> None:
        super().__init__()
        self.setObjectName("mainWindow")
        self.setWindowTitle("Castline")
        self.resize(self._initial_size())
        self.setAcceptDrops(True)
        self.collector = GuiThreadCollector(self)
        """Cycles are collected on this (the GUI) thread only; see app.ui.gc_policy."""
        self.collector.start()
        self.store = store
        self.qsettings = studio_settings()
        self.prefs = StudioSettings(self.qsettings)
        self.session = ProjectSession(store, self)
        self.document = ScriptDocument(self)
        self.jobs = JobManager(self)
        self.actions_ = ActionRegistry(self)
        self.docks: dict[str, QDockWidget] = {}
        self._loading = False
        self._close_confirmed = False
        self.question: QMessageBox | None = None

        self.editor = ScriptEditor()
        self.welcome = WelcomePage()
        self.pages = QStackedWidget()
        self.pages.addWidget(self.editor)
        self.pages.addWidget(self.welcome)
        self.setCentralWidget(self.pages)
        self.outline = OutlinePanel()
        self.problems = ProblemsPanel()
        self.jobs_panel = JobsPanel(self.jobs)
        self.jobs_panel.set_workers_url(self.prefs.workers_url)
        self.add_dock("outline", "Outline", self.outline, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.add_dock("problems", "Problems", self.problems, Qt.DockWidgetArea.LeftDockWidgetArea)
        self._build_panels()
        self.add_dock("jobs", "Jobs", self.jobs_panel, Qt.DockWidgetArea.RightDockWidgetArea)
        self.tabifyDockWidget(self.docks["voices"], self.docks["jobs"])
        self.docks["voices"].raise_()
        self._build_status_bar()
        self._register_actions()
        self.actions_.build_menus(
            self.menuBar(),
            {"recent": ("File", "Open &Recent"), "templates": ("File", "New from &Template")},
        )
        self._connect()
        self._refresh_recent()
        self._fill_templates()
        self.default_state: QByteArray = self.saveState()
        self.default_sizes()
        state = self.qsettings.value("window/state")
        if state is not None:
            self.restoreState(state)  # type: ignore[arg-type]
        self._layout_checked = False

    # -- the panels (owned by ``self.panels``) ----------------------------------------
    @property
    def undo_stack(self) -> QUndoStack:
        return self.panels.undo_stack

    @property
    def timeline_panel(self) -> TimelinePanel:
        return self.panels.timeline_panel

    @property
    def preview(self) -> PreviewPanel:
        return self.panels.preview

    @property
    def voices(self) -> VoicePanel:
        return self.panels.voices

    @property
    def voicing(self) -> BackgroundVoicing:
        return self.panels.voicing

    @property
    def terminal(self) -> TerminalPanel:
        return self.panels.terminal

    @property
    def visuals_panel(self) -> VisualsPanel:
        return self.panels.visuals_panel

    @property
    def media_bin(self) -> MediaBinPanel:
        return self.panels.media_bin

    @property
    def timeline_drops(self) -> TimelineDrops:
        return self.panels.timeline_drops

    @property
    def draft_dialog(self) -> DraftDialog | None:
        return self.panels.draft_dialog

    # -- layout ----------------------------------------------------------------------
    def _initial_size(self) -> QSize:
        """The usual size, or less on a small screen (a 1366x768 laptop fits)."""
        screen = QGuiApplication.primaryScreen()
        if screen is None:
            return DEFAULT_SIZE
        room = screen.availableGeometry().size()
        return QSize(
            min(DEFAULT_SIZE.width(), room.width() - 40),
            min(DEFAULT_SIZE.height(), room.height() - 60),
        )

    def default_sizes(self) -> None:
        """The docks' sizes as first laid out, scaled to the window."""
        h, w = max(self.height(), 600), max(self.width(), 1000)
        self.resizeDocks([self.docks["timeline"]], [int(h * 0.34)], Qt.Orientation.Vertical)
        self.resizeDocks([self.docks["preview"]], [int(w * 0.4)], Qt.Orientation.Horizontal)
        self.resizeDocks([self.docks["outline"]], [int(w * 0.15)], Qt.Orientation.Horizontal)
        self.resizeDocks(  # the preview first: it is what the user looks at
            [self.docks["preview"], self.docks["voices"]],
            [int(h * 0.6), int(h * 0.15)],
            Qt.Orientation.Vertical,
        )

    def reset_layout(self) -> None:
        """View › Reset Layout: every panel back where it started, at its first size."""
        self.restoreState(self.default_state)
        for dock in self.docks.values():
            dock.setFloating(False)
            dock.show()
        self.tabifyDockWidget(self.docks["voices"], self.docks["jobs"])
        self.tabifyDockWidget(self.docks["voices"], self.docks["terminal"])
        self.docks["voices"].raise_()
        self.default_sizes()

    def _unsquash(self) -> None:
        """A dock left squashed to nothing in the last session gets its default size."""
        for key, (orientation, least) in COMFORTABLE.items():
            dock = self.docks[key]
            if dock.isVisible() and not dock.isFloating():
                size = dock.height() if orientation == Qt.Orientation.Vertical else dock.width()
                if size < least:
                    total = (
                        self.height() if orientation == Qt.Orientation.Vertical else self.width()
                    )
                    self.resizeDocks([dock], [int(total * 0.34)], orientation)

    # -- composition -----------------------------------------------------------------
    def add_dock(
        self, key: str, title: str, widget: QWidget, area: Qt.DockWidgetArea
    ) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(f"dock_{key}")
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        self.docks[key] = dock
        return dock

    def _build_panels(self) -> None:
        """The engine-backed panels (timeline, preview, voices, terminal, assets)."""
        from app.ui.panels import StudioPanels

        self.panels = StudioPanels(self)
        self.panels.message.connect(self.show_message)

    def show_message(self, text: str, ms: int = 0) -> None:
        """A line in the status bar for ``ms`` milliseconds (0: until the next one)."""
        self.statusBar().showMessage(text, ms)

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
        a(ActionSpec("file.welcome", "&Welcome Page", "File"), self.show_welcome)
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
            lambda: self.focus_panel("outline"),
        )
        a(
            ActionSpec("view.problems", "Focus &Problems", "View", ("Ctrl+3",)),
            lambda: self.focus_panel("problems"),
        )
        a(
            ActionSpec("view.jobs", "Show &Jobs", "View", ("Ctrl+9",)),
            lambda: self.focus_panel("jobs"),
        )
        a(
            ActionSpec("view.reset_layout", "&Reset Layout", "View", separator_before=True),
            self.reset_layout,
        )
        a(
            ActionSpec("help.shortcuts", "&Keyboard Shortcuts", "Help", ("Ctrl+/",)),
            self.show_shortcuts,
        )
        a(ActionSpec("help.about", "&About Castline", "Help"), self._about)
        self.panels.register_actions()

    def focus_panel(self, key: str) -> None:
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
        self.welcome.new_requested.connect(self.new_project)
        self.welcome.template_requested.connect(self.new_from_template)
        self.welcome.open_requested.connect(self.open_dialog)
        self.welcome.example_requested.connect(self.open_example)
        self.welcome.path_requested.connect(lambda p: self.open_script(Path(p)))
        self.welcome.draft_requested.connect(self.open_draft)

    # -- projects --------------------------------------------------------------------
    def confirm_discard(self, then: Callable[[], None], doing: str) -> bool:
        """Run ``then`` now when nothing is unsaved; otherwise ask Save / Discard / Cancel
        first (the question does not block: ``then`` runs when it is answered)."""
        if self.session.project is None or not self.session.modified:
            then()
            return True
        name = self.session.script_path.name if self.session.script_path else "The new project"
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Unsaved changes",
            f"{name} has unsaved changes. Save them before {doing}?",
            QMessageBox.StandardButton.Save
            | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel,
            self,
        )
        box.setObjectName("unsavedQuestion")
        box.setInformativeText(
            "Discarded edits are still in the project store: reopening the script offers them."
        )
        box.setDefaultButton(QMessageBox.StandardButton.Save)

        def answered(button: QAbstractButton) -> None:
            choice = box.standardButton(button)
            self.question = None
            if choice == QMessageBox.StandardButton.Save:
                if self.save():
                    then()
            elif choice == QMessageBox.StandardButton.Discard:
                then()

        box.buttonClicked.connect(answered)
        self.question = box
        box.open()
        return False

    def _tell(self, title: str, text: str, name: str = "studioMessage") -> QMessageBox:
        """A message that does not block the window (opening a file, saving)."""
        box = QMessageBox(
            QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok, self
        )
        box.setObjectName(name)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
        return box

    def open_script(self, path: Path) -> None:
        """Open a script file (its project is created in the store on first open)."""
        path = Path(path)
        if self.session.script_path == path.expanduser().resolve():
            self.show_editor()
            return
        self.confirm_discard(lambda: self._open_script(path), f"opening {path.name}")

    def _open_script(self, path: Path) -> None:
        try:
            text = self.session.open_script(path)
        except NotAScript as exc:
            self._tell("Cannot open script", str(exc), "openProblem")
            return
        except OSError as exc:
            self._tell(
                "Cannot open script",
                f"{path} cannot be read: {exc.strerror or exc}",
                "openProblem",
            )
            return
        self._load_text(text)
        if self.session.recovered:
            self.statusBar().showMessage("Recovered unsaved edits from the last session", 8000)

    def new_project(self, text: str | None = None) -> None:
        """A new draft project (its folder is chosen when it is first saved)."""
        self.confirm_discard(
            lambda: self._load_text(self.session.new_project(self.prefs.default_voice, text)),
            "starting a new project",
        )

    def new_from_template(self, name: str) -> None:
        from app.ui.templates import template

        self.new_project(template(name).text)

    def open_draft(self, project_id: str) -> None:
        if self.session.project is not None and self.session.project.id == project_id:
            self.show_editor()
            return
        record = self.store.get_project(project_id)
        if record is not None:
            self.confirm_discard(
                lambda: self._load_text(self.session.open_draft(record)), "opening the draft"
            )

    def open_example(self) -> None:
        """The bundled example, copied to the user's folder first (edits never touch it)."""
        from app.ui.welcome import example_copy

        try:
            path = example_copy()
        except OSError as exc:
            self._tell("Cannot open the example", f"It could not be copied: {exc}")
            return
        self.open_script(path)

    def _fill_templates(self) -> None:
        from app.ui.templates import TEMPLATES

        menu = self.actions_.submenu("templates")
        if menu is None:
            return
        for t in TEMPLATES:
            act = menu.addAction(t.name)
            act.setStatusTip(t.description)
            act.triggered.connect(lambda _c=False, n=t.name: self.new_from_template(n))

    def show_welcome(self) -> None:
        self.welcome.set_projects(
            [(p.name, p.script_path or "") for p in self.session.recent()],
            [(p.id, p.name) for p in self.session.drafts()],
        )
        self.pages.setCurrentWidget(self.welcome)
        self.welcome.setFocus()

    def show_editor(self) -> None:
        self.pages.setCurrentWidget(self.editor)

    def _load_text(self, text: str) -> None:
        path = self.session.script_path
        self._loading = True
        try:
            self.editor.script_dir = path.parent if path is not None else None
            self.editor.setPlainText(text)
        finally:
            self._loading = False
        self.document.open(text, path, self.panels.load_overrides())
        self.project_opened()
        if path is not None:
            self.prefs.add_recent(str(path))
        self._refresh_recent()
        self._update_title()
        self.show_editor()

    def project_opened(self) -> None:
        """Panels reload project state (characters, stored timeline); see app.ui.panels."""
        self.panels.project_opened()

    def open_dialog(self) -> None:
        start = (
            str(self.session.script_path.parent) if self.session.script_path else str(Path.home())
        )
        name, _ = QFileDialog.getOpenFileName(
            self, "Open script", start, "Scripts (*.md *.markdown)"
        )
        if name:
            self.open_script(Path(name))

    def choose_project_folder(self) -> Path | None:
        """Where a new project lives: a folder of its own, holding script.md and its media."""
        dialog = QFileDialog(self, "Choose a folder for the new project")
        dialog.setObjectName("projectFolderDialog")
        dialog.setFileMode(QFileDialog.FileMode.Directory)
        dialog.setOption(QFileDialog.Option.ShowDirsOnly, True)
        start = Path.home() / "Castline"
        dialog.setDirectory(str(start if start.is_dir() else Path.home()))
        if not dialog.exec() or not dialog.selectedFiles():
            return None
        folder = Path(dialog.selectedFiles()[0])
        if (folder / "script.md").exists():
            self._tell(
                "Folder in use",
                f"{folder} already holds a script.md: choose an empty folder or make a new one.",
            )
            return None
        return folder

    def save(self) -> bool:
        if self.session.project is None:
            return False
        target: Path | None = None
        if self.session.is_draft:
            folder = self.choose_project_folder()
            if folder is None:
                return False
            target = folder / "script.md"
        try:
            path = self.session.save(self.editor.toPlainText(), target)
        except OSError as exc:
            self._tell(
                "Cannot save",
                f"{target or self.session.script_path} cannot be written: "
                f"{exc.strerror or exc}. Your edits are kept in the project store.",
            )
            return False
        if target is not None:
            self.editor.script_dir = path.parent
            self.document.set_text(self.editor.toPlainText(), path)
            self.document.parse_soon()
            self.prefs.add_recent(str(path))
            self._refresh_recent()
        self.statusBar().showMessage(f"Saved {path}", 4000)
        self._update_title()
        return True

    def save_as(self) -> None:
        if self.session.project is None:
            return
        if self.session.is_draft:
            self.save()
            return
        assert self.session.script_path is not None
        name, _ = QFileDialog.getSaveFileName(
            self, "Save script as", str(self.session.script_path), "Scripts (*.md)"
        )
        if name:
            try:
                self.session.save(self.editor.toPlainText(), Path(name))
            except OSError as exc:
                self._tell("Cannot save", f"{name} cannot be written: {exc.strerror or exc}")
                return
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
        name = self.session.script_path.name if self.session.script_path else "new project"
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
        from app.ui.settings.dialog import SettingsDialog

        dialog = SettingsDialog(self.prefs, self, on_budget=self._set_budget)
        dialog.saved.connect(self.panels.settings_saved)
        dialog.saved.connect(lambda: self.jobs_panel.set_workers_url(self.prefs.workers_url))
        self.settings_dialog = dialog
        dialog.open()

    def new_from_topic(self) -> None:
        self.panels.new_from_topic()

    def _set_budget(self, usd: float) -> None:
        """Settings were saved: the project's budget, and keys the voices may now have."""
        self.panels.services.forget()
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
        if not self._layout_checked:
            self._layout_checked = True
            QTimer.singleShot(0, self._unsquash)
            QTimer.singleShot(0, self.collector.freeze_startup)
        QTimer.singleShot(0, self.shown.emit)

    def show_shortcuts(self) -> QWidget:
        """Help › Keyboard Shortcuts: every action with its keys, from the registry."""
        from app.ui.shortcuts import ShortcutsDialog

        dialog = ShortcutsDialog(self.actions_, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        return dialog

    def closeEvent(self, e: QCloseEvent) -> None:
        if self.document.closed:
            super().closeEvent(e)
            return
        if not self._close_confirmed and self.session.modified:
            e.ignore()

            def close_now() -> None:
                self._close_confirmed = True
                self.close()

            self.confirm_discard(close_now, "quitting")
            return
        self.session.flush()
        self.panels.close()
        self.collector.stop()
        self.qsettings.setValue("window/state", self.saveState())
        self.qsettings.sync()
        super().closeEvent(e)

    def _about(self) -> None:
        QMessageBox.about(
            self, "About Castline", "Castline turns a Markdown script into a narrated video."
        )
