"""Wiring of the engine-backed panels into the main window, and their actions.

Kept apart from main_window.py so the window composes panels instead of implementing
them; each function here connects signals, never reaches inside another panel.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import Qt, QTimer
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
    from app.engine.model import Script
    from app.engine.timeline import Timeline
    from app.ui.main_window import MainWindow

SK = QKeySequence.StandardKey
TIMELINE_SAVE_MS = 300


def build_panels(w: MainWindow) -> None:
    """Create the timeline and preview docks (the editor is the central widget)."""
    area = Qt.DockWidgetArea
    w.undo_stack = QUndoStack(w)
    w.timeline_panel = TimelinePanel(w.document, w.undo_stack)
    w.preview = PreviewPanel(w.document)
    w._dock("preview", "Preview", w.preview, area.RightDockWidgetArea)
    w._dock("timeline", "Timeline", w.timeline_panel, area.BottomDockWidgetArea)
    w.timeline_panel.message.connect(lambda m: w.statusBar().showMessage(m, 5000))
    w.timeline_panel.view.frame_changed.connect(w.preview.show_frame)
    w.timeline_panel.view.clip_selected.connect(lambda clip_id: _reveal_clip(w, clip_id))
    w.preview.position_changed.connect(w.timeline_panel.view.set_playhead)
    w.preview.position_changed.connect(w.timeline_panel._show_time)
    w.document.timeline_replaced.connect(lambda _t: w.preview.show_frame(w.preview.frame))
    w.preview.enlarge_requested.connect(lambda: enlarge_preview(w))
    w.voices = VoicePanel(lambda: synthesis_service(w), w.jobs, lambda: budget(w))
    w._dock("voices", "Voices", w.voices, area.RightDockWidgetArea)
    w.voices.entry_changed.connect(lambda name, entry: _voice_changed(w, name, entry))
    w.voices.synthesized.connect(lambda result: _synthesized(w, result))
    w.voices.message.connect(lambda m: w.statusBar().showMessage(m, 8000))
    w.document.parsed.connect(lambda script: w.voices.set_script(script, w.document.text))
    w.voicing = BackgroundVoicing(
        w.document, lambda: voicing_service(w), lambda: w.prefs.background_voicing, w
    )
    w.voicing.state.connect(w.timeline_panel.show_timing)
    w.terminal = TerminalPanel()
    w._dock("terminal", "Terminal", scrolling(w.terminal), area.RightDockWidgetArea)
    w.tabifyDockWidget(w.docks["voices"], w.docks["terminal"])
    w.document.parsed.connect(w.terminal.set_script)
    w.editor.cursorPositionChanged.connect(
        lambda: w.terminal.select_for_cursor(w.editor.current_line())
    )
    w.terminal.options_changed.connect(
        lambda line, options: w.replace_text(
            set_block_options(w.editor.toPlainText(), line, options)
        )
    )
    w.timeline_save = QTimer(w)
    w.timeline_save.setSingleShot(True)
    w.timeline_save.setInterval(TIMELINE_SAVE_MS)
    w.timeline_save.timeout.connect(lambda: save_timeline(w))
    w.undo_stack.indexChanged.connect(lambda _i: _after_undo_step(w))
    w.export_output = None
    build_asset_panels(w)


def scrolling(panel: QWidget) -> QScrollArea:
    """``panel`` in a scroll area, so its dock can be short on a small screen."""
    scroll = QScrollArea()
    scroll.setObjectName(f"{panel.objectName()}Scroll")
    scroll.setWidget(panel)
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QScrollArea.Shape.NoFrame)
    return scroll


def _service(w: MainWindow, attr: str) -> SynthesisService:
    project_id = w.session.project.id if w.session.project else None
    service: SynthesisService | None = getattr(w, attr, None)
    if service is None or service.options.project_id != project_id:
        # No budget override: the script's ``budget:`` wins, else the project's (settings).
        service = SynthesisService(w.store, SynthesisOptions(project_id=project_id))
        setattr(w, attr, service)
    return service


def forget_services(w: MainWindow) -> None:
    """Settings changed (keys, budget): the next use builds the services afresh."""
    for attr in ("_synthesis", "_voicing_service"):
        if hasattr(w, attr):
            delattr(w, attr)


def synthesis_service(w: MainWindow) -> SynthesisService:
    """One service per open project (its cache, ledger and budget are the project's)."""
    return _service(w, "_synthesis")


def voicing_service(w: MainWindow) -> SynthesisService:
    """The background voicing's own service, so it never shares a run with a button's."""
    return _service(w, "_voicing_service")


def budget(w: MainWindow) -> tuple[float, float]:
    """(budget, spent so far) in dollars: the script's ``budget:``, else the project's."""
    if w.session.project is None or w.document.closed:
        return w.prefs.budget_usd, 0.0
    script = w.document.script
    written = script.settings.budget_usd if script is not None else None
    chosen = written if written is not None else w.session.project.budget_usd
    return chosen, w.store.project_spend(w.session.project.id)


def _voice_changed(w: MainWindow, name: str, entry: str) -> None:
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


def _synthesized(w: MainWindow, result: SynthesisResult) -> None:
    """Real audio lengths replace the estimates; the hand edits stay on top."""
    if result.failed:
        first = next(iter(result.failed.items()))
        w.statusBar().showMessage(
            f"{len(result.failed)} line(s) failed; line {first[0]}: {first[1]}", 10000
        )
    w.document.set_synthesis(result)
    w.voices.update_cost()


def _reveal_clip(w: MainWindow, clip_id: object) -> None:
    """Selecting a clip shows the script line it came from (the editor keeps no focus)."""
    tl = w.document.timeline
    found = tl.find(clip_id) if tl is not None and clip_id is not None else None  # type: ignore[arg-type]
    if found is not None and found[1].script_line and not w.editor.hasFocus():
        w.editor.reveal_line(found[1].script_line)


def _after_undo_step(w: MainWindow) -> None:
    """Every undo step is flushed to the store: the text now, the hand edits shortly."""
    if w.document.closed or not shiboken6.isValid(w.session):
        return  # the window is going away (its undo stack is cleared as it is deleted)
    w.session.flush()
    w.timeline_save.start()


def save_timeline(w: MainWindow) -> None:
    """Keep the hand edits with the project (none saved says: follow the script)."""
    w.timeline_save.stop()
    if w.session.project is not None:
        save_overrides(w.store, w.session.project.id, w.document.overrides)


def load_overrides(w: MainWindow) -> TimelineOverrides | None:
    """The open project's stored hand edits (a message says why when they cannot be used)."""
    if w.session.project is None:
        return None
    try:
        return timeline_overrides.load_overrides(w.store, w.session.project.id)
    except OverridesDataError as exc:
        w.statusBar().showMessage(f"Hand edits: {exc}", 12000)
        return None


def enlarge_preview(w: MainWindow) -> None:
    """Give the preview most of the window; pressing again puts the panels back."""
    dock = w.docks["preview"]
    dock.show()
    if getattr(w, "preview_enlarged", False):
        w.preview_enlarged = False
        w.default_sizes()
        return
    w.preview_enlarged = True
    vertical, horizontal = Qt.Orientation.Vertical, Qt.Orientation.Horizontal
    w.resizeDocks([w.docks["timeline"]], [1], vertical)  # down to its smallest
    w.resizeDocks([dock], [int(w.width() * 0.62)], horizontal)
    w.resizeDocks([dock, w.docks["voices"]], [w.height(), 1], vertical)


def default_output(w: MainWindow, preset: str) -> Path:
    script = w.document.script or w.document.parse_now()
    return output_for(w.prefs.output_dir, script, preset)


def start_export(
    w: MainWindow, preset: str = DEFAULT_PRESET, output: Path | None = None, burn: bool = False
) -> Job | None:
    """Export the timeline the studio shows; the script must have no errors.

    Lines not voiced yet are voiced first and laid out with the same hand edits, which
    is what the timeline shows once they are voiced (it is told the new voices too).
    """
    script = w.document.parse_now()
    timeline = w.document.snapshot()
    errors = [d for d in script.diagnostics if d.is_error]
    if errors:
        w.statusBar().showMessage(
            f"Fix {len(errors)} error(s) before exporting: line {errors[0].line}: {errors[0].message}",
            10000,
        )
        w._focus("problems")
        return None
    if timeline is None or timeline.duration == 0:
        w.statusBar().showMessage("Nothing to export: the script has no content yet", 8000)
        return None
    target = output or w.export_output or default_output(w, preset)
    request = export_request_for(w, script, timeline, target, preset, burn)
    missing = unvoiced(timeline)
    if missing:
        w.statusBar().showMessage(f"Voicing {missing} line(s) before the export…", 10000)
    voiced: list[SynthesisResult] = []
    project = w.session.project

    def done(job: Job) -> None:
        if voiced and w.session.project is project and not w.document.closed:
            w.document.set_synthesis(voiced[0])
        if job.state == "done":
            w.statusBar().showMessage(f"Exported {job.result.output}", 15000)

    return w.jobs.start(
        "render",
        f"Export {target.name}",
        export_work(request, lambda: synthesis_service(w), voiced.append),
        done,
    )


def export_request_for(
    w: MainWindow, script: Script, timeline: Timeline, target: Path, preset: str, burn: bool = False
) -> ExportRequest:
    """What an export of the studio's timeline needs (the export and the Publish dialog)."""
    inputs = w.document.inputs()
    return ExportRequest(
        script, w.document.text, timeline, inputs.overrides, inputs.visuals, target, preset, burn
    )


def open_export_dialog(w: MainWindow) -> ExportDialog:
    dialog = getattr(w, "export_dialog", None)
    if dialog is None:
        dialog = ExportDialog(
            w.jobs, lambda p: default_output(w, p), lambda p, o, b: start_export(w, p, o, b), w
        )
        dialog.output_chosen.connect(lambda path: setattr(w, "export_output", path))
        w.export_dialog = dialog
    elif w.export_output is None:
        dialog.reset_output()
    dialog.show()
    dialog.raise_()
    return dialog


def register_panel_actions(w: MainWindow) -> None:
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
        lambda: start_export(w),
    )
    a(
        ActionSpec("file.export", "&Export…", "File", ("Ctrl+Shift+E",)),
        lambda: open_export_dialog(w),
    )
    register_publish_action(w)
    tp = w.timeline_panel
    pv = w.preview
    a(
        ActionSpec("edit.undo", "&Undo", "Edit", (SK.Undo,), tip="Undo the last timeline edit"),
        w.undo_stack.undo,
    )
    a(ActionSpec("edit.redo", "&Redo", "Edit", ("Ctrl+Shift+Z", "Ctrl+Y")), w.undo_stack.redo)
    w.undo_stack.canUndoChanged.connect(w.actions_.action("edit.undo").setEnabled)
    w.undo_stack.canRedoChanged.connect(w.actions_.action("edit.redo").setEnabled)
    w.actions_.action("edit.undo").setEnabled(False)
    w.actions_.action("edit.redo").setEnabled(False)
    a(ActionSpec("timeline.split", "&Split at Playhead", "Timeline", ("S",)), tp.split_at_playhead)
    a(ActionSpec("timeline.delete", "&Delete Clip", "Timeline", ("Delete",)), tp.delete_selected)
    a(
        ActionSpec("timeline.ripple", "&Ripple Delete", "Timeline", ("Shift+Delete",)),
        lambda: tp.delete_selected(ripple=True),
    )
    a(
        ActionSpec(
            "timeline.select", "Select Clip at &Playhead", "Timeline", ("C",), separator_before=True
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
    a(ActionSpec("timeline.zoom_fit", "Zoom to &Fit", "Timeline", ("Ctrl+0",)), tp.view.zoom_fit)
    snap = a(
        ActionSpec("timeline.snap", "S&napping", "Timeline", ("N",), checkable=True), lambda: None
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
        lambda: w._focus("timeline"),
    )
    a(ActionSpec("view.preview", "Show Pre&view", "View", ("Ctrl+5",)), lambda: w._focus("preview"))
    a(ActionSpec("view.voices", "Show &Voices", "View", ("Ctrl+6",)), lambda: w._focus("voices"))
    a(
        ActionSpec("view.terminal", "Show T&erminal Preview", "View", ("Ctrl+7",)),
        lambda: w._focus("terminal"),
    )
    a(
        ActionSpec("view.preview_large", "&Enlarge Preview", "View", ("Ctrl+Shift+F",)),
        lambda: enlarge_preview(w),
    )
    a(
        ActionSpec("view.preview_full", "&Full Screen Preview", "View", ("F11",)),
        pv.toggle_full_screen,
    )
    register_asset_actions(w)


def on_project_opened(w: MainWindow) -> None:
    """A project is open (its hand edits were loaded with its text): panels start afresh."""
    if w.session.project is None:
        return
    w.export_output = None
    w.preview.cache.clear()
    w.preview.seek(0)
    w.voices.load_listings()
    w.voicing.schedule()
    offer_resume(w)
    assets_project_opened(w)


def on_close(w: MainWindow) -> None:
    """Stop every piece of background work the window started, promptly."""
    for job in w.jobs.running():
        w.jobs.cancel(job.id)  # workers stop at their next check instead of outliving the window
    w.voicing.stop()
    w.preview.shutdown()
    w.timeline_panel.view.media.close()
    save_timeline(w)
    w.undo_stack.indexChanged.disconnect()
    w.document.close()
    w.voices.setEnabled(False)
    w.terminal.stop()
    workers.cancel_owned(w, w.editor, w.voices, w.jobs)


# -- media bin, Visuals panel, New from topic ------------------------------------------


def project_context(w: MainWindow) -> tuple[str | None, Script | None]:
    """The open project's id and its newest parse (what the bin and Visuals panel read)."""
    if w.document.closed:
        return None, None
    return (w.session.project.id if w.session.project else None), w.document.script


def build_asset_panels(w: MainWindow) -> None:
    """The Visuals panel and the media bin, docked beside the voices; drops on the timeline."""
    area = Qt.DockWidgetArea
    w.visuals_panel = VisualsPanel(w.store, w.jobs, lambda: project_context(w))
    w._dock("visuals", "Visuals", w.visuals_panel, area.RightDockWidgetArea)
    w.media_bin = MediaBinPanel(
        w.store,
        lambda: project_context(w),
        busy=lambda: bool(w.jobs.running()),
        cap=w.prefs.cache_cap_bytes,
    )
    w._dock("media", "Media", w.media_bin, area.RightDockWidgetArea)
    w.tabifyDockWidget(w.docks["voices"], w.docks["visuals"])
    w.tabifyDockWidget(w.docks["voices"], w.docks["media"])
    w.timeline_drops = TimelineDrops(w.timeline_panel)
    status = w.statusBar()
    w.visuals_panel.message.connect(lambda m: status.showMessage(m, 8000))
    w.media_bin.message.connect(lambda m: status.showMessage(m, 8000))
    w.document.parsed.connect(w.visuals_panel.set_script)
    w.document.parsed.connect(lambda _s: w.media_bin.reload_soon())
    w.visuals_panel.plan_changed.connect(lambda plan: _visuals_chosen(w, plan))
    w.media_bin.versions_changed.connect(w.visuals_panel.reload)
    w.media_bin.versions_changed.connect(lambda: _voices_chosen(w))
    w.media_bin.regenerate_requested.connect(lambda origin, line: regenerate_line(w, origin, line))
    w.jobs.finished.connect(lambda _job: w.media_bin.reload_soon())


def _visuals_chosen(w: MainWindow, plan: VisualPlan) -> None:
    """The lines' chosen takes changed: the timeline (if it follows the script) shows them."""
    if w.document.closed:
        return
    w.document.set_visuals(plan if plan.visuals else None)


def _voices_chosen(w: MainWindow) -> None:
    """A voice take was picked or made: the timeline plays the lines' chosen takes."""
    result, script = w.document.synthesis, w.document.script
    project_id, store = project_context(w)[0], w.store
    if result is None or script is None:
        return

    def swapped(new: SynthesisResult) -> None:
        if w.document.closed or new.lines == result.lines:
            return
        w.document.set_synthesis(new)

    workers.submit(lambda: with_chosen_voices(store, project_id, script, result), swapped, owner=w)


def regenerate_line(w: MainWindow, origin: str, line: int) -> Job | None:
    """A new take of a visual line (the Visuals panel's job) or a voice line (a job here)."""
    if origin == "visual":
        return w.visuals_panel.regenerate(line)
    script = w.document.script
    if script is None or w.session.project is None:
        return None
    service = synthesis_service(w)

    def done(job: Job) -> None:
        if job.state == "done":
            w.statusBar().showMessage(
                f"A new take of line {line} (${job.result.cost_usd:.3f})", 8000
            )
            _voices_chosen(w)
        elif job.state == "failed":
            w.statusBar().showMessage(f"Line {line} could not be spoken again: {job.error}", 10000)
        w.media_bin.reload()

    return w.jobs.start(
        "voices",
        f"Regenerate voice at line {line}",
        lambda progress: service.regenerate_line(script, line, progress),
        done,
    )


def register_asset_actions(w: MainWindow) -> None:
    a = w.actions_.add
    a(ActionSpec("view.visuals", "Show V&isuals", "View", ("Ctrl+8",)), lambda: w._focus("visuals"))
    a(
        ActionSpec("view.media", "Show &Media Bin", "View", ("Ctrl+Shift+M",)),
        lambda: w._focus("media"),
    )


def new_from_topic(w: MainWindow) -> DraftDialog:
    """File › New from topic…: draft a script with the language model, open it unsaved."""

    def opened(text: str) -> None:
        w.new_project()
        w.replace_text(text)
        w.statusBar().showMessage("Drafted a new script: read it through, then Save", 10000)

    dialog = DraftDialog(w.jobs, opened, w)
    w.draft_dialog = dialog
    dialog.open()
    return dialog


def assets_project_opened(w: MainWindow) -> None:
    w.visuals_panel.reload()
    w.media_bin.reload()
    w.media_bin.enforce_cap()


def settings_saved(w: MainWindow) -> None:
    """New keys may unlock providers; a new cap may remove old files."""
    w.media_bin.enforce_cap()
    w.visuals_panel.reload()
