"""The comfortable editor: welcome page, templates, first save into a folder, shortcut list,
line numbers and the full-screen preview."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QFileDialog
from pytestqt.qtbot import QtBot

from app.engine.script import parse_text
from app.engine.store import Store
from app.ui.main_window import MainWindow
from app.ui.shortcuts import ShortcutsDialog
from app.ui.templates import TEMPLATES
from tests.ui.conftest import close_window, copy_script, open_window

TINY = Path(__file__).parent / "fixtures" / "tiny" / "script.md"


def _bare_window(qtbot: QtBot, store: Store) -> MainWindow:
    window = MainWindow(store)
    window.prefs.background_voicing = False
    qtbot.addWidget(window, before_close_func=close_window)
    window.resize(1366, 740)
    return window


def test_the_welcome_page_starts_every_kind_of_project(
    qtbot: QtBot, store: Store, tmp_path: Path
) -> None:
    tiny = copy_script(TINY, tmp_path)
    first = open_window(qtbot, store, tiny)
    close_window(first)
    window = _bare_window(qtbot, store)
    window.show_welcome()
    window.show()
    page = window.welcome
    assert window.pages.currentWidget() is page
    listed = [page.recent.item(i).text() for i in range(page.recent.count())]
    assert any(str(tiny.resolve()) in text for text in listed)
    # A template: a draft with the template's script, laid out at once.
    page.template_buttons["Terminal tutorial"].click()
    assert window.pages.currentWidget() is window.editor and window.session.is_draft
    tl = window.document.timeline
    assert tl is not None and tl.title == "A command worth knowing"
    assert [t.kind for t in tl.tracks if t.clips and t.kind == "terminal"] == ["terminal"]
    # The example: a copy in the user's folder, never the bundled file.
    window.show_welcome()
    page.example_button.click()
    path = window.session.script_path
    assert path is not None and "examples" in path.parts and path.name == "script.md"
    assert window.document.script is not None
    assert window.document.script.title == "How SSH Really Works"
    # A recent project, one click away.
    window.show_welcome()
    row = next(
        i for i in range(page.recent.count()) if str(tiny.resolve()) in page.recent.item(i).text()
    )
    page.recent.itemClicked.emit(page.recent.item(row))
    assert window.session.script_path == tiny.resolve()


def test_templates_are_valid_scripts() -> None:
    for t in TEMPLATES:
        script = parse_text(t.text.replace("VOICE", "local/joe"))
        assert [d.message for d in script.diagnostics] == [], t.name
        assert script.scenes, t.name


def test_a_new_project_is_saved_into_the_folder_chosen_on_first_save(
    qtbot: QtBot, store: Store, tmp_path: Path
) -> None:
    window = _bare_window(qtbot, store)
    window.show()
    window.actions_.trigger("file.new")
    assert window.session.is_draft and "new project" in window.windowTitle()
    window.editor.appendPlainText("\nMy own first line.")
    folder = tmp_path / "my-first-video"
    folder.mkdir()

    def choose() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, QFileDialog):
            QTimer.singleShot(10, choose)
            return
        dialog.setDirectory(str(folder.parent))
        dialog.selectFile(str(folder))
        dialog.accept()

    QTimer.singleShot(0, choose)
    window.actions_.trigger("file.save")
    script = folder / "script.md"
    assert script.is_file() and script.read_text().endswith("My own first line.")
    assert window.session.script_path == script.resolve() and not window.session.modified
    assert window.editor.script_dir == script.resolve().parent
    assert str(script.resolve()) in window.prefs.recent()


def test_the_shortcut_list_is_generated_from_the_actions(qtbot: QtBot, studio: MainWindow) -> None:
    dialog = studio.show_shortcuts()
    assert isinstance(dialog, ShortcutsDialog)
    registry = studio.actions_
    with_keys = [s for s in registry.specs() if registry.keys(s.id)]
    assert len(dialog.rows) == len(with_keys)
    assert ("Timeline", "Split at Playhead", "S") in dialog.rows
    assert ("Help", "Keyboard Shortcuts", "Ctrl+/") in dialog.rows
    dialog.filter.setText("zoom")
    assert {r[1] for r in dialog.visible_rows()} == {"Zoom In", "Zoom Out", "Zoom to Fit"}
    dialog.close()
    # One key, one action: no shortcut is given twice.
    seen: dict[str, str] = {}
    for spec in registry.specs():
        for key in registry.keys(spec.id):
            assert key not in seen, f"{key} is both {seen[key]} and {spec.id}"
            seen[key] = spec.id


def test_the_editor_numbers_its_lines(qtbot: QtBot, studio: MainWindow) -> None:
    editor = studio.editor
    assert editor.line_numbers.isVisible() and editor.line_numbers.width() > 20
    assert editor.viewportMargins().left() == editor.gutter_width()
    editor.goto_line(60)
    shown = [n for n, _y in editor.visible_line_numbers()]
    assert 60 in shown and shown == list(range(shown[0], shown[0] + len(shown)))
    narrow = editor.gutter_width()
    editor.setPlainText("\n".join(str(i) for i in range(12000)))
    assert editor.gutter_width() > narrow  # five digits need more room than three


def test_the_preview_goes_full_screen_and_comes_back(qtbot: QtBot, studio: MainWindow) -> None:
    preview = studio.preview
    small = preview.width_px
    studio.actions_.trigger("view.preview_full")
    full = preview.full_screen
    assert full is not None and full.isFullScreen() and preview.canvas.parent() is full
    qtbot.waitUntil(
        lambda: preview.width_px > small and preview.shown_array is not None, timeout=20000
    )
    qtbot.waitUntil(lambda: preview.shown_array.shape[1] == preview.width_px, timeout=20000)  # type: ignore[union-attr]
    QTest.keyClick(full, Qt.Key.Key_Escape)
    assert preview.full_screen is None and preview.canvas.parent() is preview
