"""The synthesis service: every speech line of a script becomes a cached, paid-once clip.

It owns what no single provider should: the cache (a hash of provider, voice, settings,
model and text, kept in the project store), concurrency within each provider's limit,
retries with backoff, fallback along each character's voice chain, the budget check
before anything is spent, and the cost ledger. Every clip is kept as a version of its
line (``app.engine.store.versions``); a line locked on a version is spoken by it, and
:meth:`SynthesisService.regenerate_line` makes a new take of one line past the cache.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from app.engine.audio.io import wav_bytes
from app.engine.hashing import cache_key
from app.engine.jobs.progress import Cancelled, Progress
from app.engine.model.script import Script, SpeechBeat
from app.engine.model.time import SAMPLE_RATE, samples_to_ms
from app.engine.model.voice import DEFAULT_VOICE, Character, VoiceRef, VoiceSettings
from app.engine.net.retry import RetryPolicy
from app.engine.store.projects import DEFAULT_BUDGET_USD
from app.engine.store.versions import speech_slots
from app.engine.voice.base import (
    PermanentVoiceError,
    ProviderAudio,
    SynthesisRequest,
    TransientVoiceError,
    VoiceError,
    VoiceProvider,
    WordTiming,
)
from app.engine.voice.clip import finish_clip
from app.engine.voice.local import profile_for_index
from app.engine.voice.registry import ProviderConfig, build_providers

if TYPE_CHECKING:
    from app.engine.store import LineVersion, Store

log = logging.getLogger(__name__)

PIPELINE_VERSION = 1
"""Bumped when clip processing changes, so old cache entries are not reused."""


@dataclass
class SpokenLine:
    """One speech line as audio: a 48 kHz mono float32 WAV plus word timings."""

    line: int
    speaker: str
    text: str
    caption: str
    provider: str
    voice: str
    audio_path: Path
    num_samples: int
    words: list[WordTiming]
    cached: bool
    cost_usd: float = 0.0
    failures: list[str] = field(default_factory=list)
    """Voices earlier in the chain that could not speak this line, and why."""

    @property
    def duration_ms(self) -> int:
        return samples_to_ms(self.num_samples)

    @property
    def voice_ref(self) -> str:
        return f"{self.provider}/{self.voice}"


@dataclass
class SynthesisResult:
    """Every spoken line of a script, keyed by the speech beat's 1-based line."""

    lines: dict[int, SpokenLine] = field(default_factory=dict)
    synthesized: int = 0
    cache_hits: int = 0
    providers_used: dict[str, int] = field(default_factory=dict)
    """Lines spoken by each provider."""
    cost_usd: float = 0.0
    failed: dict[int, str] = field(default_factory=dict)
    """Lines no voice in the chain could speak, with every reason."""
    project_id: str | None = None
    fallbacks: int = 0


class BudgetExceeded(VoiceError):
    """The work would push the project's spend over its budget; nothing was spent."""

    def __init__(
        self, estimate_usd: float, spent_usd: float, budget_usd: float, detail: str = ""
    ) -> None:
        self.estimate_usd = estimate_usd
        self.spent_usd = spent_usd
        self.budget_usd = budget_usd
        message = (
            f"this would cost about ${estimate_usd:.2f}{f' ({detail})' if detail else ''}, and the project has "
            f"already spent ${spent_usd:.2f} of its ${budget_usd:.2f} budget; raise the budget "
            "(synth --budget, or budget_usd in the front matter) or choose cheaper voices"
        )
        super().__init__(message, code="budget_exceeded")


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
    """Give characters that share a local model distinct voice profiles."""
    providers: ProviderConfig | None = None
    sleep: Callable[[float], None] = time.sleep


@dataclass
class _Job:
    beat: SpeechBeat
    chain: list[VoiceRef]
    settings: VoiceSettings
    previous_text: str | None = None
    next_text: str | None = None
    slot: str = ""
    """The line's name for its versions (speaker, text, which repeat of them)."""
    locked: LineVersion | None = None
    fresh: bool = False
    """Regenerating: past the cache."""


_SENTENCE = re.compile(r"(?<=[.!?])\s+")


def split_text(text: str, limit: int) -> list[str]:
    """Pieces of at most ``limit`` characters, broken at sentences, else at spaces."""
    if len(text) <= limit:
        return [text]
    pieces: list[str] = []
    current = ""
    for sentence in _SENTENCE.split(text):
        while len(sentence) > limit:
            cut = sentence.rfind(" ", 0, limit)
            cut = cut if cut > 0 else limit
            if current:
                pieces.append(current)
                current = ""
            pieces.append(sentence[:cut].strip())
            sentence = sentence[cut:].strip()
        if current and len(current) + 1 + len(sentence) > limit:
            pieces.append(current)
            current = sentence
        else:
            current = f"{current} {sentence}".strip()
    if current:
        pieces.append(current)
    return [p for p in pieces if p]


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
        self._lock = threading.Lock()
        self._semaphores: dict[str, threading.Semaphore] = {}
        self._dead_providers: dict[str, str] = {}
        self._dead_voices: dict[str, str] = {}
        self._proven: set[str] = set()
        self._probes: dict[str, threading.Lock] = {}
        self._project_id: str | None = None
        self._budget = DEFAULT_BUDGET_USD
        self._spent = 0.0
        self._reserved = 0.0

    # ------------------------------------------------------------------ public API
    def synthesize_script(
        self, script: Script, progress: Progress | None = None
    ) -> SynthesisResult:
        """Speak every speech line; raises :class:`BudgetExceeded` before spending too much."""
        progress = progress or Progress()
        beats = [b for b in script.beats() if isinstance(b, SpeechBeat) and b.text.strip()]
        self._begin(script)
        jobs = self._lock_jobs(self._jobs(script, beats))
        self._check_budget(jobs)
        result = SynthesisResult(project_id=self._project_id)
        progress.set_total(len(jobs))
        progress.update(0, message="synthesizing voices")

        def work(job: _Job) -> tuple[_Job, SpokenLine | None, str | None]:
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
                    self._tally(result, job, spoken, error)
                    progress.update(advance=1, message=f"line {job.beat.line}")
            except Cancelled:
                for f in futures:
                    f.cancel()
                raise
        if self._project_id is not None:
            self.store.set_asset_uses(
                self._project_id, "voice", [s.audio_path.stem for s in result.lines.values()]
            )
        self._audit(result)
        return result

    def regenerate_line(
        self, script: Script, line: int, progress: Progress | None = None
    ) -> SpokenLine:
        """A new take of the speech line at ``line``, past the cache, charged to the budget.

        The take becomes the line's chosen version (and the cache's, so later runs use
        it). A locked line is refused: unlock it first.
        """
        beats = [b for b in script.beats() if isinstance(b, SpeechBeat) and b.text.strip()]
        self._begin(script)
        if self._project_id is None:
            raise VoiceError("regenerating a line needs the script's project in the store")
        jobs = [j for j in self._lock_jobs(self._jobs(script, beats)) if j.beat.line == line]
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
        job = _Job(beat, chain, settings or VoiceSettings())
        self._check_budget([job])
        return self._speak_job(job, Progress())

    def estimate_usd(self, script: Script) -> float:
        """What synthesizing ``script`` would cost now (cached lines cost nothing)."""
        beats = [b for b in script.beats() if isinstance(b, SpeechBeat) and b.text.strip()]
        total, _ = self._estimate(self._jobs(script, beats))
        return total

    # ------------------------------------------------------------------ set-up
    def _reset_run(self, budget: float) -> None:
        with self._lock:
            self._dead_providers.clear()
            self._dead_voices.clear()
            self._proven.clear()
            self._budget = budget
            self._spent = self.store.project_spend(self._project_id) if self._project_id else 0.0
            self._reserved = 0.0

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
        self._project_id = project.id if project else None
        self._reset_run(budget)

    def _characters(self, script: Script, beats: list[SpeechBeat]) -> dict[str, Character]:
        """The script's characters, with voices chosen in the studio (kept in the store) winning."""
        characters = {c.name: c for c in script.characters}
        if self._project_id is not None:
            for record in self.store.characters(self._project_id):
                try:
                    characters[record.name] = Character(
                        name=record.name,
                        voice=VoiceRef.parse(record.voice),
                        fallback=[VoiceRef.parse(f) for f in record.fallback],
                        settings=VoiceSettings.model_validate(record.settings),
                    )
                except ValueError as exc:  # a damaged row: keep the script's choice
                    log.warning("ignoring the stored voice for %s: %s", record.name, exc)
        for beat in beats:
            if beat.speaker not in characters:
                characters[beat.speaker] = Character(name=beat.speaker, declared=False)
        return characters

    def _profiled_chains(self, characters: dict[str, Character]) -> dict[str, list[VoiceRef]]:
        """Each character's chain, with local voices given a profile per character.

        Characters sharing a Piper model (with no profile named) get ``plain``,
        ``bright``, ``deep``... in script order, the narrator first, so they differ.
        """
        names = sorted(characters, key=lambda n: (n != "NARRATOR", list(characters).index(n)))
        per_model: dict[str, int] = {}
        chains: dict[str, list[VoiceRef]] = {}
        for name in names:
            assigned: dict[str, str] = {}
            chain: list[VoiceRef] = []
            for ref in characters[name].chain:
                if self.options.auto_profiles and ref.provider == "local" and ":" not in ref.voice:
                    if ref.voice not in assigned:
                        index = per_model.get(ref.voice, 0)
                        per_model[ref.voice] = index + 1
                        profile = profile_for_index(index)
                        assigned[ref.voice] = (
                            ref.voice if profile == "plain" else f"{ref.voice}:{profile}"
                        )
                    ref = VoiceRef(provider="local", voice=assigned[ref.voice])
                if ref not in chain:
                    chain.append(ref)
            chains[name] = chain
        return chains

    def _jobs(self, script: Script, beats: list[SpeechBeat]) -> list[_Job]:
        characters = self._characters(script, beats)
        chains = self._profiled_chains(characters)
        jobs: list[_Job] = []
        slots = speech_slots(beats)
        for i, beat in enumerate(beats):
            character = characters[beat.speaker]
            jobs.append(
                _Job(
                    beat,
                    chains[beat.speaker],
                    character.settings,
                    previous_text=beats[i - 1].text if i > 0 else None,
                    next_text=beats[i + 1].text if i + 1 < len(beats) else None,
                    slot=slots[beat.line],
                )
            )
        return jobs

    def _lock_jobs(self, jobs: list[_Job]) -> list[_Job]:
        """Lines locked on a version keep it: nothing is asked or spent for them."""
        if self._project_id is None:
            return jobs
        picks = self.store.chosen_versions(self._project_id, "voice")
        for job in jobs:
            pick = picks.get(job.slot)
            if pick is not None and pick.locked and pick.path.is_file():
                job.locked = pick
        return jobs

    # ------------------------------------------------------------------ money
    def _key(self, provider: VoiceProvider, request: SynthesisRequest) -> str:
        return cache_key(
            "audio",
            provider=provider.name,
            voice=request.voice_id,
            settings=request.settings.model_dump(mode="json"),
            model=provider.model_id(request),
            text=request.text,
            pipeline=PIPELINE_VERSION,
        )

    def _estimate(self, jobs: list[_Job]) -> tuple[float, dict[str, float]]:
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
                cached = self.store.audio_cache_get(self._key(provider, request)) is not None
                if cached and not job.fresh:
                    break
                cost = provider.estimate_cost(request)
                total += cost
                by_provider[provider.name] = by_provider.get(provider.name, 0.0) + cost
                break
        return total, by_provider

    def _check_budget(self, jobs: list[_Job]) -> None:
        estimate, by_provider = self._estimate(jobs)
        if estimate > 0 and self._spent + estimate > self._budget + 1e-9:
            detail = ", ".join(
                f"{name} ${usd:.2f}" for name, usd in sorted(by_provider.items()) if usd > 0
            )
            raise BudgetExceeded(estimate, self._spent, self._budget, detail)

    def _reserve(self, provider: VoiceProvider, request: SynthesisRequest) -> float:
        cost = provider.estimate_cost(request)
        if cost <= 0:
            return 0.0
        with self._lock:
            if self._spent + self._reserved + cost > self._budget + 1e-9:
                raise BudgetExceeded(
                    cost, self._spent + self._reserved, self._budget, f"{provider.name} line"
                )
            self._reserved += cost
        return cost

    def _settle(self, reserved: float, actual: float) -> None:
        with self._lock:
            self._reserved -= reserved
            self._spent += actual

    # ------------------------------------------------------------------ speaking
    def _semaphore(self, provider: VoiceProvider) -> threading.Semaphore:
        with self._lock:
            sem = self._semaphores.get(provider.name)
        if sem is None:
            limit = max(1, provider.concurrency())  # may ask the provider: outside the lock
            with self._lock:
                sem = self._semaphores.setdefault(provider.name, threading.Semaphore(limit))
        return sem

    def _first_call_gate(self, provider: VoiceProvider) -> threading.Lock | None:
        """A lock the first request to a provider holds while the others wait.

        Until one request has been answered, a bad key or an exhausted quota would fail
        every parallel request at once (and be billed or rate-limited as such); after
        the first answer the gate is gone.
        """
        with self._lock:
            if provider.name in self._proven:
                return None
            return self._probes.setdefault(provider.name, threading.Lock())

    def _call(
        self, provider: VoiceProvider, request: SynthesisRequest, progress: Progress
    ) -> ProviderAudio:
        policy = self.options.retry
        attempt = 0
        while True:
            progress.check()
            try:
                gate = self._first_call_gate(provider)
                if gate is not None:
                    with gate:
                        with self._lock:
                            dead = self._dead_providers.get(provider.name)
                            first = provider.name not in self._proven
                        if dead:
                            raise PermanentVoiceError(
                                dead, provider=provider.name, scope="provider"
                            )
                        if first:
                            try:
                                with self._semaphore(provider):
                                    return provider.synthesize(request)
                            except PermanentVoiceError as exc:
                                self._mark_dead(
                                    provider,
                                    VoiceRef(provider=provider.name, voice=request.voice_id),
                                    exc,
                                )
                                raise
                            finally:
                                with self._lock:
                                    self._proven.add(provider.name)
                with self._semaphore(provider):
                    return provider.synthesize(request)
            except TransientVoiceError as exc:
                attempt += 1
                if attempt >= policy.attempts:
                    raise
                delay = policy.delay(attempt - 1, exc.retry_after_s)
                log.info("%s: %s; retry %d in %.2f s", provider.name, exc, attempt, delay)
                self.options.sleep(delay)

    def _synthesize(
        self, provider: VoiceProvider, request: SynthesisRequest, progress: Progress
    ) -> ProviderAudio:
        """One request, or several for text longer than the provider accepts, joined."""
        pieces = split_text(request.text, provider.max_text_chars)
        if len(pieces) == 1:
            return self._call(provider, request, progress)
        answers: list[ProviderAudio] = []
        for i, piece in enumerate(pieces):
            sub = SynthesisRequest(
                request.voice_id,
                piece,
                request.settings,
                previous_text=pieces[i - 1] if i else request.previous_text,
                next_text=pieces[i + 1] if i + 1 < len(pieces) else request.next_text,
            )
            answers.append(self._call(provider, sub, progress))
        rate = answers[0].sample_rate
        gap = np.zeros(rate // 4, dtype=np.float32)
        joined: list[np.ndarray] = []
        for i, answer in enumerate(answers):
            if i:
                joined.append(gap)
            joined.append(finish_clip_rate(answer, rate))
        weights = [w for a in answers for w in (a.word_weights or [])] or None
        return ProviderAudio(
            samples=np.concatenate(joined),
            sample_rate=rate,
            model=answers[0].model,
            billed_units=sum(a.billed_units for a in answers),
            cost_usd=sum(a.cost_usd for a in answers),
            request_id=",".join(a.request_id for a in answers if a.request_id) or None,
            word_weights=weights if weights and len(weights) == len(request.text.split()) else None,
        )

    def _speak_job(self, job: _Job, progress: Progress) -> SpokenLine:
        failures: list[str] = []
        beat = job.beat
        if job.locked is not None:
            return self._locked_line(job, job.locked)
        for ref in job.chain:
            provider = self.providers.get(ref.provider)
            if provider is None:
                failures.append(f"{ref}: there is no provider called {ref.provider!r}")
                continue
            request = SynthesisRequest(
                ref.voice, beat.text, job.settings, job.previous_text, job.next_text
            )
            key = self._key(provider, request)
            hit = None if job.fresh else self.store.audio_cache_get(key)
            if hit is not None:
                words = [WordTiming.from_dict(w) for w in hit.meta.get("words", [])]
                self._version(
                    job,
                    hit.asset_sha256,
                    hit.provider,
                    float(hit.meta.get("cost_usd") or 0.0),
                    {
                        **hit.meta,
                        "cache_key": key,
                        "voice": ref.voice,
                        "num_samples": hit.num_samples,
                    },
                )
                return SpokenLine(
                    beat.line,
                    beat.speaker,
                    beat.text,
                    beat.caption,
                    hit.provider,
                    ref.voice,
                    hit.path,
                    hit.num_samples,
                    words,
                    cached=True,
                    failures=failures,
                )
            with self._lock:
                dead = self._dead_providers.get(provider.name) or self._dead_voices.get(str(ref))
            if dead:
                failures.append(f"{ref}: {dead}")
                continue
            if not provider.is_configured():
                failures.append(f"{ref}: {provider.status()}")
                continue
            reserved = 0.0
            try:
                reserved = self._reserve(provider, request)
                raw = self._synthesize(provider, request, progress)
            except BudgetExceeded as exc:
                failures.append(f"{ref}: {exc}")
                continue
            except PermanentVoiceError as exc:
                self._settle(reserved, 0.0)
                self._mark_dead(provider, ref, exc)
                failures.append(f"{ref}: {exc}")
                log.warning("line %d: %s failed permanently: %s", beat.line, ref, exc)
                continue
            except TransientVoiceError as exc:
                self._settle(reserved, 0.0)
                failures.append(f"{ref}: gave up after {self.options.retry.attempts} tries: {exc}")
                log.warning("line %d: %s kept failing: %s", beat.line, ref, exc)
                continue
            self._settle(reserved, raw.cost_usd)
            return self._keep(job, ref, provider, key, raw, failures)
        raise LineFailed(
            f"line {beat.line} ({beat.speaker}): no voice could speak it: " + "; ".join(failures)
        )

    def _locked_line(self, job: _Job, version: LineVersion) -> SpokenLine:
        """A locked line is spoken by its chosen take, whatever its voice is now."""
        meta = version.meta
        beat = job.beat
        return SpokenLine(
            beat.line,
            beat.speaker,
            beat.text,
            beat.caption,
            version.provider,
            str(meta.get("voice") or ""),
            version.path,
            int(meta.get("num_samples") or 0),
            [WordTiming.from_dict(w) for w in meta.get("words", [])],
            cached=True,
        )

    def _version(
        self, job: _Job, sha256: str, provider: str, cost_usd: float, meta: dict[str, Any]
    ) -> None:
        """Keep a clip as a version of its line; the run's clip becomes the chosen one."""
        if self._project_id is None or not job.slot:
            return
        self.store.add_version(
            self._project_id,
            "voice",
            job.slot,
            sha256,
            line=job.beat.line,
            provider=provider,
            cost_usd=cost_usd,
            meta={**meta, "speaker": job.beat.speaker, "text": job.beat.text},
            choose=True,
        )

    def _mark_dead(self, provider: VoiceProvider, ref: VoiceRef, exc: PermanentVoiceError) -> None:
        with self._lock:
            if exc.scope == "provider":
                self._dead_providers.setdefault(provider.name, str(exc))
            elif exc.scope == "voice":
                self._dead_voices.setdefault(str(ref), str(exc))

    def _keep(
        self,
        job: _Job,
        ref: VoiceRef,
        provider: VoiceProvider,
        key: str,
        raw: ProviderAudio,
        failures: list[str],
    ) -> SpokenLine:
        beat = job.beat
        clip = finish_clip(raw, beat.text)
        words = [w.to_dict() for w in clip.words]
        provenance: dict[str, Any] = {
            "provider": provider.name,
            "voice": ref.voice,
            "model": raw.model,
            "request_id": raw.request_id,
            "text": beat.text,
        }
        asset = self.store.add_asset(
            wav_bytes(clip.samples),
            "audio",
            suffix=".wav",
            provenance=provenance,
            duration_ms=samples_to_ms(clip.num_samples),
        )
        cache_meta = {
            "words": words,
            "model": raw.model,
            "cost_usd": raw.cost_usd,
            "billed_units": raw.billed_units,
            "request_id": raw.request_id,
            "sample_rate": SAMPLE_RATE,
        }
        entry = self.store.audio_cache_put(
            key,
            asset.sha256,
            provider=provider.name,
            voice=ref.voice,
            num_samples=clip.num_samples,
            meta=cache_meta,
        )
        self._version(
            job,
            asset.sha256,
            provider.name,
            raw.cost_usd,
            {**cache_meta, "cache_key": key, "voice": ref.voice, "num_samples": clip.num_samples},
        )
        if raw.cost_usd > 0:
            self.store.record_cost(
                provider.name,
                raw.billed_units,
                raw.cost_usd,
                project_id=self._project_id,
                description=f"line {beat.line} {beat.speaker} via {ref}"
                + (f" (request {raw.request_id})" if raw.request_id else ""),
            )
        return SpokenLine(
            beat.line,
            beat.speaker,
            beat.text,
            beat.caption,
            provider.name,
            ref.voice,
            entry.path,
            clip.num_samples,
            clip.words,
            cached=False,
            cost_usd=raw.cost_usd,
            failures=failures,
        )

    # ------------------------------------------------------------------ reporting
    def _tally(
        self, result: SynthesisResult, job: _Job, spoken: SpokenLine | None, error: str | None
    ) -> None:
        if spoken is None:
            result.failed[job.beat.line] = error or "failed"
            return
        result.lines[job.beat.line] = spoken
        if spoken.cached:
            result.cache_hits += 1
        else:
            result.synthesized += 1
            result.cost_usd += spoken.cost_usd
        if spoken.failures:
            result.fallbacks += 1
        result.providers_used[spoken.provider] = result.providers_used.get(spoken.provider, 0) + 1

    def _audit(self, result: SynthesisResult) -> None:
        if self._project_id is None:
            return
        fallbacks = {
            str(line): s.failures for line, s in result.lines.items() if s.failures and not s.cached
        }
        self.store.audit(
            self._project_id,
            "voices.synthesized",
            {
                "synthesized": result.synthesized,
                "cache_hits": result.cache_hits,
                "providers": result.providers_used,
                "cost_usd": round(result.cost_usd, 6),
                "fallbacks": fallbacks,
                "failed": {str(k): v for k, v in result.failed.items()},
            },
        )


def finish_clip_rate(answer: ProviderAudio, rate: int) -> np.ndarray:
    """A piece's samples at ``rate`` (pieces of one line share the provider's rate)."""
    if answer.sample_rate == rate:
        return np.asarray(answer.samples, dtype=np.float32)
    from app.engine.audio.dsp import resample

    return resample(answer.samples, answer.sample_rate, rate)
