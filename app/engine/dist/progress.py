"""One script's render as one progress count: voices, visuals and the render itself.

Used alike in process (the batch's per-script bar) and on a worker (the task's
``PROGRESS`` state), so a script's bar means the same wherever it runs.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from app.engine.jobs.progress import Progress, ProgressState

SCALE = 1000
"""A script's progress in thousandths (an integer count, like every Progress)."""

PHASES: tuple[tuple[str, int], ...] = (("voices", 1), ("visuals", 1), ("render", 8))
"""Each phase and its weight: rendering is most of the time on a short script."""


class ScriptProgress:
    """Three phase :class:`Progress` objects feeding one combined count out of :data:`SCALE`."""

    def __init__(self, combined: Progress | None = None) -> None:
        self.combined = combined or Progress()
        self.combined.set_total(SCALE)
        self.phases = {name: Progress() for name, _ in PHASES}
        self.phase = PHASES[0][0]
        self._lock = threading.Lock()
        total = sum(weight for _, weight in PHASES)
        start = 0
        for name, weight in PHASES:
            self.phases[name].subscribe(self._listener(name, start / total, weight / total))
            start += weight

    def _listener(self, name: str, offset: float, share: float) -> Callable[[ProgressState], None]:
        def changed(state: ProgressState) -> None:
            done = round(SCALE * (offset + share * state.fraction))
            with self._lock:
                self.phase = name
                if done < self.combined.state().done:  # phases only move forward
                    return
            self.combined.update(done, message=f"{name}: {state.message}".strip(": "))

        return changed
