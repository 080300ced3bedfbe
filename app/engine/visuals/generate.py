"""The visual plan: every ``> visual:`` line becomes a cached, paid-once still or clip.

This service owns what no single provider should, as the voice service does for voices:

* the cache: a hash of provider, model, kind, prompt as sent, seed and shape, kept in
  the project store, so editing one prompt regenerates one visual;
* the chain: each line tries its own provider, then the script's ``visuals:`` chain
  (or the default), and always ends with the offline procedural background;
* money: an estimate before anything is spent; the project's one budget (shared with
  the voices) decides which paid providers may be used at all, before any request,
  and every charge goes to the cost ledger;
* retries with backoff and Retry-After, a concurrency limit per provider, a deadline
  per remote task, and cancellation that cancels remote tasks;
* stock: terms in narration order, results ranked against the narration, footage of
  the video's orientation, and no clip used twice in a video;
* provenance on every asset: provider, model, prompt as written and as sent, seed, cost.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.engine.hashing import cache_key
from app.engine.jobs.progress import Progress
from app.engine.model.script import Scene, Script, VisualBeat
from app.engine.net.retry import Deadline, wait
from app.engine.visuals.plan import (
    Estimate,
    GeneratedVisual,
    PlannedLine,
    VisualOptions,
    VisualPlan,
    target_for,
    video_seed,
    visual_jobs,
)
from app.engine.visuals.probe import MediaInfo, probe
from app.engine.visuals.providers import (
    Call,
    Kind,
    PermanentProviderError,
    SafetyRefused,
    TransientProviderError,
    UnusableMedia,
    VisualOutput,
    VisualProvider,
    VisualRequest,
    build_visual_providers,
    default_chain,
)
from app.engine.visuals.writer import Brief, OfflineWriter, PromptWriter, Written
from app.engine.voice.service import DEFAULT_BUDGET_USD

if TYPE_CHECKING:
    from app.engine.store import Store

log = logging.getLogger(__name__)

PIPELINE_VERSION = 1
"""Bumped when what is kept for a visual changes, so old cache entries are not reused."""
LAST_RESORT = "procedural"


@dataclass
class _Job:
    beat: VisualBeat
    scene: Scene
    narration: str
    duration_ms: int
    chain: list[str]
    written: Written | None = None
    skip: dict[str, str] = field(default_factory=dict)
    """Providers refused for this line before any request (budget), with why."""
    identity: str = ""
    """The line's prompt and narration, and which repeat of them it is: stable across edits elsewhere."""


class BudgetRefused(Exception):
    """A paid call that would take the project past its budget; nothing was sent."""


class VisualGenerator:
    """Resolves a script's visual lines through the providers, into files the renderer shows."""

    def __init__(self, store: Store, options: VisualOptions | None = None) -> None:
        self.store = store
        self.options = options or VisualOptions()
        self.providers = (
            self.options.providers
            if self.options.providers is not None
            else build_visual_providers(self.options.settings)
        )
        self.writer: PromptWriter = self.options.writer or OfflineWriter()
        """Replaced in each run by the language model's writer when one is configured."""
        self._lock = threading.Lock()
        self._stock_lock = threading.Lock()
        self._semaphores: dict[str, threading.Semaphore] = {}
        self._proven: set[str] = set()
        self._gates: dict[str, threading.Lock] = {}
        self._dead: dict[str, str] = {}
        self._used: set[str] = set()
        self._anchor: tuple[Path, str] | None = None
        self._project_id: str | None = None
        self._budget = DEFAULT_BUDGET_USD
        self._spent = 0.0
        self._reserved = 0.0
        self._calls = 0

    # ------------------------------------------------------------------ public API
    def run(self, script: Script, progress: Progress | None = None) -> VisualPlan:
        """Generate or fetch every visual of ``script`` (cached ones cost nothing)."""
        progress = progress or Progress()
        jobs = self._prepare(script, progress)
        estimate = self._allocate(script, jobs)
        plan = VisualPlan(
            estimate_usd=estimate.total_usd,
            budget_usd=self._budget,
            spent_before_usd=self._spent,
            project_id=self._project_id,
            writer=self.writer.name,
        )
        for job in jobs:
            if job.written is not None and job.written.notes:
                plan.notes.setdefault(job.beat.line, []).extend(job.written.notes)
            plan.terms[job.beat.line] = job.written.terms if job.written else ()
            plan.prompts[job.beat.line] = (
                job.written.prompt if job.written else job.beat.styled_prompt
            )
        progress.set_total(len(jobs))
        progress.update(0, message="fetching visuals")
        base_dir = Path(script.path).parent if script.path else None
        # Stock picks go in narration order (so the best clip goes to the first scene that
        # wants it, and a re-run picks the same); generators run side by side meanwhile.
        # The first line that can serve as a style reference is made before the others.
        first_ref = next((j for j in jobs if self._leads_with_references(j)), None)
        ordered = [j for j in jobs if j is not first_ref and self._leads_with_stock(j)]
        in_order = {id(j) for j in ordered}
        parallel = [j for j in jobs if id(j) not in in_order and j is not first_ref]
        workers = max(1, min(self.options.max_workers, len(parallel) or 1))
        pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="castline-visual")
        futures: list[Future[tuple[_Job, GeneratedVisual | None, str, list[str]]]] = []
        try:
            if first_ref is not None:
                self._tally(plan, *self._resolve(first_ref, script, base_dir, progress))
                progress.update(advance=1, message=f"line {first_ref.beat.line}")
            futures = [
                pool.submit(self._resolve, job, script, base_dir, progress) for job in parallel
            ]
            for job in ordered:
                self._tally(plan, *self._resolve(job, script, base_dir, progress))
                progress.update(advance=1, message=f"line {job.beat.line}")
            for future in futures:
                self._tally(plan, *future.result())
                progress.update(advance=1, message="visuals")
        except BaseException:
            progress.cancel()  # workers see it at their next check and cancel their remote tasks
            for f in futures:
                f.cancel()
            pool.shutdown(wait=True, cancel_futures=True)
            raise
        pool.shutdown(wait=True)
        plan.provider_calls = self._calls
        self._audit(plan)
        return plan

    def estimate(self, script: Script) -> Estimate:
        """What :meth:`run` would spend now, per line and provider; nothing is requested."""
        jobs = self._prepare(script, Progress(), ask=False)
        return self._allocate(script, jobs)

    # ------------------------------------------------------------------ set-up
    def _begin(self, script: Script) -> None:
        project = None
        if self.options.project_id:
            project = self.store.get_project(self.options.project_id)
        elif script.path:
            project = self.store.find_project_by_script(script.path)
            if project is None:
                budget = script.settings.budget_usd
                project = self.store.create_project(
                    script.title or Path(script.path).stem,
                    script.path,
                    budget_usd=DEFAULT_BUDGET_USD if budget is None else budget,
                )
        self._project_id = project.id if project else None
        if self.options.budget_usd is not None:
            self._budget = self.options.budget_usd
        elif script.settings.budget_usd is not None:
            self._budget = script.settings.budget_usd
        elif project is not None:
            self._budget = project.budget_usd
        else:
            self._budget = DEFAULT_BUDGET_USD
        self._spent = self.store.project_spend(self._project_id) if self._project_id else 0.0
        self._reserved = 0.0
        self._dead.clear()
        self._proven.clear()
        self._used.clear()
        self._anchor = None
        self._calls = 0

    def chain_for(self, script: Script, beat: VisualBeat) -> list[str]:
        """The providers a line tries, in order; always ending with the procedural background."""
        base = (
            self.options.chain
            if self.options.chain is not None
            else (script.settings.visuals or default_chain())
        )
        chain: list[str] = []
        for name in [beat.provider, self.options.provider, *base, LAST_RESORT]:
            if name and name not in chain:
                chain.append(name)
        if self.options.offline:
            chain = [n for n in chain if (p := self.providers.get(n)) is not None and p.offline]
        return chain

    def _prepare(self, script: Script, progress: Progress, *, ask: bool = True) -> list[_Job]:
        """The jobs of ``script`` with their prompts and terms written.

        ``ask=False`` (an estimate) asks no language model: stored answers are used, and
        the offline writer stands in for the rest, so estimating spends nothing.
        """
        self._begin(script)
        jobs = [
            _Job(beat, scene, narration, duration, self.chain_for(script, beat))
            for beat, scene, narration, duration in visual_jobs(script)
        ]
        seen: dict[tuple[str, str], int] = {}
        for job in jobs:
            pair = (job.beat.prompt, job.narration)
            seen[pair] = seen.get(pair, 0) + 1
            job.identity = cache_key(
                "visual-line", prompt=job.beat.prompt, narration=job.narration, repeat=seen[pair]
            )
        aspect = target_for(script).aspect
        briefs = [
            Brief(
                job.beat.line,
                job.beat.prompt,
                job.beat.styled_prompt,
                job.narration,
                script.settings.style,
                job.scene.title,
                aspect,
            )
            for job in jobs
        ]
        if not briefs:
            return jobs
        writer = self._writer()
        with ThreadPoolExecutor(
            max_workers=min(4, len(briefs)), thread_name_prefix="castline-writer"
        ) as pool:
            write = writer.write if ask else _stored_or_offline(writer)
            for job, written in zip(jobs, pool.map(write, briefs), strict=True):
                progress.check()
                job.written = written
        return jobs

    def _writer(self) -> PromptWriter:
        """The options' writer; else the language model's when configured (not offline); else offline."""
        if self.options.writer is not None:
            self.writer = self.options.writer
        elif self.options.offline:
            self.writer = OfflineWriter()
        else:
            from app.engine.llm.enhance import writer_from_settings
            from app.engine.llm.settings import LLMSettingsError

            try:
                self.writer = writer_from_settings(self.store, project_id=self._project_id)
            except LLMSettingsError as exc:
                log.warning("%s; visual prompts are used as written", exc)
                self.writer = OfflineWriter()
        return self.writer

    # ------------------------------------------------------------------ requests and keys
    def _kind(self, job: _Job, provider: VisualProvider) -> Kind:
        return job.beat.want or provider.default_kind

    def _request(
        self, job: _Job, provider: VisualProvider, script: Script, base_dir: Path | None
    ) -> VisualRequest:
        written = job.written or Written(job.beat.styled_prompt, ())
        references: tuple[Path, ...] = ()
        with self._lock:
            anchor = self._anchor
        if (
            provider.supports_references
            and anchor is not None
            and anchor[1] != f"line:{job.beat.line}"
        ):
            references = (anchor[0],)
        with self._lock:
            exclude = frozenset(self._used)
        return VisualRequest(
            prompt=written.prompt,
            kind=self._kind(job, provider),
            target=target_for(script),
            duration_ms=job.duration_ms,
            seed=self.options.seed if self.options.seed is not None else video_seed(script),
            terms=written.terms,
            narration=job.narration,
            references=references,
            exclude=exclude,
            base_dir=base_dir,
            line=job.beat.line,
        )

    def _key(self, provider: VisualProvider, request: VisualRequest, job: _Job) -> str | None:
        """The cache key, or None for providers that are not cached (offline ones)."""
        if provider.offline:
            return None
        if provider.stock:
            # Each line gets its own entry (two scenes with the same terms must not share one
            # pick): the line's prompt, its narration, and which repeat of them it is.
            return cache_key(
                "visual-stock",
                line=job.identity,
                provider=provider.name,
                model=provider.model_id(request),
                kind=request.kind,
                terms=list(request.terms) or [request.prompt],
                aspect=request.target.aspect,
                pipeline=PIPELINE_VERSION,
            )
        # The style reference is left out on purpose: editing the first scene's prompt must
        # not regenerate every other scene made in its look.
        return cache_key(
            "visual",
            provider=provider.name,
            model=provider.model_id(request),
            kind=request.kind,
            prompt=request.prompt,
            seed=request.seed,
            aspect=request.target.aspect,
            pipeline=PIPELINE_VERSION,
        )

    def _leads_with_stock(self, job: _Job) -> bool:
        first = self._first_usable(job)
        return first is not None and first.stock

    def _leads_with_references(self, job: _Job) -> bool:
        first = self._first_usable(job)
        return (
            first is not None
            and first.supports_references
            and (job.beat.want or first.default_kind) == "still"
        )

    def _first_usable(self, job: _Job) -> VisualProvider | None:
        for name in job.chain:
            provider = self.providers.get(name)
            if provider is None or name in job.skip or not provider.is_configured():
                continue
            if not provider.can_make(self._kind(job, provider)):
                continue
            return provider
        return None

    # ------------------------------------------------------------------ money
    def _allocate(self, script: Script, jobs: list[_Job]) -> Estimate:
        """Choose, before any request, which paid providers the budget allows for each line.

        Lines are taken in narration order; a provider whose cost would pass the budget is
        refused for that line (and the line falls to the next in its chain), so a budget
        too small is refused before anything is spent.
        """
        estimate = Estimate(budget_usd=self._budget, spent_usd=self._spent)
        planned_total = 0.0
        target = target_for(script)
        for job in jobs:
            skipped: list[str] = []
            for name in job.chain:
                provider = self.providers.get(name)
                if provider is None:
                    skipped.append(f"{name}: there is no visual provider called {name!r}")
                    continue
                if not provider.is_configured():
                    skipped.append(f"{name}: {provider.status()}")
                    continue
                kind = self._kind(job, provider)
                if not provider.can_make(kind):
                    skipped.append(f"{name}: makes no {kind}s")
                    continue
                written = job.written or Written(job.beat.styled_prompt, ())
                request = VisualRequest(
                    prompt=written.prompt,
                    kind=kind,
                    target=target,
                    duration_ms=job.duration_ms,
                    seed=self.options.seed if self.options.seed is not None else video_seed(script),
                    terms=written.terms,
                )
                key = self._key(provider, request, job)
                if key is not None and self.store.visual_cache_get(key) is not None:
                    estimate.lines.append(
                        PlannedLine(job.beat.line, name, kind, 0.0, True, tuple(skipped))
                    )
                    break
                cost = provider.estimate_cost(request)
                if cost > 0 and self._spent + planned_total + cost > self._budget + 1e-9:
                    reason = (
                        f"{name}: refused before any request: ${cost:.2f} would pass the budget "
                        f"(${self._spent + planned_total:.2f} of ${self._budget:.2f} spent or planned); raise it with "
                        "--budget or budget: in the front matter"
                    )
                    job.skip[name] = reason
                    skipped.append(reason)
                    continue
                planned_total += cost
                estimate.by_provider[name] = estimate.by_provider.get(name, 0.0) + cost
                estimate.lines.append(
                    PlannedLine(job.beat.line, name, kind, cost, False, tuple(skipped))
                )
                break
        estimate.total_usd = planned_total
        return estimate

    def _reserve(self, cost: float, name: str) -> float:
        if cost <= 0:
            return 0.0
        with self._lock:
            if self._spent + self._reserved + cost > self._budget + 1e-9:
                raise BudgetRefused(
                    f"{name}: refused: ${cost:.2f} would pass the budget (${self._spent + self._reserved:.2f} of "
                    f"${self._budget:.2f} spent or reserved)"
                )
            self._reserved += cost
        return cost

    def _settle(self, reserved: float, actual: float) -> None:
        with self._lock:
            self._reserved -= reserved
            self._spent += actual

    def _charge(self, provider: str, usd: float, *, units: float, line: int, what: str) -> None:
        if usd > 0:
            self.store.record_cost(
                provider,
                units,
                usd,
                project_id=self._project_id,
                description=f"visual line {line}: {what}",
            )

    # ------------------------------------------------------------------ calling providers
    def _semaphore(self, provider: VisualProvider) -> threading.Semaphore:
        with self._lock:
            sem = self._semaphores.get(provider.name)
            if sem is None:
                sem = self._semaphores[provider.name] = threading.Semaphore(
                    max(1, provider.concurrency())
                )
            return sem

    def _call(
        self, provider: VisualProvider, request: VisualRequest, progress: Progress
    ) -> VisualOutput:
        """One provider call, retried with backoff on transient faults, under its concurrency limit.

        The first call to a provider runs alone: until it has answered once, a wrong key
        would fail every parallel request at once.
        """
        settings = self.options.settings
        policy = self.options.retry
        attempt = 0
        while True:
            progress.check()
            call = Call(
                progress,
                Deadline(settings.task_deadline_s, settings.clock),
                settings.sleep,
                settings.clock,
            )
            try:
                with self._lock:
                    gate = (
                        None
                        if provider.name in self._proven
                        else self._gates.setdefault(provider.name, threading.Lock())
                    )
                if gate is not None:
                    with gate:
                        with self._lock:
                            dead = self._dead.get(provider.name)
                        if dead:
                            raise PermanentProviderError(
                                dead, provider=provider.name, scope="provider"
                            )
                        try:
                            return self._counted(provider, request, call)
                        finally:
                            with self._lock:
                                self._proven.add(provider.name)
                return self._counted(provider, request, call)
            except TransientProviderError as exc:
                attempt += 1
                if attempt >= policy.attempts:
                    raise
                delay = policy.delay(attempt - 1, exc.retry_after_s)
                log.info("%s: %s; retry %d in %.2f s", provider.name, exc, attempt, delay)
                wait(delay, sleep=settings.sleep, progress=progress)

    def _counted(
        self, provider: VisualProvider, request: VisualRequest, call: Call
    ) -> VisualOutput:
        with self._semaphore(provider):
            with self._lock:
                self._calls += 1
            return provider.generate(request, call)

    # ------------------------------------------------------------------ one line
    def _resolve(
        self, job: _Job, script: Script, base_dir: Path | None, progress: Progress
    ) -> tuple[_Job, GeneratedVisual | None, str, list[str]]:
        """Walk the line's chain until a provider gives a usable visual: (job, visual, drawn-by, notes)."""
        notes: list[str] = []
        for name in job.chain:
            progress.check()
            provider = self.providers.get(name)
            if provider is None:
                notes.append(f"{name}: there is no visual provider called {name!r}")
                continue
            if name in job.skip:
                notes.append(job.skip[name])
                continue
            with self._lock:
                dead = self._dead.get(name)
            if dead:
                notes.append(f"{name}: {dead}")
                continue
            if not provider.is_configured():
                notes.append(f"{name}: {provider.status()}")
                continue
            kind = self._kind(job, provider)
            if not provider.can_make(kind):
                notes.append(f"{name}: makes no {kind}s")
                continue
            if provider.stock:
                with self._stock_lock:  # one stock pick at a time: a clip is never taken twice
                    result = self._try(job, provider, script, base_dir, progress, notes)
            else:
                result = self._try(job, provider, script, base_dir, progress, notes)
            if result is None:
                continue
            if isinstance(result, str):
                return job, None, result, notes
            return job, result, name, notes
        notes.append("nothing could make this visual; the procedural background is drawn")
        return job, None, LAST_RESORT, notes

    def _try(
        self,
        job: _Job,
        provider: VisualProvider,
        script: Script,
        base_dir: Path | None,
        progress: Progress,
        notes: list[str],
    ) -> GeneratedVisual | str | None:
        """One provider's attempt: a visual, the name of a renderer-drawn provider, or None (next)."""
        name, line = provider.name, job.beat.line
        request = self._request(job, provider, script, base_dir)
        key = self._key(provider, request, job)
        if key is not None:
            hit = self._from_cache(key, job, request)
            if hit is not None:
                return hit
        try:
            reserved = self._reserve(provider.estimate_cost(request), name)
        except BudgetRefused as exc:
            notes.append(str(exc))
            return None
        try:
            output = self._call(provider, request, progress)
        except SafetyRefused as exc:
            self._settle(reserved, 0.0)
            notes.append(f"{name}: {exc}")
            log.warning("visual line %d: %s refused the prompt for safety: %s", line, name, exc)
            return None
        except (PermanentProviderError, TransientProviderError) as exc:
            self._settle(reserved, exc.cost_usd)
            self._charge(
                name,
                exc.cost_usd,
                units=0.0,
                line=line,
                what=f"{name} (no visual came back: {exc.code or 'failed'})",
            )
            if isinstance(exc, PermanentProviderError) and exc.scope == "provider":
                with self._lock:
                    self._dead.setdefault(name, str(exc))
            prefix = "gave up after retries: " if isinstance(exc, TransientProviderError) else ""
            notes.append(f"{name}: {prefix}{exc}")
            log.warning("visual line %d: %s failed: %s", line, name, exc)
            return None
        if output.live:
            self._settle(reserved, output.cost_usd)
            return name
        try:
            info = probe(
                output.data if output.data is not None else _path(output),
                output.kind,
                provider=name,
            )
        except UnusableMedia as exc:
            self._settle(reserved, output.cost_usd)
            self._charge(
                name,
                output.cost_usd,
                units=output.billed_units,
                line=line,
                what=f"{name} (unusable file: {output.model})",
            )
            notes.append(f"{name}: {exc}")
            return None
        self._settle(reserved, output.cost_usd)
        return self._keep(job, provider, request, key, output, info, notes)

    def _from_cache(self, key: str, job: _Job, request: VisualRequest) -> GeneratedVisual | None:
        entry = self.store.visual_cache_get(key)
        if entry is None:
            return None
        meta = entry.meta
        stock_id = meta.get("stock_id")
        if stock_id:
            with self._lock:
                if stock_id in self._used:
                    return None  # taken by an earlier scene of this video: pick another
                self._used.add(stock_id)
        visual = GeneratedVisual(
            line=job.beat.line,
            path=entry.path,
            kind=meta.get("kind", "still"),
            width=int(meta.get("width") or 0),
            height=int(meta.get("height") or 0),
            duration_ms=meta.get("duration_ms"),
            provider=entry.provider,
            model=str(meta.get("model") or ""),
            prompt=job.beat.prompt,
            prompt_sent=str(meta.get("prompt_sent") or ""),
            seed=meta.get("seed"),
            cost_usd=0.0,
            cached=True,
            stock_id=stock_id,
            attribution=meta.get("attribution"),
            source_url=meta.get("source_url"),
            tags=tuple(meta.get("tags") or ()),
            sha256=entry.asset_sha256,
            request_id=meta.get("request_id"),
        )
        self._maybe_anchor(visual, request)
        return visual

    def _keep(
        self,
        job: _Job,
        provider: VisualProvider,
        request: VisualRequest,
        key: str | None,
        output: VisualOutput,
        info: MediaInfo,
        notes: list[str],
    ) -> GeneratedVisual:
        line = job.beat.line
        if output.stock_id:
            with self._lock:
                self._used.add(output.stock_id)
        visual = GeneratedVisual(
            line=line,
            path=output.path or Path(),  # bytes get their asset's path below
            kind=info.kind,
            width=info.width,
            height=info.height,
            duration_ms=info.duration_ms,
            provider=provider.name,
            model=output.model,
            prompt=job.beat.prompt,
            prompt_sent=output.prompt_sent or request.prompt,
            seed=output.seed if output.seed is not None else request.seed,
            cost_usd=output.cost_usd,
            stock_id=output.stock_id,
            attribution=output.attribution,
            source_url=output.source_url,
            tags=tuple(output.tags),
            request_id=output.request_id,
            failures=tuple(notes),
        )
        if output.data is not None:
            provenance = visual.provenance()
            if output.reference:
                provenance["reference_sha256"] = output.reference
            asset = self.store.add_asset(
                output.data,
                "video" if info.kind == "clip" else "image",
                suffix=output.suffix or _suffix_for(info),
                provenance=provenance,
                duration_ms=info.duration_ms,
                width=info.width,
                height=info.height,
            )
            visual = _replace(visual, path=asset.path, sha256=asset.sha256)
            if key is not None:
                meta = {k: v for k, v in provenance.items() if k not in ("prompt",)}
                meta.update(width=info.width, height=info.height, duration_ms=info.duration_ms)
                self.store.visual_cache_put(key, asset.sha256, provider=provider.name, meta=meta)
        what = f"{provider.name} {info.kind} ({output.model})" + (
            f" request {output.request_id}" if output.request_id else ""
        )
        self._charge(
            provider.name, output.cost_usd, units=output.billed_units, line=line, what=what
        )
        self._maybe_anchor(visual, request)
        return visual

    def _maybe_anchor(self, visual: GeneratedVisual, request: VisualRequest) -> None:
        """The first generated still of the video becomes the style reference for the rest."""
        if visual.kind != "still" or visual.stock_id or visual.provider not in self.providers:
            return
        if not self.providers[visual.provider].supports_references:
            return
        with self._lock:
            if self._anchor is None:
                self._anchor = (visual.path, f"line:{visual.line}")

    # ------------------------------------------------------------------ reporting
    def _tally(
        self,
        plan: VisualPlan,
        job: _Job,
        visual: GeneratedVisual | None,
        drawn_by: str,
        notes: list[str],
    ) -> None:
        line = job.beat.line
        if notes:
            plan.notes[line] = notes
        if any(self._was_tried(n) for n in notes):
            plan.fallbacks += 1
        if visual is None:
            plan.drawn[line] = drawn_by
            plan.providers_used[drawn_by] = plan.providers_used.get(drawn_by, 0) + 1
            return
        plan.visuals[line] = visual
        plan.providers_used[visual.provider] = plan.providers_used.get(visual.provider, 0) + 1
        if visual.cached:
            plan.cache_hits += 1
        else:
            plan.generated += 1
            plan.cost_usd += visual.cost_usd

    @staticmethod
    def _was_tried(note: str) -> bool:
        """A note from a provider that was asked (not one skipped for lack of a key)."""
        quiet = (
            "no key",
            "not configured",
            "there is no visual provider",
            "makes no",
            "nothing could make",
        )
        return not any(s in note for s in quiet)

    def _audit(self, plan: VisualPlan) -> None:
        if self._project_id is None:
            return
        self.store.audit(
            self._project_id,
            "visuals.generated",
            {
                "generated": plan.generated,
                "cache_hits": plan.cache_hits,
                "drawn": len(plan.drawn),
                "providers": plan.providers_used,
                "cost_usd": round(plan.cost_usd, 6),
                "estimate_usd": round(plan.estimate_usd, 6),
                "provider_calls": plan.provider_calls,
                "notes": {str(k): v for k, v in plan.notes.items()},
            },
        )


def _stored_or_offline(writer: PromptWriter) -> Callable[[Brief], Written]:
    """A write function that asks nobody: a writer's stored answer, else the offline writer's."""
    offline = OfflineWriter()
    peek = getattr(writer, "stored", None)

    def write(brief: Brief) -> Written:
        found = peek(brief) if peek is not None else None
        return found if isinstance(found, Written) else offline.write(brief)

    return write


def _path(output: VisualOutput) -> Path:
    if output.path is None:
        raise UnusableMedia("the provider returned no file", provider="", code="no_file")
    return output.path


def _suffix_for(info: MediaInfo) -> str:
    return ".mp4" if info.kind == "clip" else ".png"


def _replace(visual: GeneratedVisual, **changes: Any) -> GeneratedVisual:
    from dataclasses import replace

    return replace(visual, **changes)


def generate_visuals(
    script: Script,
    *,
    store: Store,
    offline: bool = False,
    chain: list[str] | None = None,
    budget_usd: float | None = None,
    progress: Progress | None = None,
    options: VisualOptions | None = None,
) -> VisualPlan:
    """Every visual of ``script`` as a file, or left to the renderer (see :class:`VisualPlan`).

    The entry point for rendering: ``plan.for_line(beat.line)`` gives the file for a
    ``> visual:`` line. ``offline`` uses only procedural backgrounds and the user's media.
    """
    opts = options or VisualOptions()
    opts.offline = opts.offline or offline
    if chain is not None:
        opts.chain = chain
    if budget_usd is not None:
        opts.budget_usd = budget_usd
    generator = VisualGenerator(store, opts)
    try:
        return generator.run(script, progress)
    finally:
        if opts.providers is None:
            for provider in generator.providers.values():
                provider.close()


__all__ = [
    "DEFAULT_BUDGET_USD",
    "Estimate",
    "GeneratedVisual",
    "PlannedLine",
    "VisualGenerator",
    "VisualOptions",
    "VisualPlan",
    "generate_visuals",
    "target_for",
    "video_seed",
    "visual_jobs",
]
