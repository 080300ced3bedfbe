"""Everything the mouse does, by keyboard: scenes, clips, splitting, ripple, playback, drops."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from app.engine.timeline import Track
from app.ui.main_window import MainWindow
from app.ui.preview.audio import AudioOut


def test_move_scene_down_by_keyboard(qtbot: QtBot, studio: MainWindow) -> None:
    before = studio.outline.titles()
    script = studio.document.script
    assert script is not None
    first = next(s for s in script.scenes if not s.intro)
    studio.editor.goto_line(first.line + 1)
    studio.actions_.trigger("edit.scene_down")
    after = studio.outline.titles()
    assert after[1:3] == [before[2], before[1]]
    text = studio.editor.toPlainText()
    assert text.index("## " + before[2]) < text.index("## " + before[1])
    assert studio.editor.textCursor().block().text() == "## " + before[1]
    studio.editor.undo()
    assert studio.editor.toPlainText().index("## " + before[1]) < studio.editor.toPlainText().index(
        "## " + before[2]
    )


def test_split_ripple_nudge_and_trim_from_the_keyboard(qtbot: QtBot, studio: MainWindow) -> None:
    tl = studio.document.timeline
    assert tl is not None

    def voice() -> Track:  # every edit makes the timeline afresh: look the track up again
        return next(t for t in tl.tracks if t.kind == "voice")

    clip = voice().clips[1]
    view = studio.timeline_panel.view
    middle = clip.start + clip.length // 2
    view.set_playhead(middle, emit=True)
    studio.activateWindow()
    view.setFocus()
    qtbot.waitUntil(view.hasFocus)
    # C selects the clip under the playhead, cycling tracks until the voice clip is chosen.
    for _ in range(len(tl.tracks)):
        QTest.keyClick(view, Qt.Key.Key_C)
        if view.selected == clip.id:
            break
    assert view.selected == clip.id
    count = len(voice().clips)
    QTest.keyClick(view, Qt.Key.Key_S)
    assert len(voice().clips) == count + 1 and tl.find(clip.id)[1].end == middle  # type: ignore[index]
    QTest.keyClick(view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert len(voice().clips) == count and tl.find(clip.id)[1].length == clip.length  # type: ignore[index]
    later = [(c.id, c.start) for c in voice().clips if c.start > clip.start]
    view.select(clip.id)
    QTest.keyClick(view, Qt.Key.Key_Delete, Qt.KeyboardModifier.ShiftModifier)
    assert tl.find(clip.id) is None
    for cid, start in later:
        assert tl.find(cid)[1].start == start - clip.length  # type: ignore[index]
    studio.actions_.trigger("edit.undo")
    assert tl.find(clip.id) is not None
    view.select(voice().clips[-1].id)
    last = voice().clips[-1]
    QTest.keyClick(view, Qt.Key.Key_Period)
    assert tl.find(last.id)[1].start == last.start + 1  # type: ignore[index]
    view.set_playhead(last.start + 1 + last.length // 2, emit=True)
    QTest.keyClick(view, Qt.Key.Key_W)
    assert tl.find(last.id)[1].end == last.start + 1 + last.length // 2  # type: ignore[index]
    # Nudge and trim are the two steps left after the undone split and ripple.
    assert [studio.undo_stack.text(i) for i in range(studio.undo_stack.count())] == [
        "Move clip",
        "Trim clip",
    ]


def test_space_plays_and_k_pauses(qtbot: QtBot, studio: MainWindow) -> None:
    preview = studio.preview
    studio.timeline_panel.view.setFocus()
    studio.actions_.trigger("playback.play")
    assert preview.speed == 1
    qtbot.waitUntil(lambda: preview.shown_frame > 3, timeout=20000)
    if AudioOut().available():
        qtbot.waitUntil(lambda: preview.audio._stream is not None, timeout=60000)
    else:  # no sound card here: the picture plays on, and the panel says why it is silent
        qtbot.waitUntil(lambda: preview.status.text().startswith("silent"), timeout=60000)
        assert preview.speed == 1
    studio.actions_.trigger("playback.pause")
    assert preview.speed == 0
    stopped = preview.frame
    studio.actions_.trigger("playback.forward")
    studio.actions_.trigger("playback.forward")
    assert preview.speed == 2
    studio.actions_.trigger("playback.pause")
    studio.actions_.trigger("playback.end")
    assert studio.timeline_panel.view.playhead_frame == studio.document.timeline.duration - 1  # type: ignore[union-attr]
    assert stopped > 0


def test_space_types_a_space_in_the_editor(qtbot: QtBot, studio: MainWindow) -> None:
    studio.activateWindow()
    studio.editor.goto_line(1)
    qtbot.waitUntil(studio.editor.hasFocus)
    QTest.keyClick(studio.editor, Qt.Key.Key_Space)
    assert studio.editor.toPlainText().startswith(" ---")
    assert studio.preview.speed == 0


def test_dropped_media_lands_in_assets_and_the_store(
    qtbot: QtBot, studio: MainWindow, tmp_path: Path
) -> None:
    picture = Path(studio.editor.script_dir or ".") / "images" / "key-exchange.png"
    outside = tmp_path / "diagram.png"
    outside.write_bytes(picture.read_bytes())
    studio.editor.drop_files([outside], 1)
    qtbot.waitUntil(
        lambda: "![diagram](assets/diagram.png)" in studio.editor.toPlainText()
    )  # copied by a worker
    from app.engine.hashing import sha256_file

    qtbot.waitUntil(lambda: studio.store.get_asset(sha256_file(outside)) is not None)
    script = studio.document.parse_now()
    media = [b for b in script.beats() if b.kind == "media" and b.path == "assets/diagram.png"]
    assert media and media[0].resolved is not None


def test_ctrl_z_undoes_typing_in_the_editor_and_clip_edits_in_the_timeline(
    qtbot: QtBot, studio: MainWindow
) -> None:
    tl = studio.document.timeline
    assert tl is not None
    view = studio.timeline_panel.view
    last = next(t for t in tl.tracks if t.kind == "voice").clips[-1]
    view.select(last.id)
    studio.actions_.trigger("timeline.nudge_right")
    studio.activateWindow()
    studio.editor.goto_line(1)
    qtbot.waitUntil(studio.editor.hasFocus)
    before = studio.editor.toPlainText()
    QTest.keyClicks(studio.editor, "xyz")
    QTest.keyClick(studio.editor, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert studio.editor.toPlainText() == before
    assert tl.find(last.id)[1].start == last.start + 1  # type: ignore[index]
    view.setFocus()
    qtbot.waitUntil(view.hasFocus)
    QTest.keyClick(view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert tl.find(last.id)[1].start == last.start  # type: ignore[index]
    QTest.keyClick(
        view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    )
    assert tl.find(last.id)[1].start == last.start + 1  # type: ignore[index]
