"""Kill the studio with SIGKILL right after an edit; reopening shows the edit."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from pytestqt.qtbot import QtBot

from app.engine.store import Store
from tests.conftest import ROOT
from tests.ui.conftest import close_window, open_window

EDIT = "\n\nAn edit made just before the crash."

CHILD = """
import sys
from pathlib import Path
from PySide6.QtWidgets import QApplication
from PySide6.QtGui import QTextCursor
app = QApplication([])
from app.engine.store import Store
from app.ui.main_window import MainWindow
w = MainWindow(Store.open())
w.open_script(Path(sys.argv[1]))
w.show()
def report(_rev):
    print("AUTOSAVED", flush=True)
w.session.autosaved.connect(report)
cursor = w.editor.textCursor()
cursor.movePosition(QTextCursor.MoveOperation.End)
w.editor.setTextCursor(cursor)
w.editor.insertPlainText(sys.argv[2])
app.exec()
"""


def test_kill_and_reopen_restores_the_last_edit(qtbot: QtBot, example_script: Path) -> None:
    original = example_script.read_text()
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    with subprocess.Popen(  # closes its pipes when done, not the garbage collector
        [sys.executable, "-c", CHILD, str(example_script), EDIT],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as child:
        try:
            assert child.stdout is not None
            line = child.stdout.readline()
            assert line.strip() == "AUTOSAVED", child.stderr.read() if child.stderr else ""
        finally:
            child.send_signal(signal.SIGKILL)
            child.wait()
    assert child.returncode == -signal.SIGKILL
    assert example_script.read_text() == original  # nothing was saved to the file

    store = Store.open()
    window = open_window(qtbot, store, example_script)
    assert window.editor.toPlainText() == original + EDIT
    assert window.session.recovered and window.session.modified
    assert "*" in window.windowTitle()
    close_window(window)
    store.close()
