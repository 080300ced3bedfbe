"""The studio as a user drives it: open, see, drag, undo, scrub, change voices."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from app.engine.render.compositor import preview_frame
from app.engine.store import Store
from app.ui.main_window import MainWindow
from app.ui.timeline.items import ClipItem
from tests.ui.conftest import copy_script, open_window


def test_corpus_script_shows_its_scenes_and_clips(
    qtbot: QtBot, store: Store, corpus_dir: Path, tmp_path: Path
) -> None:
    script = copy_script(corpus_dir / "ssh-handshake.md", tmp_path)
    window = open_window(qtbot, store, script)
    assert window.outline.titles() == [
        "How SSH Really Works",
        "The handshake",
        "Key exchange",
        "Logging in",
    ]
    tl = window.document.timeline
    assert tl is not None
    view = window.timeline_panel.view
    assert set(view.clip_items) == {c.id for _t, c in tl.clips()}
    kinds = {item.kind for item in view.clip_items.values()}
    assert {"visual", "terminal", "voice", "caption"} <= kinds
    # Clicking a scene in the outline puts the cursor on its heading.
    window.outline.jump_requested.emit(window.document.script.scenes[2].line)
    assert window.editor.textCursor().block().text() == "## Key exchange"
    window.close()


def _drag(view_widget: object, start: QPoint, end: QPoint) -> None:
    vp = view_widget.viewport()  # type: ignore[attr-defined]
    QTest.mousePress(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    steps = 6
    for i in range(1, steps + 1):
        p = start + (end - start) * i / steps
        QTest.mouseMove(vp, p)
    QTest.mouseRelease(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, end)


def test_drag_a_clip_is_one_undo_step(qtbot: QtBot, studio: MainWindow) -> None:
    view = studio.timeline_panel.view
    view.snapping = False
    tl = studio.document.timeline
    assert tl is not None
    music = next(t for t in tl.tracks if t.kind == "voice")
    # The last voice clip, so moving it right never collides.
    clip = music.clips[-1]
    item: ClipItem = view.clip_items[clip.id]
    centre = view.mapFromScene(item.rect().center())
    shift = 40
    _drag(view, centre, centre + QPoint(shift, 0))
    moved = tl.find(clip.id)
    assert moved is not None
    expected = clip.start + round(shift / view.px_per_frame)
    assert moved[1].start == expected
    assert studio.undo_stack.count() == 1  # six mouse moves, one step
    assert not studio.document.follow_script
    studio.actions_.trigger("edit.undo")
    assert tl.find(clip.id)[1].start == clip.start  # type: ignore[index]
    studio.actions_.trigger("edit.redo")
    assert tl.find(clip.id)[1].start == expected  # type: ignore[index]


def test_scrub_shows_the_frame_the_engine_renders(qtbot: QtBot, studio: MainWindow) -> None:
    view = studio.timeline_panel.view
    tl = studio.document.timeline
    assert tl is not None
    target = tl.duration // 2
    x = view.mapFromScene(view.x_for(target), 5)
    QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, x)
    frame = view.playhead_frame
    assert abs(frame - target) <= 1
    qtbot.waitUntil(
        lambda: studio.preview.shown_frame == frame and studio.preview.shown_array is not None,
        timeout=20000,
    )
    expected = preview_frame(tl.snapshot(), frame, width=studio.preview.width_px)
    assert studio.preview.shown_array is not None
    assert np.array_equal(studio.preview.shown_array, expected)
    # Arrow keys step one frame; Home goes to the start.
    studio.timeline_panel.view.setFocus()
    studio.actions_.trigger("playback.next")
    assert studio.preview.frame == frame + 1 and view.playhead_frame == frame + 1
    studio.actions_.trigger("playback.start")
    assert view.playhead_frame == 0


def test_changing_a_voice_rewrites_the_script_and_the_store(
    qtbot: QtBot, studio: MainWindow
) -> None:
    row = studio.voices.rows["NARRATOR"]
    row.provider.setCurrentText("google")
    row.voice.setEditText("en-US-Neural2-D")
    script = studio.document.script
    assert script is not None
    narrator = script.character("NARRATOR")
    assert narrator is not None and str(narrator.voice) == "google/en-US-Neural2-D"
    assert "NARRATOR: { voice: google/en-US-Neural2-D }" in studio.editor.toPlainText()
    assert studio.session.project is not None
    records = {c.name: c for c in studio.store.characters(studio.session.project.id)}
    assert records["NARRATOR"].voice == "google/en-US-Neural2-D"
    # The editor can undo the panel's rewrite like any typing.
    studio.editor.undo()
    assert "NARRATOR: { voice: local/joe }" in studio.editor.toPlainText()


def test_hand_edited_timeline_comes_back_after_reopening(
    qtbot: QtBot, studio: MainWindow, store: Store
) -> None:
    tl = studio.document.timeline
    assert tl is not None
    voice = next(t for t in tl.tracks if t.kind == "voice")
    last = voice.clips[-1]
    studio.timeline_panel.view.select(last.id)
    studio.actions_.trigger("timeline.nudge_right")
    assert not studio.document.follow_script
    path = studio.session.script_path
    assert path is not None
    studio.close()
    again = open_window(qtbot, store, path)
    restored = again.document.timeline
    assert restored is not None and not again.document.follow_script
    found = restored.find(last.id)
    assert found is not None and found[1].start == last.start + 1
    # Re-layout from the script throws the hand edit away, as one would expect.
    again.actions_.trigger("timeline.relayout")
    assert again.document.follow_script
    fresh = again.document.timeline
    assert fresh is not None
    assert next(t for t in fresh.tracks if t.kind == "voice").clips[-1].start == last.start
    again.close()


def test_dragging_in_the_outline_reorders_the_text(qtbot: QtBot, studio: MainWindow) -> None:
    outline = studio.outline
    titles = outline.titles()
    item = outline.takeItem(3)  # the last scene, moved in front of the first (after the intro)
    outline.insertItem(1, item)
    outline.dropped.emit()
    assert studio.outline.titles() == [titles[0], titles[3], titles[1], titles[2]]
    text = studio.editor.toPlainText()
    assert text.index("## " + titles[3]) < text.index("## " + titles[1])


def test_selecting_a_clip_shows_its_script_line(qtbot: QtBot, studio: MainWindow) -> None:
    tl = studio.document.timeline
    assert tl is not None
    clip = next(c for t in tl.tracks if t.kind == "terminal" for c in t.clips)
    view = studio.timeline_panel.view
    view.setFocus()
    centre = view.mapFromScene(view.clip_items[clip.id].rect().center())
    QTest.mouseClick(
        view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, centre
    )
    assert view.selected == clip.id
    assert studio.editor.current_line() == clip.script_line
    assert studio.editor.textCursor().block().text().startswith("```")
    assert not studio.editor.hasFocus()
