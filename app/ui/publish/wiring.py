"""The Publish dialog's place in the main window: its host functions and the resume offer."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QKeySequence

from app.ui.export.job import ExportRequest, output_for
from app.ui.publish.dialog import PublishDialog, PublishHost

if TYPE_CHECKING:
    from app.ui.main_window import MainWindow

ACTION = "file.publish"


def export_request(w: MainWindow, preset: str) -> ExportRequest | str:
    """The export "Export and publish" starts, or why it cannot (errors, nothing to render)."""
    script = w.document.parse_now()
    timeline = w.document.snapshot()
    errors = [d for d in script.diagnostics if d.is_error]
    if errors:
        w.focus_panel("problems")
        return (
            f"Fix {len(errors)} error(s) in the script before publishing: "
            f"line {errors[0].line}: {errors[0].message}"
        )
    if timeline is None or timeline.duration == 0:
        return "Nothing to publish: the script has no content yet."
    target = output_for(w.prefs.output_dir, script, preset)
    return w.panels.export_request_for(script, timeline, target, preset)


def publish_host(w: MainWindow) -> PublishHost:
    return PublishHost(
        jobs=w.jobs,
        store=w.store,
        project_id=lambda: w.session.project.id if w.session.project else None,
        script=lambda: w.document.script or w.document.parse_now(),
        timeline=w.document.snapshot,
        frame=lambda: max(0, w.preview.frame),
        export_request=lambda preset: export_request(w, preset),
        synthesis=w.panels.services.synthesis,
    )


def open_publish_dialog(w: MainWindow) -> PublishDialog:
    """Show the window's Publish dialog (one per window; it outlives being closed)."""
    dialog = getattr(w, "publish_dialog", None)
    if dialog is None:
        dialog = PublishDialog(publish_host(w), w)
        dialog.published.connect(
            lambda done: w.statusBar().showMessage(
                f"Published to YouTube: {done.result.url}", 20000
            )
        )
        w.publish_dialog = dialog
    dialog.show()
    dialog.raise_()
    return dialog


def offer_resume(w: MainWindow) -> None:
    """On opening a project: say so when an upload of it was left unfinished."""
    if w.session.project is None:
        return
    pending = w.store.pending_upload(w.session.project.id)
    if pending is not None:
        keys = w.actions_.action(ACTION).shortcut().toString(QKeySequence.SequenceFormat.NativeText)
        w.statusBar().showMessage(
            f"An upload to YouTube stopped at {pending.fraction * 100:.0f}%: "
            f"Publish ({keys}) resumes it",
            20000,
        )
    dialog = getattr(w, "publish_dialog", None)
    if dialog is not None and dialog.isVisible():
        dialog.load_project()
        dialog.refresh_pending()


def register_publish_action(w: MainWindow) -> None:
    """File › Publish to YouTube… (Ctrl+Shift+P)."""
    from app.ui.actions import ActionSpec

    w.actions_.add(
        ActionSpec(
            ACTION,
            "&Publish to YouTube…",
            "File",
            ("Ctrl+Shift+P",),
            tip="Export, then upload to YouTube with a title, thumbnail and captions",
        ),
        lambda: open_publish_dialog(w),
    )
