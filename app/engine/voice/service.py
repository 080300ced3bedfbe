"""The synthesis service: every speech line of a script becomes a cached, paid-once clip.

It owns what no single provider should, each job in a module of its own: who speaks
which line (:mod:`.casting`), the budget (:mod:`.budget`), concurrency and dead voices
(:mod:`.gating`), retries (:mod:`.retrying`), lines spoken in the parser's request
chunks (:mod:`.pieces`), and the cache, versions and audit (:mod:`.clips`). This module
only runs them in order: for each line, along its voice chain, until one voice speaks
it. :meth:`SynthesisService.regenerate_line` makes a new take of one line past the cache.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from app.engine.jobs.progress import Cancelled, Progress
from app.engine.model.script import Script, SpeechBeat
from app.engine.model.speech import SpokenLine, SynthesisResult
from app.engine.model.voice import DEFAULT_VOICE, VoiceRef, VoiceSettings
from app.engine.net.retry import RetryPolicy, Sleep
from app.engine.store.projects import DEFAULT_BUDGET_USD
from app.engine.voice import casting
from app.engine.voice.base import (
    PermanentVoiceError,
    ProviderAudio,
    SynthesisRequest,
    TransientVoiceError,
    VoiceError,
    VoiceProvider,
)
from app.engine.voice.budget import Budget, BudgetExceeded
from app.engine.voice.casting import Job
from app.engine.voice.clips import Clips, clip_key
from app.engine.voice.gating import Gates
from app.engine.voice.pieces import join_pieces, pieces_for
from app.engine.voice.registry import ProviderConfig, build_providers
from app.engine.voice.retrying import call_with_retry

if TYPE_CHECKING:
    from app.engine.store import Store

log = logging.getLogger(__name__)

__all__ = [
    "BudgetExceeded",
    "LineFailed",
    "SpokenLine",
    "SynthesisOptions",
    "SynthesisResult",
    "SynthesisService",
]


class LineFailed(VoiceError):
    """No voice in a character's chain could speak a line."""


@dataclass
class SynthesisOptions:
    """How a service behaves; the defaults suit the studio and the command line."""

    budget_usd: float | None = None
    """Overrides the project's budget (and the script's ``budget_usd``)."""
    project_id: str | None = None
    """None: the project made from the script file (created on first use)."""
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    max_workers: int = 8
    auto_profiles: bool = True
    """Give characters that share a voice distinct shapes (the local voice's profiles)."""
    providers: ProviderConfig | None = None
    sleep: Sleep = time.sleep


class SynthesisService:
    """Turns scripts and single lines into speech through the providers."""

    def __init__(
        self,
        store: Store,
        options: SynthesisOptions | None = None,
        *,
        providers: dict[str, VoiceProvider] | None = None,
    ) -> None:
        self.store = store
        self.options = options or SynthesisOptions()
        self.providers = (
            providers if providers is not None else build_providers(self.options.providers)
        )
        self._gates = Gates()
        self._budget = Budget(DEFAULT_BUDGET_USD)
        self._clips = Clips(store)

    # ------------------------------------------------------------------ public API
    def synthesize_script(
        self, script: Script, progress: Progress | None = None
    ) -> SynthesisResult:
        """Speak every speech line; raises :class:`BudgetExceeded` before spending too much."""
        progress = progress or Progress()
        self._begin(script)
        jobs = self._jobs(script, locked=True)
        self._check_budget(jobs)
        result = SynthesisResult(project_id=self._clips.project_id)
        progress.set_total(len(jobs))
        progress.update(0, message="synthesizing voices")

        def work(job: Job) -> tuple[Job, SpokenLine | None, str | None]:
            progress.check()
            try:
                return job, self._speak_job(job, progress), None
            except LineFailed as exc:
                return job, None, str(exc)

        workers = max(1, min(self.options.max_workers, len(jobs) or 1))
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="castline-voice") as pool:
            futures = [pool.submit(work, job) for job in jobs]
            try:
                for future in futures:
                    job, spoken, error = future.result()
                    result.tally(job.beat.line, spoken, error)
                    progress.update(advance=1, message=f"line {job.beat.line}")
            except Cancelled:
                for f in futures:
                    f.cancel()
                raise
        self._clips.audit(result)
        return result

    def regenerate_line(
        self, script: Script, line: int, progress: Progress | None = None
    ) -> SpokenLine:
        """A new take of the speech line at ``line``, past the cache, charged to the budget.

        The take becomes the line's chosen version (and the cache's, so later runs use
        it). A locked line is refused: unlock it first.
        """
        self._begin(script)
        if self._clips.project_id is None:
            raise VoiceError("regenerating a line needs the script's project in the store")
        jobs = [j for j in self._jobs(script, locked=True) if j.beat.line == line]
        if not jobs:
            raise VoiceError(f"line {line} of the script is not a spoken line")
        job = jobs[0]
        if job.locked is not None:
            raise VoiceError(f"the voice of line {line} is locked; unlock it to make a new take")
        job.fresh = True
        self._check_budget([job])
        return self._speak_job(job, progress or Progress())

    def speak(
        self,
        text: str,
        voice: str | VoiceRef = DEFAULT_VOICE,
        settings: VoiceSettings | None = None,
        *,
        fallback: Iterable[str | VoiceRef] = (),
        speaker: str = "NARRATOR",
    ) -> SpokenLine:
        """Speak one piece of text (the ``speak`` command, the studio's line preview)."""
        text = " ".join(text.split())
        if not text:
            raise LineFailed("there is no text to speak")
        ref = voice if isinstance(voice, VoiceRef) else VoiceRef.parse(voice)
        chain = [ref, *(f if isinstance(f, VoiceRef) else VoiceRef.parse(f) for f in fallback)]
        self._reset_run(
            self.options.budget_usd if self.options.budget_usd is not None else DEFAULT_BUDGET_USD
        )
        beat = SpeechBeat(line=0, speaker=speaker, text=text, caption=text)
        job = Job(beat, chain, settings or VoiceSettings())
        self._check_budget([job])
        return self._speak_job(job, Progress())

    def estimate_usd(self, script: Script) -> float:
        """What synthesizing ``script`` would cost now (cached lines cost nothing)."""
        total, _ = self._estimate(self._jobs(script, locked=False))
        return total

    # ------------------------------------------------------------------ set-up
    def _reset_run(self, budget: float) -> None:
        self._gates.reset()
        project = self._clips.project_id
        self._budget.reset(budget, self.store.project_spend(project) if project else 0.0)

    def _begin(self, script: Script) -> None:
        try:
            project, budget = self.store.project_budget(
                project_id=self.options.project_id,
                script_path=script.path,
                title=script.title,
                script_budget=script.settings.budget_usd,
                override=self.options.budget_usd,
            )
        except KeyError:
            raise VoiceError(f"project {self.options.project_id} does not exist") from None
        self._clips.project_id = project.id if project else None
        self._reset_run(budget)

    def _jobs(self, script: Script, *, locked: bool) -> list[Job]:
        beats = casting.spoken_beats(script)
        project = self._clips.project_id
        cast = casting.characters(self.store, project, script, beats)
        chains = casting.profiled_chains(cast, self.providers, self.options.auto_profiles)
        jobs = casting.make_jobs(cast, chains, beats)
        return casting.lock_jobs(self.store, project, jobs) if locked else jobs

    # ------------------------------------------------------------------ money
    def _estimate(self, jobs: list[Job]) -> tuple[float, dict[str, float]]:
        """Dollars for the lines not cached, spoken by the first usable voice of each."""
        total = 0.0
        by_provider: dict[str, float] = {}
        for job in jobs:
            if job.locked is not None:
                continue
            for ref in job.chain:
                provider = self.providers.get(ref.provider)
                if provider is None or not provider.is_configured():
                    continue
                request = SynthesisRequest(ref.voice, job.beat.text, job.settings)
                if self._clips.is_cached(clip_key(provider, request)) and not job.fresh:
                    break
                cost = provider.estimate_cost(request)
                total += cost
                by_provider[provider.name] = by_provider.get(provider.name, 0.0) + cost
                break
        return total, by_provider

    def _check_budget(self, jobs: list[Job]) -> None:
        self._budget.check(*self._estimate(jobs))

    # ------------------------------------------------------------------ speaking
    def _synthesize(
        self, provider: VoiceProvider, request: SynthesisRequest, job: Job, progress: Progress
    ) -> ProviderAudio:
        """The line in the parser's chunks (re-split where this voice takes less), joined."""
        pieces = pieces_for(request.text, job.beat.chunks, provider.request_limit())
        answers = []
        for i, piece in enumerate(pieces):
            sub = SynthesisRequest(
                request.voice_id,
                piece,
                request.settings,
                previous_text=pieces[i - 1] if i else request.previous_text,
                next_text=pieces[i + 1] if i + 1 < len(pieces) else request.next_text,
            )
            answers.append(
                call_with_retry(
                    self._gates, provider, sub, self.options.retry, self.options.sleep, progress
                )
            )
        return join_pieces(answers, pieces)

    def _speak_job(self, job: Job, progress: Progress) -> SpokenLine:
        failures: list[str] = []
        beat = job.beat
        if job.locked is not None:
            return self._clips.locked(job, job.locked)
        for ref in job.chain:
            provider = self.providers.get(ref.provider)
            if provider is None:
                failures.append(f"{ref}: there is no provider called {ref.provider!r}")
                continue
            request = SynthesisRequest(
                ref.voice, beat.text, job.settings, job.previous_text, job.next_text
            )
            key = clip_key(provider, request)
            hit = self._clips.cached(job, ref, key, failures)
            if hit is not None:
                return hit
            dead = self._gates.dead(provider.name, ref)
            if dead:
                failures.append(f"{ref}: {dead}")
                continue
            if not provider.is_configured():
                failures.append(f"{ref}: {provider.status()}")
                continue
            reserved = 0.0
            try:
                reserved = self._budget.reserve(provider, request)
                raw = self._synthesize(provider, request, job, progress)
            except BudgetExceeded as exc:
                failures.append(f"{ref}: {exc}")
                continue
            except PermanentVoiceError as exc:
                self._budget.settle(reserved, 0.0)
                self._gates.mark_dead(provider, ref, exc)
                failures.append(f"{ref}: {exc}")
                log.warning("line %d: %s failed permanently: %s", beat.line, ref, exc)
                continue
            except TransientVoiceError as exc:
                self._budget.settle(reserved, 0.0)
                failures.append(f"{ref}: gave up after {self.options.retry.attempts} tries: {exc}")
                log.warning("line %d: %s kept failing: %s", beat.line, ref, exc)
                continue
            self._budget.settle(reserved, raw.cost_usd)
            return self._clips.keep(job, ref, provider, key, raw, failures)
        raise LineFailed(
            f"line {beat.line} ({beat.speaker}): no voice could speak it: " + "; ".join(failures)
        )
