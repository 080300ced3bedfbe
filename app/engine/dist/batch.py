"""Many scripts rendered in one go: in this process, or as Celery tasks on workers.

Each script is rendered by the same ``render_script`` the ``render`` command uses; one
failing script is recorded and the others go on. Money is checked once for the whole
batch before anything is spent (:func:`check_budget`). On workers, progress and results
come back through Redis; a lost connection is retried for a while, and otherwise ends
the batch with a one-line :class:`WorkersUnavailable`.
"""

from __future__ import annotations

import contextlib
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.engine.dist.progress import SCALE, ScriptProgress
from app.engine.dist.remote import JobCancelled, finish_job, job_check, register_job
from app.engine.dist.shared import SharedDir, copy_atomic
from app.engine.dist.waiting import TaskWatch, reachable, where
from app.engine.dist.waiting import WorkersUnavailable as WorkersUnavailable  # raised by the batch
from app.engine.jobs.progress import Progress, ProgressState
from app.engine.render.presets import DEFAULT_PRESET

if TYPE_CHECKING:
    from app.engine.store import Store
    from app.engine.voice.base import VoiceProvider

EPSILON = 1e-9


class BatchRefused(Exception):
    """The batch would spend more than its budget allows; nothing was sent or spent."""


@dataclass
class BatchOptions:
    """How every script of a batch is rendered; travels to workers as JSON."""

    preset: str = DEFAULT_PRESET
    offline: bool = False
    jobs: int = 2
    publish: bool = False

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> BatchOptions:
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})


@dataclass
class BatchItem:
    """One script and the video it becomes."""

    script: Path
    output: Path


@dataclass
class Outcome:
    """What became of one script: its video, or why there is none."""

    script: str
    output: str
    duration_ms: int = 0
    cost_usd: float = 0.0
    elapsed_ms: int = 0
    error: str | None = None
    worker: str = ""
    files: list[str] = field(default_factory=list)
    """The video's and its sidecars' names, all beside the video."""
    url: str = ""
    """Where it was published, with ``publish``."""
    cancelled: bool = False
    """Not finished because the batch was cancelled (``error`` says so too)."""

    @property
    def ok(self) -> bool:
        return self.error is None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Outcome:
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def plan_items(scripts: Sequence[Path], outdir: Path) -> list[BatchItem]:
    """Each script's video in ``outdir``, named after the script (``-2``... when names repeat)."""
    items: list[BatchItem] = []
    taken: set[str] = set()
    for script in scripts:
        name, n = script.stem, 1
        while name in taken:
            n += 1
            name = f"{script.stem}-{n}"
        taken.add(name)
        items.append(BatchItem(script, outdir / f"{name}.mp4"))
    return items


def publish_output(video: Path) -> str:
    """Upload a rendered video with the metadata ``render`` wrote into it; its address."""
    from app.engine.publish import load_settings, metadata_from_video, publish_video

    settings = load_settings()
    metadata = metadata_from_video(video, category_id=settings.category_id)
    return publish_video(video, metadata, settings).url


def _user_errors() -> tuple[type[BaseException], ...]:
    """The failures that are the script's or the setup's, reported as one message each."""
    from app.engine.pictures import VisualError
    from app.engine.publish import PublishError, SettingsError
    from app.engine.render.encoder import EncodeError
    from app.engine.render.mix import MixError
    from app.engine.render.pipeline import RenderError
    from app.engine.voice.base import VoiceError

    return (RenderError, VisualError, MixError, EncodeError, VoiceError, PublishError,
            SettingsError, OSError)  # fmt: skip


def render_one(
    script: Path,
    output: Path,
    options: BatchOptions,
    progress: ScriptProgress,
    *,
    store: Store | None = None,
    worker: str = "",
) -> Outcome:
    """Render (and with ``publish`` upload) one script; a failure is recorded, not raised."""
    from app.engine.render.project import render_script

    started = time.monotonic()
    outcome = Outcome(script=str(script), output=str(output), worker=worker)
    try:
        done = render_script(
            script,
            output,
            preset=options.preset,
            offline=options.offline,
            store=store,
            jobs=options.jobs,
            voice_progress=progress.phases["voices"],
            visual_progress=progress.phases["visuals"],
            progress=progress.phases["render"],
        )
        outcome.duration_ms = done.render.duration_ms
        outcome.cost_usd = done.cost_usd + (done.visuals.cost_usd if done.visuals else 0.0)
        outcome.files = [output.name, *(p.name for p in done.render.sidecars.values())]
        if options.publish:
            outcome.url = publish_output(output)
    except _user_errors() as exc:
        outcome.error = str(exc) or type(exc).__name__
    outcome.elapsed_ms = round((time.monotonic() - started) * 1000)
    return outcome


# ---------------------------------------------------------------------------- money
def voice_providers(offline: bool) -> dict[str, VoiceProvider] | None:
    """Only the local voice when ``offline``; None for every configured provider."""
    from app.engine.voice.registry import build_providers

    return {"local": build_providers()["local"]} if offline else None


@dataclass
class ScriptEstimate:
    script: Path
    usd: float
    remaining_usd: float
    """What the script's project may still spend (its budget less its spend so far)."""


def estimate_script(script_path: Path, store: Store, *, offline: bool) -> ScriptEstimate | None:
    """What rendering one script would cost now (voices and visuals); None if it does not parse."""
    from app.engine.render.pipeline import RenderError
    from app.engine.render.project import load_script_checked
    from app.engine.visuals.generate import VisualGenerator, VisualOptions
    from app.engine.voice.service import SynthesisService

    try:
        script = load_script_checked(script_path)
    except RenderError:
        return None  # it fails on its own when rendered, and costs nothing
    with SynthesisService(store, providers=voice_providers(offline)) as voices:
        voice_usd = voices.estimate_usd(script)
    with VisualGenerator(store, VisualOptions(offline=offline)) as generator:
        visuals = generator.estimate(script)
    project, budget = store.project_budget(
        project_id=None,
        script_path=script.path,
        title=script.title,
        script_budget=script.settings.budget_usd,
    )
    spent = store.project_spend(project.id) if project else 0.0
    return ScriptEstimate(script_path, voice_usd + visuals.total_usd, budget - spent)


def check_budget(scripts: Sequence[Path], store: Store, *, offline: bool) -> list[ScriptEstimate]:
    """Refuse the batch (:class:`BatchRefused`) unless its total fits the tightest budget.

    The rule: the sum of every script's estimate must fit what the most constrained
    project among them may still spend. A batch is one decision to spend, and no project
    in it agreed to more than its own budget; the rule also implies each script fits its own.
    """
    estimates = [e for s in scripts if (e := estimate_script(s, store, offline=offline))]
    total = sum(e.usd for e in estimates)
    if not estimates or total <= EPSILON:
        return estimates
    tightest = min(estimates, key=lambda e: e.remaining_usd)
    if total > tightest.remaining_usd + EPSILON:
        costly = ", ".join(f"{e.script.name} ${e.usd:.2f}" for e in estimates if e.usd > 0)
        raise BatchRefused(
            f"the batch would cost about ${total:.2f} ({costly}), more than the "
            f"${max(0.0, tightest.remaining_usd):.2f} left in the budget of {tightest.script.name}, "
            "the tightest of the batch; nothing was spent: raise `budget:` in its front "
            "matter, or render fewer scripts at once"
        )
    return estimates


# ---------------------------------------------------------------------------- progress
class BatchProgress:
    """A progress per script (out of :data:`SCALE`) and the batch's overall progress."""

    def __init__(self, count: int) -> None:
        self.overall = Progress(total=count * SCALE, message="batch")
        self.items = [Progress(total=SCALE) for _ in range(count)]
        self._done = [0] * count
        for i, item in enumerate(self.items):
            item.subscribe(self._listener(i))

    def _listener(self, index: int) -> Callable[[ProgressState], None]:
        return lambda state: self._changed(index, state.done)

    def _changed(self, index: int, done: int) -> None:
        self._done[index] = min(done, SCALE)
        finished = sum(1 for d in self._done if d >= SCALE)
        self.overall.update(
            sum(self._done), message=f"{finished} of {len(self._done)} scripts finished"
        )

    def finish(self, index: int, message: str) -> None:
        self.items[index].update(SCALE, message=message)


def run_in_process(
    items: Sequence[BatchItem],
    options: BatchOptions,
    progress: BatchProgress,
    store: Store | None = None,
) -> list[Outcome]:
    """Render each script in turn in this process (the studio's and the default way)."""
    outcomes = []
    for i, item in enumerate(items):
        outcome = render_one(
            item.script, item.output, options, ScriptProgress(progress.items[i]), store=store
        )
        progress.finish(i, "done" if outcome.ok else "failed")
        outcomes.append(outcome)
    return outcomes


# ---------------------------------------------------------------------------- workers
def run_on_workers(
    items: Sequence[BatchItem],
    options: BatchOptions,
    progress: BatchProgress,
    broker_url: str,
    *,
    shared: SharedDir | None = None,
    reconnect_s: int = 60,
) -> list[Outcome]:
    """Send each script to the workers as a render task and wait for every result.

    Without ``shared`` the paths are sent as they are (one machine, or the same mounts
    everywhere); with it, inputs and outputs go through the shared folder and finished
    files are copied back to their final names. Stopping the wait (Ctrl+C) revokes the
    scripts not finished yet.
    """
    from app.engine.dist.celeryapp import configure

    reachable(broker_url).close()
    app = configure(broker_url)
    batch_id = uuid.uuid4().hex[:12]
    sent: dict[str, tuple[int, str, str]] = {}  # task id: item, script and output as sent
    outcomes: dict[int, Outcome] = {}

    def lost(away: float, exc: Exception) -> str:
        finished = sum(1 for o in outcomes.values() if o.ok)
        return (
            f"lost Redis at {where(broker_url)} for over {reconnect_s} s ({exc}); "
            f"{finished} of {len(items)} videos were finished; run the batch again for the rest"
        )

    def moved(task_id: str, meta: dict[str, Any]) -> None:
        progress.items[sent[task_id][0]].update(
            int(meta.get("done", 0)), message=str(meta.get("message", ""))
        )

    # The watch is entered before the first task goes, so a Ctrl+C while sending
    # revokes what was already sent.
    watch = TaskWatch(app, broker_url, [], reconnect_s=reconnect_s)
    job_id: str | None = None
    state = "failed"
    try:
        with watch:
            try:
                _send(app, items, options, progress, broker_url, shared, batch_id, sent, outcomes)
            finally:
                watch.task_ids = list(sent)
            job_id = register_job(
                broker_url,
                "batch",
                f"batch of {len(items)} script{'' if len(items) == 1 else 's'}",
                list(sent),
            )
            check = job_check(broker_url, job_id)
            for done in watch.results(on_progress=moved, lost=lost, check=check):
                i, script, output = sent[done.task_id]
                item = items[i]
                outcome = (
                    Outcome.from_dict(done.result)
                    if done.status == "SUCCESS" and isinstance(done.result, dict)
                    else Outcome(str(item.script), str(item.output), error=done.error)
                )
                outcomes[i] = _bring_back(outcome, item, script, output, shared)
                progress.finish(i, "done" if outcome.ok else "failed")
        state = "done" if all(o.ok for o in outcomes.values()) else "failed"
    except JobCancelled:  # the watch revoked what was left; say so in each unfinished row
        state = "cancelled"
        for i, item in enumerate(items):
            if i not in outcomes:
                outcomes[i] = Outcome(
                    str(item.script), str(item.output), error="cancelled", cancelled=True
                )
                progress.finish(i, "cancelled")
    except KeyboardInterrupt:
        state = "cancelled"
        raise
    finally:
        watch.close()
        if job_id is not None:
            with contextlib.suppress(Exception):  # Redis away: the job expires on its own
                finish_job(broker_url, job_id, state)
    return [outcomes[i] for i in range(len(items))]


def _send(
    app: Any,
    items: Sequence[BatchItem],
    options: BatchOptions,
    progress: BatchProgress,
    broker_url: str,
    shared: SharedDir | None,
    batch_id: str,
    sent: dict[str, tuple[int, str, str]],
    outcomes: dict[int, Outcome],
) -> None:
    """Send each script as a render task (into ``sent``); one that cannot travel fails alone."""
    from app.engine.dist.tasks import render_task

    # A connection of its own: the app's pool would keep the broker of an earlier batch.
    with app.connection_for_write(broker_url) as connection:
        for i, item in enumerate(items):
            try:
                if shared is not None and not item.script.is_file():
                    raise OSError(f"{item.script}: no such script file")
                script = shared.stage_input(item.script) if shared else str(item.script.resolve())
            except OSError as exc:  # this script cannot travel; the others still go
                outcomes[i] = Outcome(str(item.script), str(item.output), error=str(exc))
                progress.finish(i, "failed")
                continue
            output = (
                shared.output_for(batch_id, item.output) if shared else str(item.output.resolve())
            )
            task_id = f"castline-{batch_id}-{i}"
            sent[task_id] = (i, script, output)  # before it goes: a Ctrl+C then revokes it too
            render_task.apply_async(
                args=[script, output, asdict(options)], task_id=task_id, connection=connection
            )


def _bring_back(
    outcome: Outcome, item: BatchItem, script: str, output: str, shared: SharedDir | None
) -> Outcome:
    """Copy a finished video and its sidecars from the shared folder to their final names."""
    outcome.script, outcome.output = str(item.script), str(item.output)
    if outcome.error:
        outcome.error = outcome.error.replace(script, str(item.script))
    if shared is None or not outcome.ok:
        return outcome
    produced = shared.resolve(output)
    if produced == item.output.resolve():
        return outcome
    try:
        for name in outcome.files:  # the video last, so its name appears only when all is there
            if name != produced.name:
                copy_atomic(produced.parent / name, item.output.parent / name)
        copy_atomic(produced, item.output)
    except OSError as exc:
        outcome.error = f"cannot copy {produced} to {item.output}: {exc.strerror or exc}"
    return outcome
