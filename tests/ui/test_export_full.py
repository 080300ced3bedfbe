"""A whole export from the studio: a playable file, Show in folder, nothing left behind."""

from __future__ import annotations

from pathlib import Path

import av
from pytestqt.qtbot import QtBot

from app.engine.store import Store
from tests.ui.conftest import copy_script, open_window

TINY = Path(__file__).parent / "fixtures" / "tiny" / "script.md"


def test_export_writes_a_video_with_sound(qtbot: QtBot, store: Store, tmp_path: Path) -> None:
    window = open_window(qtbot, store, copy_script(TINY, tmp_path))
    window.prefs.output_dir = tmp_path / "out"
    dialog = window.panels.open_export_dialog()
    dialog.preset.setCurrentIndex(dialog.preset.findData("preview"))
    job = dialog.export()
    assert job is not None
    qtbot.waitUntil(lambda: job.state != "running", timeout=300000)
    assert job.state == "done", job.error
    out = tmp_path / "out" / "tiny-preview.mp4"
    assert Path(job.result.output) == out and out.is_file()
    assert dialog.folder_button.isEnabled() and window.jobs_panel.rows[job.id].folder.isVisibleTo(
        window.jobs_panel
    )
    with av.open(str(out)) as container:
        video = container.streams.video[0]
        assert (video.codec_context.width, video.codec_context.height) == (960, 540)
        assert container.streams.audio
        assert container.duration is not None and container.duration > 2 * av.time_base
    assert not [p for p in out.parent.iterdir() if ".part" in p.name]
    window.close()
