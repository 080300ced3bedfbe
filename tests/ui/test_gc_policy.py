"""The studio's GC policy: cycles are collected on the GUI thread, never in a worker.

A cycle holding a QObject collected in a worker thread deletes it off its thread, and
Qt aborts (a studio export once died so in the encoder thread); see app.ui.gc_policy.
"""

from __future__ import annotations

import gc
import threading
from pathlib import Path

from PySide6.QtCore import QObject, Qt
from pytestqt.qtbot import QtBot

from app.engine.store import Store
from app.ui.gc_policy import PRESSURE
from tests.ui.conftest import close_window, open_window


def test_a_cycle_dropped_in_a_worker_is_collected_on_the_gui_thread(
    qtbot: QtBot, store: Store, example_script: Path
) -> None:
    assert gc.isenabled()
    window = open_window(qtbot, store, example_script)
    assert not gc.isenabled()  # in force while the studio runs
    gui = threading.get_ident()
    destroyed_in: list[int] = []
    made = QObject()  # a GUI-thread object, as a panel's helper or a dialog would be
    made.destroyed.connect(
        lambda: destroyed_in.append(threading.get_ident()), Qt.ConnectionType.DirectConnection
    )
    handed_over = [made]
    del made
    worker_ident: list[int] = []

    def drop_a_cycle_and_keep_allocating() -> None:
        worker_ident.append(threading.get_ident())
        cycle: dict[str, object] = {"qobject": handed_over.pop()}
        cycle["self"] = cycle
        del cycle
        # Enough new containers to cross the young generation's threshold many times:
        # with automatic collection on, a collection would run here, in this thread.
        junk = [[] for _ in range(PRESSURE // 10)]
        del junk

    collections = window.collector.collections
    worker = threading.Thread(target=drop_a_cycle_and_keep_allocating)
    worker.start()
    worker.join()
    assert destroyed_in == []  # nothing collected it in the worker
    qtbot.waitUntil(lambda: bool(destroyed_in), timeout=10000)
    assert destroyed_in == [gui] != worker_ident
    assert window.collector.collections > collections  # the timer did it
    close_window(window)
    assert gc.isenabled()  # given back when the studio closes
