"""The studio's garbage collection: reference cycles are collected on the GUI thread only.

Why: Python's cyclic collector runs in whichever thread happens to be allocating when a
generation's threshold is crossed. A cycle that holds a Qt object (a lambda connected to
a widget's signal, a closure over a panel, a dialog and its callbacks) can then be
collected in a worker thread, which deletes that QObject off its own thread, and Qt
aborts the process: a studio export once died this way in the encoder thread. So while
the studio runs, automatic collection is off and a timer on the GUI thread collects
instead: every second, and sooner when many objects have piled up since the last
collection (a worker allocating fast). Everything alive once the window is first shown
is the studio itself; it is frozen (``gc.freeze``) so full collections skip it.

Reference counting still frees everything outside cycles at once, in the thread that
drops the last reference, exactly as before; only cycles wait for the GUI thread.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, Qt, QTimer

INTERVAL_MS = 1000
"""A full collection at least this often."""
WATCH_MS = 100
"""How often the pile of new objects is looked at."""
PRESSURE = 50_000
"""New container objects since the last collection that make one happen at once."""

_holders = 0
"""Collectors started and not stopped (several windows, or tests, one after another)."""
_was_enabled = True
_frozen = False


class GuiThreadCollector(QObject):
    """Automatic collection off while started; collections from a GUI-thread timer."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.CoarseTimer)
        self._timer.setInterval(WATCH_MS)
        self._timer.timeout.connect(self._tick)
        self._ticks = 0
        self.collections = 0
        """Collections this collector ran (the GC policy test reads it)."""
        self._started = False

    def start(self) -> None:
        """Switch automatic collection off (this thread must be the GUI thread)."""
        global _holders, _was_enabled
        if self._started:
            return
        self._started = True
        if _holders == 0:
            _was_enabled = gc.isenabled()
        _holders += 1
        gc.disable()
        self._timer.start()

    def freeze_startup(self) -> None:
        """The studio is up: collect once, then keep what is alive out of later passes."""
        global _frozen
        if not self._started or _frozen:
            return
        self.collect()
        gc.freeze()
        _frozen = True

    def collect(self) -> int:
        """A full collection, here on the GUI thread; returns the objects found unreachable."""
        self._ticks = 0
        self.collections += 1
        return gc.collect()

    def _tick(self) -> None:
        if gc.isenabled():
            gc.disable()  # a library switched it back on (it restores what it found)
        self._ticks += 1
        if self._ticks * WATCH_MS >= INTERVAL_MS or gc.get_count()[0] >= PRESSURE:
            self.collect()

    def stop(self) -> None:
        """Collect what is left here, and give the last stop's automatic collection back."""
        global _holders, _frozen
        if not self._started:
            return
        self._started = False
        self._timer.stop()
        _holders -= 1
        if _holders == 0:
            if _frozen:
                gc.unfreeze()
                _frozen = False
            gc.collect()
            if _was_enabled:
                gc.enable()

    @property
    def running(self) -> bool:
        return self._started
