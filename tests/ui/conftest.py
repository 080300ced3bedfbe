"""A studio window on a copy of a script, with its own store (the user folders are per test)."""

from __future__ import annotations

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


def open_window(qtbot: QtBot, store: Store, script: Path) -> MainWindow:
    window = MainWindow(store)
    qtbot.addWidget(window)
    window.resize(1400, 900)
    window.open_script(script)
    window.show()
    qtbot.waitUntil(lambda: window.preview.shown_frame >= 0, timeout=30000)
    return window


@pytest.fixture
def studio(qtbot: QtBot, store: Store, example_script: Path) -> Iterator[MainWindow]:
    window = open_window(qtbot, store, example_script)
    yield window
    window.preview.pause()
    window.preview.requests.wait(10000)
    window.close()
