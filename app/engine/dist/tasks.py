"""Castline's engine as Celery tasks: voice a script, make its visuals, render it, publish.

Each task is a thin wrapper around the function the command line and the studio call
in process. Paths arrive as the batch sent them: relative ones lie in the worker's
shared folder (``CASTLINE_SHARED_DIR``). A running render reports its progress as a
``PROGRESS`` state with ``done`` and ``total`` (thousandths), its phase and the worker.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

from celery import Task

from app.engine.dist.batch import BatchOptions, publish_output, render_one, voice_providers
from app.engine.dist.celeryapp import celery_app
from app.engine.dist.progress import SCALE, ScriptProgress
from app.engine.dist.shared import SharedDir
from app.engine.jobs.progress import Progress, ProgressState

PROGRESS_EVERY_S = 0.5
"""At most two progress states a second per task: Redis is shared by every worker."""


def local_path(sent: str) -> Path:
    """A path as the batch sent it, on this worker."""
    shared = SharedDir.from_env()
    if shared is not None and not Path(sent).is_absolute():
        return shared.resolve(sent)
    return Path(sent)


class _Reporter:
    """Stores a task's progress in the result backend, throttled, as ``PROGRESS`` meta."""

    def __init__(self, task: Task) -> None:  # type: ignore[type-arg]
        self._task = task
        self._last = 0.0
        self._lock = threading.Lock()

    def __call__(self, state: ProgressState) -> None:
        now = time.monotonic()
        with self._lock:
            if now - self._last < PROGRESS_EVERY_S and state.done < state.total:
                return
            self._last = now
        self._task.update_state(
            state="PROGRESS",
            meta={
                "done": state.done,
                "total": state.total,
                "message": state.message,
                "worker": self._task.request.hostname or "",
            },
        )


def _progress(task: Task) -> Progress:  # type: ignore[type-arg]
    progress = Progress()
    progress.subscribe(_Reporter(task))
    return progress


@celery_app.task(name="castline.render", bind=True)
def render_task(self: Task, script: str, output: str, options: dict[str, Any]) -> dict[str, Any]:  # type: ignore[type-arg]
    """Render one script to ``output``; a failed script is a result with ``error``, not a crash."""
    combined = Progress(total=SCALE)
    combined.subscribe(_Reporter(self))
    local = local_path(script)
    outcome = render_one(
        local,
        local_path(output),
        BatchOptions.from_dict(options),
        ScriptProgress(combined),
        worker=self.request.hostname or "",
    )
    if outcome.error:  # name the script as the batch did: this mount means nothing there
        outcome.error = outcome.error.replace(str(local), script)
    return outcome.to_dict()


@celery_app.task(name="castline.voice", bind=True)
def voice_task(self: Task, script: str, options: dict[str, Any]) -> dict[str, Any]:  # type: ignore[type-arg]
    """Voice every speech line of a script (into this worker's cache); counts and cost."""
    from app.engine.render.project import load_script_checked
    from app.engine.store import Store
    from app.engine.voice.service import SynthesisService

    parsed = load_script_checked(local_path(script))
    offline = BatchOptions.from_dict(options).offline
    with (
        Store.open() as store,
        SynthesisService(store, providers=voice_providers(offline)) as voices,
    ):
        result = voices.synthesize_script(parsed, _progress(self))
    return {
        "lines": len(result.lines),
        "synthesized": result.synthesized,
        "cache_hits": result.cache_hits,
        "cost_usd": result.cost_usd,
        "failed": {str(k): v for k, v in result.failed.items()},
    }


@celery_app.task(name="castline.visuals", bind=True)
def visuals_task(self: Task, script: str, options: dict[str, Any]) -> dict[str, Any]:  # type: ignore[type-arg]
    """Fetch or generate a script's visuals (into this worker's cache); counts and cost."""
    from app.engine.render.project import load_script_checked
    from app.engine.store import Store
    from app.engine.visuals.generate import generate_visuals

    parsed = load_script_checked(local_path(script))
    with Store.open() as store:
        plan = generate_visuals(
            parsed,
            store=store,
            offline=BatchOptions.from_dict(options).offline,
            progress=_progress(self),
        )
    return {"generated": plan.generated, "cache_hits": plan.cache_hits, "cost_usd": plan.cost_usd}


@celery_app.task(name="castline.publish")
def publish_task(video: str) -> dict[str, Any]:
    """Upload a rendered video with the metadata in the file; its address."""
    return {"url": publish_output(local_path(video))}


class _JobCache:
    """The last render job this worker process drew, so its next segment skips the set-up."""

    folder: str = ""
    compositor: Any = None
    preset: Any = None
    jobs: int = 1

    @classmethod
    def get(cls, folder: str) -> tuple[Any, Any, int]:
        from app.engine.dist.segmented import job_preset, read_job
        from app.engine.render.segments import segment_compositor
        from app.engine.timeline import Timeline

        if folder != cls.folder:
            if cls.compositor is not None:
                cls.compositor.close()
                cls.compositor = None
            data = read_job(local_path(folder), SharedDir.from_env())
            preset = job_preset(data)
            timeline = Timeline.model_validate(data["timeline"])
            watermark = Path(data["watermark"]) if data.get("watermark") else None
            cls.compositor = segment_compositor(
                timeline, preset, burn_captions=bool(data["burn_captions"]), watermark=watermark
            )
            cls.folder, cls.preset, cls.jobs = folder, preset, int(data.get("jobs", 1))
        return cls.compositor, cls.preset, cls.jobs


@celery_app.task(name="castline.segment", bind=True)
def segment_task(self: Task, folder: str, index: int, start: int, end: int) -> dict[str, Any]:  # type: ignore[type-arg]
    """Draw and encode one segment of a render into its job folder (renamed when whole)."""
    from app.engine import files
    from app.engine.render.segments import Segment, encode_segment

    started = time.monotonic()
    comp, preset, jobs = _JobCache.get(folder)
    segment = Segment(index, start, end)
    progress = _progress(self)
    progress.set_total(segment.frames)
    final = local_path(folder) / segment.name(preset.suffix)

    def frame_done(n: int) -> None:
        if (n - start) % 15 == 0:
            progress.update(n - start, message="rendering")

    with files.replacing(final, preset.suffix) as tmp:
        encode_segment(
            comp, preset, segment, tmp, fps=comp.timeline.fps, jobs=jobs, on_frame=frame_done
        )
    return {
        "worker": self.request.hostname or "",
        "frames": segment.frames,
        "wall_s": time.monotonic() - started,
    }
