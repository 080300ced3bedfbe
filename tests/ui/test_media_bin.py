"""The media bin: the project's files with thumbnails, search, drags to the editor and the
timeline, versions picked and locked, and Clean up."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, QMimeData, QPointF, Qt
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from pytestqt.qtbot import QtBot

from app.engine.store import Store
from app.engine.timeline import ImageSource
from app.engine.visuals.media_bin import BinItem
from app.ui.main_window import MainWindow
from app.ui.media.model import MIME_TYPE, ItemRole
from app.ui.media.panel import MediaBinPanel
from app.ui.timeline.items import TRACK_H
from tests.ui.conftest import open_window
from tests.ui.test_visuals_panel import SCRIPT, close_window, studio_on

# Fixtures of the Visuals panel's tests: keys only from the (memory) keyring, a fake Pexels.


def loaded(qtbot: QtBot, bin_: MediaBinPanel, reload: bool = True) -> list[BinItem]:
    if reload:
        bin_.loaded = None
        bin_.reload()
    qtbot.waitUntil(lambda: bin_.loaded is not None, timeout=30000)
    assert bin_.loaded is not None
    return bin_.loaded.items


def visible(bin_: MediaBinPanel) -> list[BinItem]:
    return [bin_.proxy.index(r, 0).data(ItemRole) for r in range(bin_.proxy.rowCount())]


def drop_event(mime: QMimeData, at: QPointF, kind: QEvent.Type = QEvent.Type.Drop) -> QDropEvent:
    """A drop as Qt delivers it at the end of a drag (Qt only routes a real drag's drop, so
    tests hand it to the handler that receives it)."""
    maker = QDragEnterEvent if kind == QEvent.Type.DragEnter else QDropEvent
    if maker is QDragEnterEvent:
        return QDragEnterEvent(
            at.toPoint(),
            Qt.DropAction.CopyAction,
            mime,
            Qt.MouseButton.LeftButton,
            Qt.KeyboardModifier.NoModifier,
        )
    return QDropEvent(
        at,
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
        QEvent.Type.Drop,
    )


def drop_on_timeline(window: MainWindow, mime: QMimeData, at: QPointF) -> bool:
    viewport = window.timeline_panel.view.viewport()
    drops = window.timeline_drops
    entered = drops.eventFilter(viewport, drop_event(mime, at, QEvent.Type.DragEnter))
    return entered and drops.eventFilter(viewport, drop_event(mime, at))


def generated_studio(qtbot: QtBot, store: Store, tmp_path: Path) -> MainWindow:
    window = studio_on(qtbot, store, tmp_path, "pexels")
    job = window.visuals_panel.generate_all()
    assert job is not None
    qtbot.waitUntil(lambda: job.state != "running", timeout=60000)
    assert job.state == "done", job.error
    return window


def test_the_bin_lists_the_examples_media_with_thumbnails_and_finds_them(
    qtbot: QtBot, studio: MainWindow
) -> None:
    bin_ = studio.media_bin
    items = loaded(qtbot, bin_)
    names = [i.name for i in items]
    assert names == ["server-rack.png", "key-exchange.png", "tunnel.mp4", "calm-loop.m4a"]
    assert all(i.origin == "media" and i.size > 0 for i in items)
    by_name = {i.name: i for i in items}
    assert by_name["tunnel.mp4"].duration_ms and by_name["calm-loop.m4a"].duration_ms
    assert by_name["server-rack.png"].width and by_name["server-rack.png"].prompt
    for row in range(bin_.model.rowCount()):
        picture = bin_.model.index(row, 0).data(Qt.ItemDataRole.DecorationRole)
        assert picture is not None and not picture.isNull()
    assert "4 files" in bin_.summary.text()

    bin_.search.setText("keys trading")  # words of a caption
    assert [i.name for i in visible(bin_)] == ["key-exchange.png"]
    bin_.search.setText("TUNNEL")
    assert [i.name for i in visible(bin_)] == ["tunnel.mp4"]
    bin_.search.clear()
    bin_.origin.setCurrentIndex(bin_.origin.findData("visual"))
    assert visible(bin_) == []
    bin_.origin.setCurrentIndex(0)
    assert len(visible(bin_)) == 4


def test_a_picture_dragged_to_the_timeline_becomes_a_clip_there(
    qtbot: QtBot, studio: MainWindow
) -> None:
    bin_ = studio.media_bin
    items = loaded(qtbot, bin_)
    rack = next(i for i in items if i.name == "server-rack.png")
    mime = bin_.model.mimeData([bin_.model.index(items.index(rack), 0)])
    assert mime.hasFormat(MIME_TYPE) and mime.urls()[0].toLocalFile() == str(rack.path)
    view = studio.timeline_panel.view
    timeline = studio.document.timeline
    assert timeline is not None
    (overlay,) = timeline.tracks_of("overlay")
    frame = overlay.end + 30
    row = next(n for n, t in enumerate(view.rows) if t.id == overlay.id)
    before = len(overlay.clips)
    at = view.mapFromScene(QPointF(view.x_for(frame) + 0.5, view.row_y(row) + TRACK_H / 2))
    assert drop_on_timeline(studio, mime, QPointF(at))
    (overlay,) = timeline.tracks_of("overlay")
    assert len(overlay.clips) == before + 1
    clip = next(c for c in overlay.clips if isinstance(c.source, ImageSource))
    assert clip.source.path == str(rack.path)  # type: ignore[union-attr]
    assert abs(clip.start - frame) <= 1 / view.px_per_frame + 1  # a pixel's worth of frames
    assert clip.length == 5 * 30
    assert not studio.document.follow_script
    studio.undo_stack.undo()
    (overlay,) = timeline.tracks_of("overlay")
    assert len(overlay.clips) == before

    # Where the background already has a clip, nothing is placed and the status says why.
    (background,) = timeline.tracks_of("visual")
    busy = background.clips[0]
    row = next(n for n, t in enumerate(view.rows) if t.id == background.id)
    at = view.mapFromScene(QPointF(view.x_for(busy.start + 5), view.row_y(row) + TRACK_H / 2))
    assert not drop_on_timeline(studio, mime, QPointF(at))
    assert len(timeline.tracks_of("visual")[0].clips) == len(background.clips)
    assert "already has a clip there" in studio.statusBar().currentMessage()


@pytest.mark.usefixtures("pexels")
def test_a_generated_visual_dragged_to_the_editor_is_copied_in_with_its_line(
    qtbot: QtBot, store: Store, tmp_path: Path
) -> None:
    window = generated_studio(qtbot, store, tmp_path)
    bin_ = window.media_bin
    items = loaded(qtbot, bin_)
    chosen = next(i for i in items if i.origin == "visual" and i.chosen)
    assert chosen.prompt == "a rocket on the pad" and chosen.provider == "pexels"
    mime = bin_.model.mimeData([bin_.model.index(items.index(chosen), 0)])
    assert Path(mime.urls()[0].toLocalFile()).name == "a-rocket-on-the-pad.mp4"
    editor = window.editor
    editor.goto_line(editor.document().blockCount())
    editor.dropEvent(drop_event(mime, QPointF(editor.cursorRect().center())))
    line = "![a-rocket-on-the-pad](assets/a-rocket-on-the-pad.mp4)"
    qtbot.waitUntil(lambda: line in editor.toPlainText(), timeout=20000)
    copied = tmp_path / "rockets" / "assets" / "a-rocket-on-the-pad.mp4"
    assert copied.read_bytes() == chosen.path.read_bytes() and not copied.is_symlink()
    # The copy is now the project's own media, listed as such.
    qtbot.waitUntil(
        lambda: any(
            i.origin == "media" and i.path == copied.resolve()
            for i in (bin_.loaded.items if bin_.loaded else [])
        ),
        timeout=20000,
    )
    close_window(window)


@pytest.mark.usefixtures("pexels")
def test_use_lock_and_clean_up_from_the_bin(qtbot: QtBot, store: Store, tmp_path: Path) -> None:
    window = generated_studio(qtbot, store, tmp_path)
    bin_ = window.media_bin
    items = loaded(qtbot, bin_)
    visuals = [i for i in items if i.origin == "visual"]
    assert len(visuals) >= 2 and sum(i.chosen for i in visuals) == 1
    other = next(i for i in visuals if not i.chosen)
    bin_.select(other)
    assert bin_.use_version.isEnabled() and bin_.lock.isEnabled()
    bin_.use_version.click()
    qtbot.waitUntil(
        lambda: any(i.chosen and i.version_id == other.version_id for i in visible(bin_)),
        timeout=20000,
    )
    # The Visuals panel hears of it, and the timeline shows the take.
    panel = window.visuals_panel

    def shows_the_take() -> bool:
        chosen = next(iter(panel.rows.values())).state.chosen
        return chosen is not None and chosen.id == other.version_id  # None while it reloads

    qtbot.waitUntil(shows_the_take, timeout=20000)
    bin_.select(next(i for i in visible(bin_) if i.version_id == other.version_id))
    bin_.lock.click()
    qtbot.waitUntil(
        lambda: any(i.locked and i.version_id == other.version_id for i in visible(bin_)),
        timeout=20000,
    )

    # The last run used the first take, so it is kept until a run uses the locked one.
    assert not bin_.clean.isEnabled()
    job = window.visuals_panel.generate_all()
    assert job is not None
    qtbot.waitUntil(lambda: job.state != "running", timeout=60000)
    qtbot.waitUntil(lambda: bin_.clean.isEnabled(), timeout=20000)
    unused = [i for i in visible(bin_) if i.origin == "visual" and not i.chosen]
    assert unused and "unused" in bin_.summary.text()
    assert bin_.clean_up()
    qtbot.waitUntil(
        lambda: (
            bin_.loaded is not None
            and not [i for i in bin_.loaded.items if i.origin == "visual" and not i.chosen]
        ),
        timeout=20000,
    )
    assert all(not i.path.exists() for i in unused)
    assert other.path.is_file()
    assert "Clean up: removed" in window.statusBar().currentMessage()
    assert not bin_.clean.isEnabled()
    close_window(window)


@pytest.mark.usefixtures("no_keys")
def test_clean_up_waits_for_running_jobs(qtbot: QtBot, store: Store, tmp_path: Path) -> None:
    path = tmp_path / "p" / "script.md"
    path.parent.mkdir()
    path.write_text(SCRIPT.format(provider="procedural"))
    window = open_window(qtbot, store, path)
    window.media_bin._busy = lambda: True
    assert not window.media_bin.clean_up()
    assert "waits for the running jobs" in window.statusBar().currentMessage()
    close_window(window)


@pytest.mark.usefixtures("pexels")
def test_regenerate_from_the_bin_makes_a_new_take_of_a_visual_or_a_voice_line(
    qtbot: QtBot, store: Store, tmp_path: Path
) -> None:
    window = generated_studio(qtbot, store, tmp_path)
    voices = window.voices.synthesize_all()
    assert voices is not None
    qtbot.waitUntil(lambda: voices.state != "running", timeout=120000)
    assert voices.state == "done", voices.error
    bin_ = window.media_bin
    items = loaded(qtbot, bin_)
    visual = next(i for i in items if i.origin == "visual" and i.chosen)
    bin_.select(visual)
    assert bin_.regenerate.isEnabled()
    bin_.regenerate.click()
    job = window.visuals_panel.job
    assert job is not None and job.title == f"Regenerate visual at line {visual.line}"
    qtbot.waitUntil(lambda: job.state != "running", timeout=60000)
    assert job.state == "done", job.error
    items = loaded(qtbot, bin_)
    fresh = next(i for i in items if i.origin == "visual" and i.chosen)
    assert fresh.version_id != visual.version_id
    assert fresh.provenance["stock_id"] != visual.provenance["stock_id"]

    spoken = next(i for i in items if i.origin == "voice")
    bin_.select(spoken)
    bin_.regenerate.click()
    running = [j for j in window.jobs.jobs.values() if j.title.startswith("Regenerate voice")]
    assert [j.title for j in running] == [f"Regenerate voice at line {spoken.line}"]
    qtbot.waitUntil(lambda: running[0].state != "running", timeout=60000)
    assert running[0].state == "done", running[0].error
    assert f"A new take of line {spoken.line}" in window.statusBar().currentMessage()
    close_window(window)
