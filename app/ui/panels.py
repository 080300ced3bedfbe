"""The engine-backed panels of the main window and their actions, as one controller.

Kept apart from main_window.py so the window composes panels instead of implementing
them. :class:`StudioPanels` owns the panels, their timers and services; it talks to the
window only through the window's public members (its models, ``add_dock``,
``focus_panel``, ``replace_text``, ``new_project``) and tells it things through its own
``message`` signal. Each piece here connects signals, never reaches inside another panel.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QUndoStack
from PySide6.QtWidgets import QScrollArea, QWidget

from app.engine.model import Script
from app.engine.render import DEFAULT_PRESET
from app.engine.timeline import overrides as timeline_overrides
from app.engine.timeline.overrides import OverridesDataError, TimelineOverrides, save_overrides
from app.engine.visuals.plan import VisualPlan
from app.engine.visuals.versions import with_chosen_voices
from app.engine.voice.service import SynthesisOptions, SynthesisResult, SynthesisService
from app.ui import workers
from app.ui.actions import ActionSpec
from app.ui.editor.rewrite import set_block_options, set_character
from app.ui.export.dialog import ExportDialog
from app.ui.export.job import ExportRequest, export_work, output_for, unvoiced
from app.ui.jobs.manager import Job
from app.ui.media.panel import MediaBinPanel
from app.ui.media.timeline_drop import TimelineDrops
from app.ui.preview.player import PreviewPanel
from app.ui.publish.wiring import offer_resume, register_publish_action
from app.ui.terminal.panel import TerminalPanel
from app.ui.timeline.panel import TimelinePanel
from app.ui.visuals.draft import DraftDialog
from app.ui.visuals.panel import VisualsPanel
from app.ui.voices.panel import VoicePanel
from app.ui.voicing import BackgroundVoicing

if TYPE_CHECKING:
    from app.engine.timeline import Timeline
    from app.ui.main_window import MainWindow

SK = QKeySequence.StandardKey
TIMELINE_SAVE_MS = 300


def scrolling(panel: QWidget) -> QScrollArea:
    """``panel`` in a scroll area, so its dock can be short on a small screen."""
    scroll = QScrollArea()
    scroll.setObjectName(f"{panel.objectName()}Scroll")
    scroll.setWidget(panel)
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QScrollArea.Shape.NoFrame)
    return scroll


class SynthesisServices:
    """One service per open project (its cache, ledger and budget are the project's).

    The background voicing has its own, so it never shares a run with a button's.
    """

    def __init__(self, window: MainWindow) -> None:
        self._window = window
        self._services: dict[str, SynthesisService] = {}
        self._retired: list[SynthesisService] = []
        """Replaced services: work may still be speaking through them, so they are closed
        with the window, not when replaced."""

    def _service(self, use: str) -> SynthesisService:
        w = self._window
        project_id = w.session.project.id if w.session.project else None
        service = self._services.get(use)
        if service is None or service.options.project_id != project_id:
            if service is not None:
                self._retired.append(service)
            # No budget override: the script's ``budget:`` wins, else the project's (settings).
            service = SynthesisService(w.store, SynthesisOptions(project_id=project_id))
            self._services[use] = service
        return service

    def synthesis(self) -> SynthesisService:
        """The service the buttons, the export and the Publish dialog speak with."""
        return self._service("synthesis")

    def voicing(self) -> SynthesisService:
        """The background voicing's service."""
        return self._service("voicing")

    def forget(self) -> None:
        """Settings changed (keys, budget): the next use builds the services afresh."""
        self._retired.extend(self._services.values())
        self._services.clear()

    def close(self) -> None:
        """The window closes: every service's provider connections go with it."""
        for service in [*self._retired, *self._services.values()]:
            service.close()
        self._retired.clear()
        self._services.clear()


class StudioPanels(QObject):
    """The timeline, preview, voices, terminal, Visuals and media bin, wired together.

    ``message(text, ms)`` is for the window's status bar.
    """

    message = Signal(str, int)

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.setObjectName("studioPanels")
        self._window = w = window
        self.services = SynthesisServices(window)
        self.export_output: Path | None = None
        """The file the export dialog was told to write (Ctrl+E writes there too)."""
        self.export_dialog: ExportDialog | None = None
        self.draft_dialog: DraftDialog | None = None
        self.preview_enlarged = False
        area = Qt.DockWidgetArea
        self.undo_stack = QUndoStack(window)
        self.timeline_panel = TimelinePanel(w.document, self.undo_stack)
        self.preview = PreviewPanel(w.document)
        w.add_dock("preview", "Preview", self.preview, area.RightDockWidgetArea)
        w.add_dock("timeline", "Timeline", self.timeline_panel, area.BottomDockWidgetArea)
        self.timeline_panel.message.connect(lambda m: self.message.emit(m, 5000))
        self.timeline_panel.view.frame_changed.connect(self.preview.show_frame)
        self.timeline_panel.view.clip_selected.connect(self._reveal_clip)
        self.preview.position_changed.connect(self.timeline_panel.view.set_playhead)
        self.preview.position_changed.connect(self.timeline_panel.show_time)
        w.document.timeline_replaced.connect(lambda _t: self.preview.show_frame(self.preview.frame))
        self.preview.enlarge_requested.connect(self.enlarge_preview)
        self.voices = VoicePanel(self.services.synthesis, w.jobs, self.budget)
        w.add_dock("voices", "Voices", self.voices, area.RightDockWidgetArea)
        self.voices.entry_changed.connect(self._voice_changed)
        self.voices.synthesized.connect(self._synthesized)
        self.voices.message.connect(lambda m: self.message.emit(m, 8000))
        w.document.parsed.connect(lambda script: self.voices.set_script(script, w.document.text))
        self.voicing = BackgroundVoicing(
            w.document, self.services.voicing, lambda: w.prefs.background_voicing, window
        )
        self.voicing.state.connect(self.timeline_panel.show_timing)
        self.terminal = TerminalPanel()
        w.add_dock("terminal", "Terminal", scrolling(self.terminal), area.RightDockWidgetArea)
        w.tabifyDockWidget(w.docks["voices"], w.docks["terminal"])
        w.document.parsed.connect(self.terminal.set_script)
        w.editor.cursorPositionChanged.connect(
            lambda: self.terminal.select_for_cursor(w.editor.current_line())
        )
        self.terminal.options_changed.connect(
            lambda line, options: w.replace_text(
                set_block_options(w.editor.toPlainText(), line, options)
            )
        )
        self.timeline_save = QTimer(self)
        self.timeline_save.setSingleShot(True)
        self.timeline_save.setInterval(TIMELINE_SAVE_MS)
        self.timeline_save.timeout.connect(self.save_timeline)
        self.undo_stack.indexChanged.connect(lambda _i: self._after_undo_step())
        self._build_asset_panels()

    # -- voices ----------------------------------------------------------------------
    def budget(self) -> tuple[float, float]:
        """(budget, spent so far) in dollars: the script's ``budget:``, else the project's."""
        w = self._window
        if w.session.project is None or w.document.closed:
            return w.prefs.budget_usd, 0.0
        script = w.document.script
        written = script.settings.budget_usd if script is not None else None
        chosen = written if written is not None else w.session.project.budget_usd
        return chosen, w.store.project_spend(w.session.project.id)

    def _voice_changed(self, name: str, entry: str) -> None:
        w = self._window
        w.replace_text(set_character(w.editor.toPlainText(), name, entry))
        character = w.document.script.character(name) if w.document.script else None
        if w.session.project is not None and character is not None:
            w.store.set_character(
                w.session.project.id,
                name,
                str(character.voice),
                [str(f) for f in character.fallback],
                character.settings.model_dump(exclude_none=True),
            )

    def _synthesized(self, result: SynthesisResult) -> None:
        """Real audio lengths replace the estimates; the hand edits stay on top."""
        if result.failed:
            first = next(iter(result.failed.items()))
            self.message.emit(
                f"{len(result.failed)} line(s) failed; line {first[0]}: {first[1]}", 10000
            )
        self._window.document.set_synthesis(result)
        self.voices.update_cost()

    # -- timeline --------------------------------------------------------------------
    def _reveal_clip(self, clip_id: object) -> None:
        """Selecting a clip shows the script line it came from (the editor keeps no focus)."""
        w = self._window
        tl = w.document.timeline
        found = tl.find(clip_id) if tl is not None and clip_id is not None else None  # type: ignore[arg-type]
        if found is not None and found[1].script_line and not w.editor.hasFocus():
            w.editor.reveal_line(found[1].script_line)

    def _after_undo_step(self) -> None:
        """Every undo step is flushed to the store: the text now, the hand edits shortly."""
        w = self._window
        if w.document.closed or not shiboken6.isValid(w.session):
            return  # the window is going away (its undo stack is cleared as it is deleted)
        w.session.flush()
        self.timeline_save.start()

    def save_timeline(self) -> None:
        """Keep the hand edits with the project (none saved says: follow the script)."""
        w = self._window
        self.timeline_save.stop()
        if w.session.project is not None:
            save_overrides(w.store, w.session.project.id, w.document.overrides)

    def load_overrides(self) -> TimelineOverrides | None:
        """The open project's stored hand edits (a message says why when they cannot be used)."""
        w = self._window
        if w.session.project is None:
            return None
        try:
            return timeline_overrides.load_overrides(w.store, w.session.project.id)
        except OverridesDataError as exc:
            self.message.emit(f"Hand edits: {exc}", 12000)
            return None

    def enlarge_preview(self) -> None:
        """Give the preview most of the window; pressing again puts the panels back."""
        w = self._window
        dock = w.docks["preview"]
        dock.show()
        if self.preview_enlarged:
            self.preview_enlarged = False
            w.default_sizes()
            return
        self.preview_enlarged = True
        vertical, horizontal = Qt.Orientation.Vertical, Qt.Orientation.Horizontal
        w.resizeDocks([w.docks["timeline"]], [1], vertical)  # down to its smallest
        w.resizeDocks([dock], [int(w.width() * 0.62)], horizontal)
        w.resizeDocks([dock, w.docks["voices"]], [w.height(), 1], vertical)

    # -- export ----------------------------------------------------------------------
    def default_output(self, preset: str) -> Path:
        w = self._window
        script = w.document.script or w.document.parse_now()
        return output_for(w.prefs.output_dir, script, preset)

    def start_export(
        self, preset: str = DEFAULT_PRESET, output: Path | None = None, burn: bool = False
    ) -> Job | None:
        """Export the timeline the studio shows; the script must have no errors.

        Lines not voiced yet are voiced first and laid out with the same hand edits, which
        is what the timeline shows once they are voiced (it is told the new voices too).
        """
        w = self._window
        script = w.document.parse_now()
        timeline = w.document.snapshot()
        errors = [d for d in script.diagnostics if d.is_error]
        if errors:
            self.message.emit(
                f"Fix {len(errors)} error(s) before exporting: line {errors[0].line}: {errors[0].message}",
                10000,
            )
            w.focus_panel("problems")
            return None
        if timeline is None or timeline.duration == 0:
            self.message.emit("Nothing to export: the script has no content yet", 8000)
            return None
        target = output or self.export_output or self.default_output(preset)
        request = self.export_request_for(script, timeline, target, preset, burn)
        missing = unvoiced(timeline)
        if missing:
            self.message.emit(f"Voicing {missing} line(s) before the export…", 10000)
        voiced: list[SynthesisResult] = []
        project = w.session.project

        def done(job: Job) -> None:
            if voiced and w.session.project is project and not w.document.closed:
                w.document.set_synthesis(voiced[0])
            if job.state == "done":
                self.message.emit(f"Exported {job.result.output}", 15000)

        return w.jobs.start(
            "render",
            f"Export {target.name}",
            export_work(request, self.services.synthesis, voiced.append),
            done,
        )

    def export_request_for(
        self, script: Script, timeline: Timeline, target: Path, preset: str, burn: bool = False
    ) -> ExportRequest:
        """What an export of the studio's timeline needs (the export and the Publish dialog)."""
        w = self._window
        inputs = w.document.inputs()
        return ExportRequest(
            script,
            w.document.text,
            timeline,
            inputs.overrides,
            inputs.visuals,
            target,
            preset,
            burn,
        )

    def _export_output_chosen(self, path: Path) -> None:
        self.export_output = path

    def open_export_dialog(self) -> ExportDialog:
        """File › Export…: one dialog per window, shown again with its last choices."""
        dialog = self.export_dialog
        if dialog is None:
            dialog = ExportDialog(
                self._window.jobs, self.default_output, self.start_export, self._window
            )
            dialog.output_chosen.connect(self._export_output_chosen)
            self.export_dialog = dialog
        elif self.export_output is None:
            dialog.reset_output()
        dialog.show()
        dialog.raise_()
        return dialog

    # -- actions ---------------------------------------------------------------------
    def register_actions(self) -> None:
        """The panels' menu actions and shortcuts, in the window's registry."""
        w = self._window
        a = w.actions_.add
        a(
            ActionSpec(
                "file.export_youtube",
                "Export for &YouTube",
                "File",
                ("Ctrl+E",),
                separator_before=True,
                tip="Export with the YouTube 1080p preset to the output folder",
            ),
            self.start_export,
        )
        a(ActionSpec("file.export", "&Export…", "File", ("Ctrl+Shift+E",)), self.open_export_dialog)
        register_publish_action(w)
        tp = self.timeline_panel
        pv = self.preview
        a(
            ActionSpec("edit.undo", "&Undo", "Edit", (SK.Undo,), tip="Undo the last timeline edit"),
            self.undo_stack.undo,
        )
        a(
            ActionSpec("edit.redo", "&Redo", "Edit", ("Ctrl+Shift+Z", "Ctrl+Y")),
            self.undo_stack.redo,
        )
        self.undo_stack.canUndoChanged.connect(w.actions_.action("edit.undo").setEnabled)
        self.undo_stack.canRedoChanged.connect(w.actions_.action("edit.redo").setEnabled)
        w.actions_.action("edit.undo").setEnabled(False)
        w.actions_.action("edit.redo").setEnabled(False)
        a(
            ActionSpec("timeline.split", "&Split at Playhead", "Timeline", ("S",)),
            tp.split_at_playhead,
        )
        a(
            ActionSpec("timeline.delete", "&Delete Clip", "Timeline", ("Delete",)),
            tp.delete_selected,
        )
        a(
            ActionSpec("timeline.ripple", "&Ripple Delete", "Timeline", ("Shift+Delete",)),
            lambda: tp.delete_selected(ripple=True),
        )
        a(
            ActionSpec(
                "timeline.select",
                "Select Clip at &Playhead",
                "Timeline",
                ("C",),
                separator_before=True,
            ),
            tp.select_at_playhead,
        )
        a(
            ActionSpec("timeline.next_clip", "Select Ne&xt Clip", "Timeline", ("Alt+Right",)),
            lambda: tp.step_selection(1),
        )
        a(
            ActionSpec("timeline.prev_clip", "Select Pre&vious Clip", "Timeline", ("Alt+Left",)),
            lambda: tp.step_selection(-1),
        )
        a(
            ActionSpec("timeline.nudge_right", "Nudge Clip Right", "Timeline", (".",)),
            lambda: tp.nudge(1),
        )
        a(
            ActionSpec("timeline.nudge_left", "Nudge Clip Left", "Timeline", (",",)),
            lambda: tp.nudge(-1),
        )
        a(
            ActionSpec("timeline.trim_start", "Trim Clip Start to Playhead", "Timeline", ("Q",)),
            lambda: tp.trim_to_playhead("start"),
        )
        a(
            ActionSpec("timeline.trim_end", "Trim Clip End to Playhead", "Timeline", ("W",)),
            lambda: tp.trim_to_playhead("end"),
        )
        a(
            ActionSpec(
                "timeline.zoom_in", "Zoom &In", "Timeline", ("=", "Ctrl+="), separator_before=True
            ),
            lambda: tp.view.zoom_by(1.25),
        )
        a(
            ActionSpec("timeline.zoom_out", "Zoom &Out", "Timeline", ("-", "Ctrl+-")),
            lambda: tp.view.zoom_by(0.8),
        )
        a(
            ActionSpec("timeline.zoom_fit", "Zoom to &Fit", "Timeline", ("Ctrl+0",)),
            tp.view.zoom_fit,
        )
        snap = a(
            ActionSpec("timeline.snap", "S&napping", "Timeline", ("N",), checkable=True),
            lambda: None,
        )
        snap.setChecked(True)
        snap.toggled.connect(lambda on: setattr(tp.view, "snapping", on))
        a(
            ActionSpec(
                "timeline.relayout",
                "Re-&layout from Script",
                "Timeline",
                ("Ctrl+L",),
                separator_before=True,
                tip="Clear every hand edit of the timeline (one undoable step)",
            ),
            tp.relayout,
        )
        a(ActionSpec("playback.play", "&Play / Pause", "Playback", ("Space",)), pv.toggle_play)
        a(
            ActionSpec("playback.back", "Play &Backwards (J)", "Playback", ("J",)),
            lambda: pv.shuttle(-1),
        )
        a(ActionSpec("playback.pause", "Pa&use (K)", "Playback", ("K",)), pv.pause)
        a(
            ActionSpec("playback.forward", "Play &Forwards (L)", "Playback", ("L",)),
            lambda: pv.shuttle(1),
        )
        a(
            ActionSpec(
                "playback.prev", "Previous &Frame", "Playback", ("Left",), separator_before=True
            ),
            lambda: pv.step(-1),
        )
        a(ActionSpec("playback.next", "&Next Frame", "Playback", ("Right",)), lambda: pv.step(1))
        a(ActionSpec("playback.start", "Go to &Start", "Playback", ("Home",)), pv.home)
        a(ActionSpec("playback.end", "Go to &End", "Playback", ("End",)), pv.end)
        a(
            ActionSpec("view.timeline", "Focus &Timeline", "View", ("Ctrl+4",)),
            lambda: w.focus_panel("timeline"),
        )
        a(
            ActionSpec("view.preview", "Show Pre&view", "View", ("Ctrl+5",)),
            lambda: w.focus_panel("preview"),
        )
        a(
            ActionSpec("view.voices", "Show &Voices", "View", ("Ctrl+6",)),
            lambda: w.focus_panel("voices"),
        )
        a(
            ActionSpec("view.terminal", "Show T&erminal Preview", "View", ("Ctrl+7",)),
            lambda: w.focus_panel("terminal"),
        )
        a(
            ActionSpec("view.preview_large", "&Enlarge Preview", "View", ("Ctrl+Shift+F",)),
            self.enlarge_preview,
        )
        a(
            ActionSpec("view.preview_full", "&Full Screen Preview", "View", ("F11",)),
            pv.toggle_full_screen,
        )
        a(
            ActionSpec("view.visuals", "Show V&isuals", "View", ("Ctrl+8",)),
            lambda: w.focus_panel("visuals"),
        )
        a(
            ActionSpec("view.media", "Show &Media Bin", "View", ("Ctrl+Shift+M",)),
            lambda: w.focus_panel("media"),
        )

    # -- the window's life -----------------------------------------------------------
    def project_opened(self) -> None:
        """A project is open (its hand edits were loaded with its text): panels start afresh."""
        w = self._window
        if w.session.project is None:
            return
        self.export_output = None
        self.preview.cache.clear()
        self.preview.seek(0)
        self.voices.load_listings()
        self.voicing.schedule()
        offer_resume(w)
        self.visuals_panel.reload()
        self.media_bin.reload()
        self.media_bin.enforce_cap()

    def settings_saved(self) -> None:
        """New keys may unlock providers; a new cap may remove old files."""
        self.media_bin.enforce_cap()
        self.visuals_panel.reload()

    def close(self) -> None:
        """Stop every piece of background work the panels started, promptly."""
        w = self._window
        for job in w.jobs.running():
            w.jobs.cancel(
                job.id
            )  # workers stop at their next check instead of outliving the window
        self.voicing.stop()
        self.preview.shutdown()
        self.timeline_panel.view.media.close()
        self.save_timeline()
        self.undo_stack.indexChanged.disconnect()
        w.document.close()
        self.voices.setEnabled(False)
        self.terminal.stop()
        workers.cancel_owned(self, w, w.editor, self.voices, w.jobs)
        self.services.close()

    # -- media bin, Visuals panel, New from topic --------------------------------------
    def project_context(self) -> tuple[str | None, Script | None]:
        """The open project's id and its newest parse (what the bin and Visuals panel read)."""
        w = self._window
        if w.document.closed:
            return None, None
        return (w.session.project.id if w.session.project else None), w.document.script

    def _build_asset_panels(self) -> None:
        """The Visuals panel and the media bin, docked beside the voices; drops on the timeline."""
        w = self._window
        area = Qt.DockWidgetArea
        self.visuals_panel = VisualsPanel(w.store, w.jobs, self.project_context)
        w.add_dock("visuals", "Visuals", self.visuals_panel, area.RightDockWidgetArea)
        self.media_bin = MediaBinPanel(
            w.store,
            self.project_context,
            busy=lambda: bool(w.jobs.running()),
            cap=w.prefs.cache_cap_bytes,
        )
        w.add_dock("media", "Media", self.media_bin, area.RightDockWidgetArea)
        w.tabifyDockWidget(w.docks["voices"], w.docks["visuals"])
        w.tabifyDockWidget(w.docks["voices"], w.docks["media"])
        self.timeline_drops = TimelineDrops(self.timeline_panel)
        self.visuals_panel.message.connect(lambda m: self.message.emit(m, 8000))
        self.media_bin.message.connect(lambda m: self.message.emit(m, 8000))
        w.document.parsed.connect(self.visuals_panel.set_script)
        w.document.parsed.connect(lambda _s: self.media_bin.reload_soon())
        self.visuals_panel.plan_changed.connect(self._visuals_chosen)
        self.media_bin.versions_changed.connect(self.visuals_panel.reload)
        self.media_bin.versions_changed.connect(self._voices_chosen)
        self.media_bin.regenerate_requested.connect(self.regenerate_line)
        w.jobs.finished.connect(lambda _job: self.media_bin.reload_soon())

    def _visuals_chosen(self, plan: VisualPlan) -> None:
        """The lines' chosen takes changed: the timeline (if it follows the script) shows them."""
        document = self._window.document
        if document.closed:
            return
        document.set_visuals(plan if plan.visuals else None)

    def _voices_chosen(self) -> None:
        """A voice take was picked or made: the timeline plays the lines' chosen takes."""
        document = self._window.document
        result, script = document.synthesis, document.script
        project_id, store = self.project_context()[0], self._window.store
        if result is None or script is None:
            return

        def swapped(new: SynthesisResult) -> None:
            if document.closed or new.lines == result.lines:
                return
            document.set_synthesis(new)

        workers.submit(
            lambda: with_chosen_voices(store, project_id, script, result), swapped, owner=self
        )

    def regenerate_line(self, origin: str, line: int) -> Job | None:
        """A new take of a visual line (the Visuals panel's job) or a voice line (a job here)."""
        if origin == "visual":
            return self.visuals_panel.regenerate(line)
        w = self._window
        script = w.document.script
        if script is None or w.session.project is None:
            return None
        service = self.services.synthesis()

        def done(job: Job) -> None:
            if job.state == "done":
                self.message.emit(f"A new take of line {line} (${job.result.cost_usd:.3f})", 8000)
                self._voices_chosen()
            elif job.state == "failed":
                self.message.emit(f"Line {line} could not be spoken again: {job.error}", 10000)
            self.media_bin.reload()

        return w.jobs.start(
            "voices",
            f"Regenerate voice at line {line}",
            lambda progress: service.regenerate_line(script, line, progress),
            done,
        )

    def new_from_topic(self) -> DraftDialog:
        """File › New from topic…: draft a script with the language model, open it unsaved."""
        w = self._window

        def opened(text: str) -> None:
            w.new_project()
            w.replace_text(text)
            self.message.emit("Drafted a new script: read it through, then Save", 10000)

        dialog = DraftDialog(w.jobs, opened, w)
        self.draft_dialog = dialog
        dialog.open()
        return dialog
