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
    """Overrides the project's budget (and the script's ``budget:``)."""
    project_id: str | None = None
    """None: the project made from the script file (created on first use)."""
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    max_workers: int = 8
    auto_profiles: bool = True
    """Give characters that share a voice distinct shapes (the local voice's profiles)."""
    providers: ProviderConfig | None = None
    sleep: Sleep | None = None
    """How retries wait (tests pass a fake clock's); None: real waits that end at once
    when the job or the process is cancelled."""


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

    def close(self) -> None:
        """Close the providers' connections: built here or handed over, they are the service's
        (a provider used again after this opens a new connection)."""
        for provider in self.providers.values():
            provider.close()

    def __enter__(self) -> SynthesisService:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ public API
    def synthesize_script(
        self, script: Script, progress: Progress | None = None
    ) -> SynthesisResult:
        """Speak every speech line; raises :class:`BudgetExceeded` before spending too much."""
        progress = progress or Progress()
        self._begin(script)
        jobs = self._jobs(script, locked=True)
        self._check_budget(jobs)
        result = SynthesisResult(
            project_id=self._clips.project_id, over_budget=sum(j.free_only for j in jobs)
        )
        progress.set_total(len(jobs))
        progress.update(0, message="synthesizing voices")

        def work(job: Job) -> tuple[Job, SpokenLine | None, str | None]:
            progress.check()
            try:
                with progress.working():  # a cancel stops this line's request in flight
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
        jobs = self._jobs(script, locked=False)
        return sum(self._first_cost(job)[0] for job in jobs)

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
    def _check_budget(self, jobs: list[Job]) -> None:
        """Plan the spend in script order before any request.

        Lines take their paid voice while the budget lasts; past it, a line with a free
        voice later in its chain is marked to use it, and only lines that have none
        refuse the run (with what they would cost), so a small budget never stops a
        script that can still be voiced for free.
        """
        left = self._budget.budget_usd - self._budget.spent_usd
        unpaid = 0.0
        by_provider: dict[str, float] = {}
        for job in jobs:
            cost, provider = self._first_cost(job)
            if cost <= 0 or provider is None:
                continue
            if cost <= left + 1e-9:
                left -= cost
            elif self._has_free_voice(job):
                job.free_only = True
            else:
                unpaid += cost
                by_provider[provider] = by_provider.get(provider, 0.0) + cost
        if unpaid > 0:
            planned = self._budget.budget_usd - self._budget.spent_usd - left
            detail = ", ".join(f"{name} ${usd:.2f}" for name, usd in sorted(by_provider.items()))
            raise BudgetExceeded(
                planned + unpaid, self._budget.spent_usd, self._budget.budget_usd, detail
            )

    def _first_cost(self, job: Job) -> tuple[float, str | None]:
        """What the line's first usable voice would charge (0 when cached or locked)."""
        if job.locked is not None:
            return 0.0, None
        for ref in job.chain:
            provider = self.providers.get(ref.provider)
            if provider is None or not provider.is_configured():
                continue
            request = SynthesisRequest(ref.voice, job.beat.text, job.settings)
            if self._clips.is_cached(clip_key(provider, request)) and not job.fresh:
                return 0.0, None
            return provider.estimate_cost(request), provider.name
        return 0.0, None

    def _has_free_voice(self, job: Job) -> bool:
        for ref in job.chain:
            provider = self.providers.get(ref.provider)
            if provider is not None and provider.is_configured():
                request = SynthesisRequest(ref.voice, job.beat.text, job.settings)
                if provider.estimate_cost(request) <= 0:
                    return True
        return False

    def _charge(self, job: Job, ref: VoiceRef, exc: VoiceError) -> None:
        """Ledger what a provider billed for an answer that could not be used."""
        self._clips.store.record_cost(
            exc.provider or ref.provider,
            exc.billed_units,
            exc.cost_usd,
            project_id=self._clips.project_id,
            description=f"line {job.beat.line} {job.beat.speaker} via {ref}: "
            f"billed for an answer that could not be used ({exc.code or 'error'})",
        )

    # ------------------------------------------------------------------ speaking
    def _synthesize(
        self,
        provider: VoiceProvider,
        request: SynthesisRequest,
        job: Job,
        ref: VoiceRef,
        progress: Progress,
    ) -> ProviderAudio:
        """The line in the parser's chunks (re-split where this voice takes less), joined.

        Pieces already paid for when a later one fails are charged to the ledger: the
        money is spent even though the line falls to the next voice.
        """
        pieces = pieces_for(request.text, job.beat.chunks, provider.request_limit())
        answers: list[ProviderAudio] = []

        def charge(exc: VoiceError) -> None:
            self._charge(job, ref, exc)

        try:
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
                        self._gates,
                        provider,
                        sub,
                        self.options.retry,
                        self.options.sleep,
                        progress,
                        self._budget,
                        charge,
                    )
                )
        except BaseException:
            for answer in answers:
                if answer.cost_usd > 0:
                    charge(
                        VoiceError(
                            "a later piece of the line failed",
                            provider=provider.name,
                            code="unused_piece",
                            cost_usd=answer.cost_usd,
                            billed_units=answer.billed_units,
                        )
                    )
            raise
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
            if job.free_only and provider.estimate_cost(request) > 0:
                failures.append(f"{ref}: skipped: the budget cannot pay for this line")
                continue
            try:
                raw = self._synthesize(provider, request, job, ref, progress)
            except BudgetExceeded as exc:
                failures.append(f"{ref}: {exc}")
                continue
            except PermanentVoiceError as exc:
                self._gates.mark_dead(provider, ref, exc)
                failures.append(f"{ref}: {exc}")
                log.warning("line %d: %s failed permanently: %s", beat.line, ref, exc)
                continue
            except TransientVoiceError as exc:
                failures.append(f"{ref}: gave up after {self.options.retry.attempts} tries: {exc}")
                log.warning("line %d: %s kept failing: %s", beat.line, ref, exc)
                continue
            return self._clips.keep(job, ref, provider, key, raw, failures)
        raise LineFailed(
            f"line {beat.line} ({beat.speaker}): no voice could speak it: " + "; ".join(failures)
        )
