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
* provenance on every asset: provider, model, prompt as written and as sent, seed, cost;
* versions: every result is kept as a version of its line (with a stock search's other
  results as candidates), the run's result becomes the line's chosen version, a locked
  line keeps its chosen version and is never asked for again, and :meth:`regenerate`
  makes a new version of one line past the cache.
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
from app.engine.llm.writer import Brief, OfflineWriter, PromptWriter, Written
from app.engine.model.script import Scene, Script, VisualBeat
from app.engine.store.projects import DEFAULT_BUDGET_USD
from app.engine.visuals.budget import Budget, BudgetRefused
from app.engine.visuals.calls import ProviderCalls
from app.engine.visuals.plan import (
    Estimate,
    GeneratedVisual,
    PlannedLine,
    VisualOptions,
    VisualPlan,
    target_for,
    video_seed,
    visual_jobs,
    visual_slots,
)
from app.engine.visuals.probe import MediaInfo, probe
from app.engine.visuals.providers import (
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

if TYPE_CHECKING:
    from app.engine.store import LineVersion, Store

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
    backdrop: bool = False
    """A scene's opening backdrop (no visual line of its own): stock or procedural only."""
    slot: str = ""
    """The line's name for its versions (its prompt as written and which repeat of it it is)."""
    locked: LineVersion | None = None
    """The line's locked version: used as it is, nothing is asked or spent."""


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
        self.calls = ProviderCalls(self.options.settings, self.options.retry)
        self.money = Budget(DEFAULT_BUDGET_USD)
        self._used: set[str] = set()
        self._anchor: tuple[Path, str] | None = None
        self._project_id: str | None = None
        self._only: int | None = None
        """Regenerating: the one line to make, past the cache."""
        self._earlier: dict[str, list[LineVersion]] = {}
        """Regenerating: the line's versions so far (a new seed, stock not shown before)."""

    def close(self) -> None:
        """Close what this generator built: its providers (unless given) and its writer's client."""
        if self.options.providers is None:
            for provider in self.providers.values():
                provider.close()
        self._close_writer()

    def __enter__(self) -> VisualGenerator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ public API
    def run(self, script: Script, progress: Progress | None = None) -> VisualPlan:
        """Generate or fetch every visual of ``script`` (cached ones cost nothing)."""
        progress = progress or Progress()
        jobs = self._prepare(script, progress)
        estimate = self._allocate(script, jobs)
        plan = VisualPlan(
            estimate_usd=estimate.total_usd,
            budget_usd=self.money.budget_usd,
            spent_before_usd=self.money.spent_usd,
            project_id=self._project_id,
            writer=self.writer.name,
        )
        for job in jobs:
            if job.locked is not None:
                plan.prompts[job.beat.line] = str(job.locked.meta.get("prompt_sent") or "")
                plan.terms[job.beat.line] = ()
                continue
            if job.written is not None and job.written.notes:
                plan.notes.setdefault(job.beat.line, []).extend(job.written.notes)
            plan.terms[job.beat.line] = job.written.terms if job.written else ()
            plan.prompts[job.beat.line] = (
                job.written.prompt if job.written else job.beat.styled_prompt
            )
        for job in [j for j in jobs if j.locked is not None]:
            assert job.locked is not None
            locked = GeneratedVisual.from_version(job.locked, job.beat.line, job.beat.prompt)
            if locked.stock_id:
                self._used.add(locked.stock_id)
            plan.record(job.beat.line, locked, locked.provider, [])
        jobs = [j for j in jobs if j.locked is None]
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
        plan.provider_calls = self.calls.count
        if self._project_id is not None and self._only is None:
            self.store.set_asset_uses(
                self._project_id, "visual", [v.sha256 for v in plan.visuals.values() if v.sha256]
            )
        self._audit(plan)
        return plan

    def regenerate(self, script: Script, line: int, progress: Progress | None = None) -> VisualPlan:
        """A new version of the visual at ``line``, past the cache, charged to the budget.

        Generators get a seed no earlier version of the line had; stock skips the items
        the line has shown before. The new version becomes the line's chosen one (and the
        cache's, so later runs use it). A locked line is refused: unlock it first.
        """
        slots = visual_slots(script)
        if line not in slots:
            raise ValueError(f"line {line} of the script is not a `> visual:` line")
        self._only = line
        try:
            return self.run(script, progress)
        finally:
            self._only = None
            self._earlier = {}

    def estimate(self, script: Script) -> Estimate:
        """What :meth:`run` would spend now, per line and provider; nothing is requested."""
        jobs = self._prepare(script, Progress(), ask=False)
        return self._allocate(script, jobs)

    # ------------------------------------------------------------------ set-up
    def _begin(self, script: Script) -> None:
        project, budget = self.store.project_budget(
            project_id=self.options.project_id,
            script_path=script.path,
            title=script.title,
            script_budget=script.settings.budget_usd,
            override=self.options.budget_usd,
        )
        self._project_id = project.id if project else None
        self.money = Budget(
            budget, self.store.project_spend(self._project_id) if self._project_id else 0.0
        )
        self.calls.reset()
        self._used.clear()
        self._anchor = None

    def chain_for(self, script: Script, beat: VisualBeat, *, backdrop: bool = False) -> list[str]:
        """The providers a line tries, in order; always ending with the procedural background.

        A scene's backdrop (``backdrop``) tries only stock libraries: nothing is generated,
        or paid for, that the writer did not ask for.
        """
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
        if backdrop:
            chain = [
                n
                for n in chain
                if n == LAST_RESORT or ((p := self.providers.get(n)) is not None and p.stock)
            ]
        return chain

    def _prepare(self, script: Script, progress: Progress, *, ask: bool = True) -> list[_Job]:
        """The jobs of ``script`` with their prompts and terms written.

        ``ask=False`` (an estimate) asks no language model: stored answers are used, and
        the offline writer stands in for the rest, so estimating spends nothing.
        """
        self._begin(script)
        jobs = [
            _Job(
                job.beat,
                job.scene,
                job.narration,
                job.duration_ms,
                self.chain_for(script, job.beat, backdrop=job.backdrop),
                backdrop=job.backdrop,
            )
            for job in visual_jobs(script)
        ]
        seen: dict[tuple[str, str], int] = {}
        slots = visual_slots(script)
        for job in jobs:
            pair = (job.beat.prompt, job.narration)
            seen[pair] = seen.get(pair, 0) + 1
            job.identity = cache_key(
                "visual-line", prompt=job.beat.prompt, narration=job.narration, repeat=seen[pair]
            )
            job.slot = slots[job.beat.line]
        jobs = self._apply_versions(jobs)
        briefs_for = [j for j in jobs if j.locked is None]
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
            for job in briefs_for
        ]
        if not briefs:
            return jobs
        writer = self._writer()
        with ThreadPoolExecutor(
            max_workers=min(4, len(briefs)), thread_name_prefix="castline-writer"
        ) as pool:
            write = writer.write if ask else _stored_or_offline(writer)
            for job, written in zip(briefs_for, pool.map(write, briefs), strict=True):
                progress.check()
                job.written = written
        return jobs

    def _apply_versions(self, jobs: list[_Job]) -> list[_Job]:
        """Locked lines keep their version; regenerating keeps only its line, knowing its past."""
        if self._project_id is None:
            if self._only is not None:
                raise ValueError("regenerating a visual needs the script's project in the store")
            return jobs
        picks = self.store.chosen_versions(self._project_id, "visual")
        for job in jobs:
            pick = picks.get(job.slot)
            if pick is not None and pick.locked and pick.path.is_file():
                job.locked = pick
        if self._only is None:
            return jobs
        only = [j for j in jobs if j.beat.line == self._only]
        if only and only[0].locked is not None:
            raise ValueError(
                f"the visual at line {self._only} is locked; unlock it to make a new version"
            )
        self._earlier = {
            j.slot: self.store.line_versions(self._project_id, kind="visual", slot=j.slot)
            for j in only
        }
        return only

    def _writer(self) -> PromptWriter:
        """The options' writer; else the language model's when configured (not offline); else offline."""
        self._close_writer()
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

    def _close_writer(self) -> None:
        """Close the writer this generator built (a language model's client), not a given one."""
        if self.writer is not self.options.writer:
            self.writer.close()

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
            candidates=max(0, self.options.candidates),
        )

    def _fresh(self, job: _Job, request: VisualRequest) -> VisualRequest:
        """Regenerating: a seed no earlier version had, and no stock item the line showed."""
        from dataclasses import replace

        earlier = self._earlier.get(job.slot, [])
        seeds = {v.meta.get("seed") for v in earlier}
        seed = request.seed or 0
        while seed in seeds:
            seed = (seed + 1) & 0x7FFFFFFF
        # Items the line has shown (not those only offered as candidates: the next best
        # of them is what a new take of a stock line should be).
        shown = {
            str(v.meta["stock_id"]) for v in earlier if v.meta.get("stock_id") and not v.candidate
        }
        return replace(request, seed=seed, exclude=request.exclude | shown)

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
        estimate = Estimate(budget_usd=self.money.budget_usd, spent_usd=self.money.spent_usd)
        planned_total = 0.0
        target = target_for(script)
        for job in jobs:
            if job.locked is not None:
                kind = job.locked.meta.get("kind", "still")
                estimate.lines.append(
                    PlannedLine(job.beat.line, job.locked.provider, kind, 0.0, True)
                )
                continue
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
                cached = key is not None and self.store.visual_cache_get(key) is not None
                if cached and self._only is None:
                    estimate.lines.append(
                        PlannedLine(job.beat.line, name, kind, 0.0, True, tuple(skipped))
                    )
                    break
                cost = provider.estimate_cost(request)
                if not self.money.fits(planned_total, cost):
                    reason = (
                        f"{name}: refused before any request: ${cost:.2f} would pass the budget "
                        f"(${self.money.spent_usd + planned_total:.2f} of ${self.money.budget_usd:.2f} spent or planned); raise it with "
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

    def _charge(self, provider: str, usd: float, *, units: float, line: int, what: str) -> None:
        if usd > 0:
            self.store.record_cost(
                provider,
                units,
                usd,
                project_id=self._project_id,
                description=f"visual line {line}: {what}",
            )

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
            dead = self.calls.dead(name)
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
        if key is not None and self._only is None:
            hit = self._from_cache(key, job, request)
            if hit is not None:
                return hit
        if self._only is not None:
            request = self._fresh(job, request)
        try:
            reserved = self.money.reserve(provider.estimate_cost(request), name)
        except BudgetRefused as exc:
            notes.append(str(exc))
            return None
        try:
            output = self.calls.call(provider, request, progress)
        except SafetyRefused as exc:
            # The refused task costs nothing; only work paid for before it (a clip's still) is recorded.
            self.money.settle(reserved, exc.cost_usd)
            self._charge(
                name, exc.cost_usd, units=0.0, line=line, what=f"{name} (before a safety refusal)"
            )
            notes.append(f"{name}: {exc}")
            log.warning("visual line %d: %s refused the prompt for safety: %s", line, name, exc)
            return None
        except (PermanentProviderError, TransientProviderError) as exc:
            self.money.settle(reserved, exc.cost_usd)
            self._charge(
                name,
                exc.cost_usd,
                units=0.0,
                line=line,
                what=f"{name} (no visual came back: {exc.code or 'failed'})",
            )
            if isinstance(exc, PermanentProviderError) and exc.scope == "provider":
                self.calls.kill(name, str(exc))
            prefix = "gave up after retries: " if isinstance(exc, TransientProviderError) else ""
            notes.append(f"{name}: {prefix}{exc}")
            log.warning("visual line %d: %s failed: %s", line, name, exc)
            return None
        if output.live:
            self.money.settle(reserved, output.cost_usd)
            return name
        try:
            info = probe(
                output.data if output.data is not None else _path(output),
                output.kind,
                provider=name,
            )
        except UnusableMedia as exc:
            self.money.settle(reserved, output.cost_usd)
            self._charge(
                name,
                output.cost_usd,
                units=output.billed_units,
                line=line,
                what=f"{name} (unusable file: {output.model})",
            )
            notes.append(f"{name}: {exc}")
            return None
        self.money.settle(reserved, output.cost_usd)
        return self._keep(job, provider, request, key, output, info, notes)

    def _from_cache(self, key: str, job: _Job, request: VisualRequest) -> GeneratedVisual | None:
        entry = self.store.visual_cache_get(key)
        if entry is None:
            return None
        stock_id = entry.meta.get("stock_id")
        if stock_id:
            with self._lock:
                if stock_id in self._used:
                    return None  # taken by an earlier scene of this video: pick another
                self._used.add(stock_id)
        visual = GeneratedVisual.from_cache(entry, job.beat.line, job.beat.prompt)
        self._version(
            job, visual, key, entry.meta, float(entry.meta.get("cost_usd") or 0.0), candidate=False
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
        visual = GeneratedVisual.made(
            line, job.beat.prompt, provider.name, request, output, info, notes
        )
        if output.data is not None:
            visual, meta = self._store(visual, output, output.data, info)
            if key is not None:
                self.store.visual_cache_put(
                    key, str(visual.sha256), provider=provider.name, meta=meta
                )
            self._version(job, visual, key, meta, output.cost_usd, candidate=False)
            for alternative in output.alternatives:
                self._keep_candidate(job, provider, request, key, alternative)
        what = f"{provider.name} {info.kind} ({output.model})" + (
            f" request {output.request_id}" if output.request_id else ""
        )
        self._charge(
            provider.name, output.cost_usd, units=output.billed_units, line=line, what=what
        )
        self._maybe_anchor(visual, request)
        return visual

    def _keep_candidate(
        self,
        job: _Job,
        provider: VisualProvider,
        request: VisualRequest,
        key: str | None,
        output: VisualOutput,
    ) -> None:
        """Another result of the same search, kept as a version the user may pick instead."""
        if output.data is None:
            return
        try:
            info = probe(output.data, output.kind, provider=provider.name)
        except UnusableMedia as exc:
            log.info("visual line %d: a candidate was left out: %s", job.beat.line, exc)
            return
        visual = GeneratedVisual.made(
            job.beat.line, job.beat.prompt, provider.name, request, output, info, []
        )
        visual, meta = self._store(visual, output, output.data, info)
        self._version(job, visual, key, meta, output.cost_usd, candidate=True)

    def _store(
        self, visual: GeneratedVisual, output: VisualOutput, data: bytes, info: MediaInfo
    ) -> tuple[GeneratedVisual, dict[str, Any]]:
        """Keep a made picture as an asset with its provenance: the visual now pointing at
        it, and the meta a cache entry or version stores (the prompt is kept elsewhere)."""
        provenance = visual.provenance()
        if output.reference:
            provenance["reference_sha256"] = output.reference
        asset = self.store.add_asset(
            data,
            "video" if info.kind == "clip" else "image",
            suffix=output.suffix or _suffix_for(info),
            provenance=provenance,
            duration_ms=info.duration_ms,
            width=info.width,
            height=info.height,
        )
        meta = {k: v for k, v in provenance.items() if k != "prompt"}
        meta.update(width=info.width, height=info.height, duration_ms=info.duration_ms)
        return _replace(visual, path=asset.path, sha256=asset.sha256), meta

    def _version(
        self,
        job: _Job,
        visual: GeneratedVisual,
        key: str | None,
        cache_meta: dict[str, Any],
        cost_usd: float,
        *,
        candidate: bool,
    ) -> None:
        """Keep the result as a version of its line; the run's result becomes the chosen one."""
        if self._project_id is None or visual.sha256 is None or not job.slot:
            return
        meta = {**cache_meta, "prompt": job.beat.prompt, "cache_key": key}
        self.store.add_version(
            self._project_id,
            "visual",
            job.slot,
            visual.sha256,
            line=job.beat.line,
            provider=visual.provider,
            cost_usd=cost_usd,
            meta=meta,
            candidate=candidate,
            choose=not candidate,
        )

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
        plan.record(job.beat.line, visual, drawn_by, notes)

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
    with VisualGenerator(store, opts) as generator:
        return generator.run(script, progress)


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
