"""Files as a user expects: modes kept, binary files refused plainly, nothing lost on quit."""

from __future__ import annotations

import stat
from pathlib import Path

from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from app.engine.store import Store
from app.ui.main_window import MainWindow
from app.ui.project import ProjectSession


def test_save_keeps_the_files_permissions(qtbot: QtBot, tmp_path: Path) -> None:
    path = tmp_path / "film" / "script.md"
    path.parent.mkdir()
    path.write_text("# Film\n\n## One\n\nHello.\n")
    path.chmod(0o640)
    store = Store.open()
    session = ProjectSession(store)
    session.open_script(path)
    session.save("# Film\n\n## One\n\nHello again.\n")
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert path.read_text().endswith("Hello again.\n")
    store.close()


def test_a_binary_file_is_refused_with_a_plain_message(
    qtbot: QtBot, studio: MainWindow, tmp_path: Path
) -> None:
    binary = tmp_path / "picture.md"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe\x00\x01")
    before = studio.session.script_path
    studio.open_script(binary)
    box = studio.findChild(QMessageBox, "openProblem")
    assert box is not None and box.isVisible()
    assert "picture.md" in box.text() and "not a text" in box.text()
    assert "codec" not in box.text() and "0x89" not in box.text()
    assert studio.session.script_path == before
    box.close()


def _question(window: MainWindow) -> QMessageBox:
    box = window.question
    assert box is not None and box.isVisible() and "unsaved" in box.text().lower()
    return box


def test_quitting_with_unsaved_changes_asks_first(
    qtbot: QtBot, studio: MainWindow, example_script: Path
) -> None:
    original = example_script.read_text()
    studio.editor.appendPlainText("\nA line not saved yet.")
    assert studio.session.modified
    assert not studio.close()
    _question(studio).button(QMessageBox.StandardButton.Cancel).click()
    assert studio.isVisible() and not studio.document.closed
    assert example_script.read_text() == original
    assert not studio.close()
    _question(studio).button(QMessageBox.StandardButton.Save).click()
    assert studio.document.closed and not studio.isVisible()
    assert example_script.read_text() == original + "\n\nA line not saved yet."


def test_new_project_asks_before_dropping_unsaved_changes(
    qtbot: QtBot, studio: MainWindow, example_script: Path
) -> None:
    studio.editor.appendPlainText("\nKeep me.")
    studio.actions_.trigger("file.new")
    _question(studio).button(QMessageBox.StandardButton.Cancel).click()
    assert studio.session.script_path == example_script.resolve()
    assert "Keep me." in studio.editor.toPlainText()
    studio.actions_.trigger("file.new")
    _question(studio).button(QMessageBox.StandardButton.Discard).click()
    assert studio.session.is_draft and "Keep me." not in studio.editor.toPlainText()
