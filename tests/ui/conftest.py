"""A studio window on a copy of a script, with its own store (the user folders are per test)."""

from __future__ import annotations

import gc
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from app.engine.store import Store
from app.ui.main_window import MainWindow
from tests.conftest import EXAMPLES


def copy_script(source: Path, tmp_path: Path) -> Path:
    """Copy a script with its folder, so edits and dropped media never touch the original."""
    target = tmp_path / "project"
    shutil.copytree(source.parent, target)
    return target / source.name


@pytest.fixture
def store() -> Iterator[Store]:
    s = Store.open()
    yield s
    s.close()


@pytest.fixture
def example_script(tmp_path: Path) -> Path:
    return copy_script(EXAMPLES / "how-ssh-works" / "script.md", tmp_path)


def open_window(
    qtbot: QtBot, store: Store, script: Path, *, background_voicing: bool = False
) -> MainWindow:
    """A shown studio window on ``script``, its first frame in the preview.

    Background voicing is off unless asked for: a test that counts frames must not see
    the timeline re-timed under it by a voice arriving.
    """
    window = MainWindow(store)
    window.prefs.background_voicing = background_voicing
    qtbot.addWidget(window, before_close_func=close_window)
    window.resize(1400, 900)
    window.open_script(script)
    window.show()
    qtbot.waitUntil(lambda: window.preview.shown_frame >= 0, timeout=30000)
    return window


def close_window(window: MainWindow) -> None:
    """Close without keeping unsaved edits (answers the question a user would be asked)."""
    window.close()
    if window.question is not None:
        window.question.button(window.question.StandardButton.Discard).click()


@pytest.fixture
def studio(qtbot: QtBot, store: Store, example_script: Path) -> Iterator[MainWindow]:
    window = open_window(qtbot, store, example_script)
    yield window
    window.preview.pause()
    window.preview.requests.wait(10000)
    close_window(window)


@pytest.fixture(autouse=True)
def automatic_gc_given_back() -> Iterator[None]:
    """A window a test leaves open never leaves the next tests without automatic GC."""
    enabled = gc.isenabled()
    yield
    if enabled and not gc.isenabled():
        gc.unfreeze()
        gc.enable()
