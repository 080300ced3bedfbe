"""One truth for the timeline: the script plus the user's hand edits, everywhere.

What a user saw go wrong: a hand-edited timeline that came back after Re-layout, script
lines written after a hand edit missing from the timeline and the export, File › New
keeping the last project's timeline, and "edited by hand" after every edit was undone.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QTextCursor
from pytestqt.qtbot import QtBot

from app.engine.store import Store
from app.engine.timeline import SpeechSource, Timeline
from app.ui.main_window import MainWindow
from tests.ui.conftest import close_window, copy_script, open_window

TINY = Path(__file__).parent / "fixtures" / "tiny" / "script.md"


def _voice_clips(tl: Timeline | None) -> list:  # type: ignore[type-arg]
    assert tl is not None
    return [c for t in tl.tracks if t.kind == "voice" for c in t.clips]


def _spoken(tl: Timeline | None) -> list[str]:
    return [c.source.text for c in _voice_clips(tl) if isinstance(c.source, SpeechSource)]


def _append(window: MainWindow, text: str) -> None:
    cursor = window.editor.textCursor()
    cursor.movePosition(QTextCursor.MoveOperation.End)
    window.editor.setTextCursor(cursor)
    window.editor.insertPlainText(text)


def _nudge_last_voice(window: MainWindow) -> None:
    last = _voice_clips(window.document.timeline)[-1]
    window.timeline_panel.view.select(last.id)
    window.actions_.trigger("timeline.nudge_right")


def test_relayout_discards_hand_edits_for_good(
    qtbot: QtBot, studio: MainWindow, store: Store
) -> None:
    before = [c.start for c in _voice_clips(studio.document.timeline)]
    _nudge_last_voice(studio)
    assert [c.start for c in _voice_clips(studio.document.timeline)][-1] == before[-1] + 1
    project = studio.session.project
    assert project is not None
    qtbot.waitUntil(lambda: bool(store.load_timeline(project.id)), timeout=10000)  # saved
    studio.actions_.trigger("timeline.relayout")
    assert [c.start for c in _voice_clips(studio.document.timeline)] == before
    path = studio.session.script_path
    assert path is not None
    studio.close()
    again = open_window(qtbot, store, path)
    assert [c.start for c in _voice_clips(again.document.timeline)] == before
    assert "following the script" in again.timeline_panel.follow_label.text()
    # Re-layout is one step on the undo stack: undo brings the hand edit back.
    assert again.undo_stack.count() == 0
    again.close()


def test_relayout_is_undoable(qtbot: QtBot, studio: MainWindow) -> None:
    before = [c.start for c in _voice_clips(studio.document.timeline)]
    _nudge_last_voice(studio)
    studio.actions_.trigger("timeline.relayout")
    assert [c.start for c in _voice_clips(studio.document.timeline)] == before
    studio.actions_.trigger("edit.undo")
    assert [c.start for c in _voice_clips(studio.document.timeline)][-1] == before[-1] + 1
    assert "1 hand edit" in studio.timeline_panel.follow_label.text()


def test_a_line_written_after_a_hand_edit_is_on_the_timeline(
    qtbot: QtBot, studio: MainWindow
) -> None:
    _nudge_last_voice(studio)
    nudged = _voice_clips(studio.document.timeline)[-1]
    _append(studio, "\n\nA line written after the hand edit.\n")
    qtbot.waitUntil(
        lambda: "A line written after the hand edit." in _spoken(studio.document.timeline),
        timeout=10000,
    )
    kept = studio.document.timeline.find(nudged.id)  # type: ignore[union-attr]
    assert kept is not None and kept[1].start == nudged.start  # the edit is still there


def test_undoing_every_edit_follows_the_script_again(qtbot: QtBot, studio: MainWindow) -> None:
    _nudge_last_voice(studio)
    assert "hand edit" in studio.timeline_panel.follow_label.text()
    studio.actions_.trigger("edit.undo")
    assert "following the script" in studio.timeline_panel.follow_label.text()
    assert studio.document.follow_script


def test_new_project_after_a_hand_edit_shows_only_the_new_script(
    qtbot: QtBot, studio: MainWindow
) -> None:
    _nudge_last_voice(studio)
    studio.actions_.trigger("file.new")
    tl = studio.document.timeline
    assert tl is not None and tl.title == "Untitled video"
    assert not [c for t in tl.tracks if t.kind == "terminal" for c in t.clips]
    assert _spoken(tl) == ["Write what the narrator says here."]
    assert studio.undo_stack.count() == 0
    assert "following the script" in studio.timeline_panel.follow_label.text()
    qtbot.waitUntil(lambda: studio.preview.shown_frame >= 0, timeout=10000)
    assert studio.preview.duration() == tl.duration


def test_export_renders_what_the_timeline_shows(qtbot: QtBot, store: Store, tmp_path: Path) -> None:
    window = open_window(qtbot, store, copy_script(TINY, tmp_path))
    window.prefs.output_dir = tmp_path / "out"
    _nudge_last_voice(window)
    _append(window, "\nBOB: One more line, written after the hand edit.\n")
    qtbot.waitUntil(
        lambda: "One more line, written after the hand edit." in _spoken(window.document.timeline),
        timeout=10000,
    )
    window.actions_.trigger("file.export_youtube")
    job = next(iter(window.jobs.jobs.values()))
    qtbot.waitUntil(lambda: job.state != "running", timeout=300000)
    assert job.state == "done", job.error
    # Voices were spoken for the export; the studio's timeline is now exactly what was drawn.
    qtbot.waitUntil(
        lambda: all(
            isinstance(c.source, SpeechSource) and c.source.audio_path
            for c in _voice_clips(window.document.timeline)
        ),
        timeout=120000,
    )
    shown = window.document.timeline
    assert shown is not None
    assert job.result.frames == shown.duration
    assert "One more line, written after the hand edit." in _spoken(shown)
    close_window(window)
