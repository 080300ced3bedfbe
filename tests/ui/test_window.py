"""The window on a laptop screen: it fits, its layout can be reset, the preview fills its
dock, the transport has real icons and Ctrl+E exports where the dialog said."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from app.engine.store import Store
from app.ui.main_window import MainWindow
from tests.ui.conftest import open_window


def _opaque_pixels(image: QImage) -> int:
    image = image.convertToFormat(QImage.Format.Format_RGBA8888)
    ptr = image.constBits()
    data = np.frombuffer(ptr, dtype=np.uint8).reshape(image.height(), image.bytesPerLine())
    alpha = data[:, 3 : image.width() * 4 : 4]
    return int((alpha > 0).sum())


def test_the_window_fits_a_1366_by_768_screen(qtbot: QtBot, studio: MainWindow) -> None:
    studio.resize(1366, 700)  # 768 less a task bar and the title bar
    qtbot.waitUntil(lambda: studio.height() <= 700, timeout=5000)
    assert studio.minimumSizeHint().height() <= 700 and studio.minimumSizeHint().width() <= 1366
    assert studio.height() <= 700 and studio.width() <= 1366


def test_squashed_panels_do_not_come_back_and_reset_layout_restores_them(
    qtbot: QtBot, studio: MainWindow, store: Store, example_script: Path
) -> None:
    timeline = studio.docks["timeline"]
    studio.resizeDocks([timeline], [1], Qt.Orientation.Vertical)
    qtbot.waitUntil(lambda: timeline.height() < 180, timeout=5000)
    studio.docks["outline"].hide()
    studio.close()
    again = open_window(qtbot, store, example_script)
    qtbot.waitUntil(lambda: again.docks["timeline"].height() >= 200, timeout=5000)
    again.docks["preview"].hide()
    again.actions_.trigger("view.reset_layout")
    qtbot.waitUntil(
        lambda: again.docks["preview"].isVisible() and again.docks["timeline"].height() >= 200,
        timeout=5000,
    )
    assert again.docks["outline"].isVisible()
    again.close()


def test_the_preview_is_drawn_at_the_size_it_is_shown(qtbot: QtBot, studio: MainWindow) -> None:
    studio.resize(1800, 1000)
    preview = studio.preview
    canvas = preview.canvas
    qtbot.waitUntil(lambda: preview.shown_array is not None, timeout=20000)
    small = preview.width_px
    studio.actions_.trigger("view.preview_large")

    def fitted() -> int:  # the frame letterboxed into the canvas, in device pixels
        fit = min(canvas.width(), canvas.height() * 16 / 9) * canvas.devicePixelRatioF()
        return min(1280, round(fit))

    qtbot.waitUntil(lambda: fitted() > 700, timeout=5000)
    qtbot.waitUntil(
        lambda: (
            preview.shown_array is not None
            and preview.shown_array.shape[1] == preview.width_px
            and abs(preview.width_px - fitted()) <= 32
        ),
        timeout=20000,
    )
    assert preview.width_px > max(320, small)


def test_the_transport_has_drawn_icons(qtbot: QtBot, studio: MainWindow) -> None:
    button = studio.preview.play_button
    assert "⏸" not in button.text() and "▶" not in button.text()
    play = button.icon().pixmap(24, 24).toImage()
    assert _opaque_pixels(play) > 20
    studio.actions_.trigger("playback.play")
    pause = button.icon().pixmap(24, 24).toImage()
    studio.actions_.trigger("playback.pause")
    assert _opaque_pixels(pause) > 20 and pause != play


def test_ctrl_e_exports_to_the_path_typed_in_the_dialog(
    qtbot: QtBot, studio: MainWindow, tmp_path: Path
) -> None:
    dialog = studio.panels.open_export_dialog()
    target = tmp_path / "chosen" / "my-cut.mp4"
    dialog.output.selectAll()
    QTest.keyClicks(dialog.output, str(target))  # typed, as a user would
    dialog.close()
    studio.actions_.trigger("file.export_youtube")
    job = next(iter(studio.jobs.jobs.values()))
    studio.jobs.cancel(job.id)
    qtbot.waitUntil(lambda: job.state != "running", timeout=60000)
    assert job.title == "Export my-cut.mp4"
