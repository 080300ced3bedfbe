"""A text progress bar with ETA on stderr, listening to a :class:`Progress`."""

from __future__ import annotations

import sys
import time
from typing import TextIO

from app.engine.jobs.progress import Progress, ProgressState


def _fmt_eta(seconds: float | None) -> str:
    if seconds is None:
        return "--:--"
    seconds = int(seconds)
    m, s = divmod(seconds, 60)
    h, m = divmod(m, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"


class ProgressBar:
    """Draws ``[#####.....]  42%  ETA 01:03  message`` at most ten times a second."""

    def __init__(
        self, progress: Progress, label: str, stream: TextIO | None = None, width: int = 30
    ) -> None:
        self._stream = stream or sys.stderr
        self._label = label
        self._width = width
        self._last = 0.0
        self._tty = bool(getattr(self._stream, "isatty", lambda: False)())
        self._unsubscribe = progress.subscribe(self._draw)

    def _draw(self, state: ProgressState, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last < (0.1 if self._tty else 2.0):
            return
        self._last = now
        filled = int(state.fraction * self._width)
        bar = "#" * filled + "." * (self._width - filled)
        line = f"{self._label} [{bar}] {state.fraction * 100:3.0f}%  ETA {_fmt_eta(state.eta_s)}  {state.message[:40]}"
        self._stream.write(("\r" + line + "\x1b[K") if self._tty else line + "\n")
        self._stream.flush()

    def close(self, state: ProgressState | None = None) -> None:
        """Stop listening and end the line."""
        self._unsubscribe()
        if state is not None:
            self._draw(state, force=True)
        if self._tty:
            self._stream.write("\n")
            self._stream.flush()
