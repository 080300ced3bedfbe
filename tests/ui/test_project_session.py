"""Autosave into the project store, atomic saves and recovery of unsaved edits."""

from __future__ import annotations

import os
from pathlib import Path

from pytestqt.qtbot import QtBot

from app.engine.files import write_text
from app.engine.store import Store
from app.ui.project import ProjectSession


def _script(tmp_path: Path, text: str = "# Film\n\n## One\n\nHello.\n") -> Path:
    path = tmp_path / "film" / "script.md"
    path.parent.mkdir(parents=True)
    path.write_text(text)
    old = path.stat().st_mtime - 60  # the file predates the edits
    os.utime(path, (old, old))
    return path


def test_edits_reach_the_store_and_win_over_an_older_file(qtbot: QtBot, tmp_path: Path) -> None:
    path = _script(tmp_path)
    store = Store.open()
    session = ProjectSession(store)
    assert session.open_script(path) == path.read_text()
    with qtbot.waitSignal(session.autosaved, timeout=5000):
        session.note_edit("# Film\n\n## One\n\nHello, edited.\n")
    assert session.modified
    store.close()  # as after a crash: nothing else was saved

    store2 = Store.open()
    again = ProjectSession(store2)
    assert again.open_script(path) == "# Film\n\n## One\n\nHello, edited.\n"
    assert again.recovered and again.modified
    assert path.read_text() == "# Film\n\n## One\n\nHello.\n"  # the file is only written on Save
    store2.close()


def test_save_writes_the_file_atomically_and_a_newer_file_wins(
    qtbot: QtBot, tmp_path: Path
) -> None:
    path = _script(tmp_path)
    store = Store.open()
    session = ProjectSession(store)
    session.open_script(path)
    session.note_edit("# Film\n\nSaved text.\n")
    session.save("# Film\n\nSaved text.\n")
    assert path.read_text() == "# Film\n\nSaved text.\n"
    assert not session.modified
    assert not list(path.parent.glob("*.part"))
    # Someone edits the file outside the studio after the last autosave: the file wins.
    path.write_text("# Film\n\nEdited elsewhere.\n")
    later = path.stat().st_mtime + 60  # a later edit, whatever the file system's time resolution
    os.utime(path, (later, later))
    fresh = ProjectSession(store)
    assert fresh.open_script(path) == "# Film\n\nEdited elsewhere.\n"
    assert not fresh.recovered
    assert store.find_project_by_script(str(path.resolve())) is not None
    store.close()


def test_a_new_project_is_a_draft_until_saved_into_its_folder(qtbot: QtBot, tmp_path: Path) -> None:
    store = Store.open()
    session = ProjectSession(store)
    text = session.new_project()
    assert session.is_draft and session.script_path is None and not session.modified
    assert session.recent() == [] and session.drafts() == []  # nothing written yet
    session.note_edit(text + "\nA first line of my own.\n")
    session.flush()
    assert session.modified and [d.id for d in session.drafts()] == [session.project.id]  # type: ignore[union-attr]
    folder = tmp_path / "my-video"
    saved = session.save(text + "\nA first line of my own.\n", folder / "script.md")
    assert saved.read_text().endswith("A first line of my own.\n")
    assert not session.is_draft and not session.modified
    assert [p.script_path for p in session.recent()] == [str(saved)]
    assert session.project is not None and session.project.name == "my-video"
    store.close()


def test_write_atomically_leaves_no_partial_file(tmp_path: Path) -> None:
    target = tmp_path / "a.md"
    write_text(target, "one")
    write_text(target, "two")
    assert target.read_text() == "two"
    assert [p.name for p in tmp_path.iterdir()] == ["a.md"]
