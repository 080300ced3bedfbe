"""Export from the studio: the one-click export starts a render job that can be cancelled."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from app.ui.jobs.manager import Job
from app.ui.main_window import MainWindow


def test_export_starts_and_cancels_leaving_no_file(
    qtbot: QtBot, studio: MainWindow, tmp_path: Path
) -> None:
    studio.prefs.output_dir = tmp_path / "videos"
    dialog = studio.panels.open_export_dialog()
    dialog.preset.setCurrentIndex(dialog.preset.findData("preview"))
    assert dialog.output.text().endswith("how-ssh-really-works-preview.mp4")
    job = dialog.export()
    assert job is not None and job.kind == "render"
    row = studio.jobs_panel.rows[job.id]
    qtbot.waitUntil(lambda: job.last is not None and job.last.total > 0, timeout=60000)
    with qtbot.waitSignal(studio.jobs.finished, timeout=60000) as blocker:
        dialog.cancel_button.click()
    finished: Job = blocker.args[0]
    assert finished is job and job.state == "cancelled"
    assert "Cancelled" in dialog.status.text()
    assert row.detail.text() == "cancelled" and not row.cancel.isEnabled()
    folder = tmp_path / "videos"
    assert not folder.exists() or list(folder.iterdir()) == []  # no final file, no temporary left


def test_export_refuses_a_script_with_errors(qtbot: QtBot, studio: MainWindow) -> None:
    studio.editor.setPlainText(studio.editor.toPlainText() + "\n```terminal\n$ never closed\n")
    studio.actions_.trigger("file.export_youtube")
    assert studio.jobs.jobs == {}
    assert "error" in studio.statusBar().currentMessage()
