"""Voicing in the background: after the script changes, changed lines are spoken and the
timeline is laid out again with their real lengths, so it becomes exact without a button.

The synthesis service caches every line, so a run after a small edit speaks only what
changed. Lines that would cost money (a cloud voice not spoken before) are never spent
on behind the user's back: they wait for "Synthesize all voices" (or an export), and the
timeline keeps marking them as estimated.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from PySide6.QtCore import QObject, QTimer, Signal

from app.engine.jobs.progress import Cancelled, Progress
from app.engine.model import Script
from app.engine.voice.service import SynthesisResult, SynthesisService
from app.ui import workers
from app.ui.document import ScriptDocument

DELAY_MS = 700
"""Quiet time after the last parse before voicing starts (typing is not interrupted)."""


@dataclass(frozen=True)
class Outcome:
    """What a background run did: spoke the script, or left paid lines alone."""

    result: SynthesisResult | None
    paid_usd: float = 0.0


class BackgroundVoicing(QObject):
    """``state`` says what the timeline's timings are: voicing, exact or waiting on paid lines."""

    state = Signal(str)

    def __init__(
        self,
        document: ScriptDocument,
        service: Callable[[], SynthesisService],
        enabled: Callable[[], bool],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.document = document
        self._service = service
        self._enabled = enabled
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="castline-voicing")
        self._progress: Progress | None = None
        self._again = False
        self._stopped = False
        self.text = ""
        self.runs = 0
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DELAY_MS)
        self._timer.timeout.connect(self.start)
        self._generation = 0
        document.parsed.connect(lambda _s: self.schedule())
        document.timeline_replaced.connect(lambda _t: self.reset())

    def reset(self) -> None:
        """Another project: a run for the last one is cancelled and its answer ignored."""
        self._generation += 1
        self._timer.stop()
        if self._progress is not None:
            self._progress.cancel()
        self._set_state("")

    @property
    def running(self) -> bool:
        return self._progress is not None

    def schedule(self) -> None:
        """The script changed: voice it after a quiet spell (a run in progress is cancelled)."""
        if self._stopped or not self._enabled():
            return
        if self._progress is not None:
            self._progress.cancel()
            self._again = True
        self._timer.start()

    def start(self) -> None:
        """Voice the current script now (cached lines cost nothing and take no time)."""
        script = self.document.script
        if self._stopped or script is None or not self._enabled():
            return
        if self._progress is not None:
            self._again = True
            return
        self._again = False
        progress = Progress(message="voicing")
        self._progress = progress
        self.runs += 1
        if self.document.estimated_lines():
            self._set_state("being voiced…")
        service = self._service()
        generation = self._generation
        workers.submit(
            lambda: self._work(service, script, progress),
            lambda outcome: self._done(outcome, generation),
            self._failed,
            pool=self._pool,
            owner=self,
        )

    @staticmethod
    def _work(service: SynthesisService, script: Script, progress: Progress) -> Outcome:
        paid = service.estimate_usd(script)
        if paid > 0:
            return Outcome(None, paid)
        try:
            return Outcome(service.synthesize_script(script, progress))
        except Cancelled:
            return Outcome(None)

    def _done(self, outcome: Outcome, generation: int) -> None:
        self._progress = None
        if self._stopped:
            return
        if generation != self._generation:  # voices of the project that was open before
            outcome = Outcome(None)
        if outcome.result is not None:
            result = outcome.result
            if result.failed:
                line, why = sorted(result.failed.items())[0]
                self._set_state(f"not voiced (line {line}: {why})")
            self.document.set_synthesis(result)
            if not result.failed:
                self._set_state("")
        elif outcome.paid_usd > 0:
            self._set_state(
                f"wait for Synthesize all voices (paid voices, ${outcome.paid_usd:.2f})"
            )
        if self._again:
            self.start()

    def _failed(self, message: str) -> None:
        self._progress = None
        if not self._stopped:
            self._set_state(f"not voiced ({message})")
            if self._again:
                self.start()

    def _set_state(self, text: str) -> None:
        self.text = text
        self.state.emit(text)

    def stop(self) -> None:
        """The window closes: cancel the run in progress and drop anything queued."""
        self._stopped = True
        self._timer.stop()
        if self._progress is not None:
            self._progress.cancel()
        self._pool.shutdown(wait=False, cancel_futures=True)
