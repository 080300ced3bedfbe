"""One video rendered by many workers: its segments drawn in parallel, joined here.

``render SCRIPT -o OUT --workers redis://...`` voices the script, fetches its visuals,
lays it out and mixes its sound here, as a render in one process does. The laid-out
timeline is written once into a job folder (in the shared folder when there is one,
with every file it names staged there by content hash, so a worker on another machine
finds them), each segment (``render.segments``) is sent as a ``castline.segment`` task,
and the finished segments are copied into the file in order as they arrive. A killed
worker's segment runs again elsewhere (acks late); leaving the wait for any reason
revokes the segments not finished.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from app.engine import files
from app.engine.dist.remote import JobCancelled, finish_job, job_check, register_job
from app.engine.dist.shared import SharedDir
from app.engine.dist.waiting import TaskWatch, reachable
from app.engine.jobs.progress import Cancelled
from app.engine.render.presets import Preset, get_preset, registered_presets
from app.engine.render.segments import Segment, SegmentJob

JOB_FILE = "job.json"
PATH_KEYS = frozenset({"path", "audio_path"})
"""The timeline's fields that name files (pictures, clips, voices, music)."""


class SegmentFailed(Exception):
    """A segment could not be drawn on a worker; the message names it and the worker."""


def _map_paths(data: Any, change: Any) -> Any:
    """``data`` (the timeline as JSON) with every file-naming field passed through ``change``."""
    if isinstance(data, dict):
        return {
            k: change(v) if k in PATH_KEYS and isinstance(v, str) else _map_paths(v, change)
            for k, v in data.items()
        }
    if isinstance(data, list):
        return [_map_paths(v, change) for v in data]
    return data


def write_job(folder: Path, job: SegmentJob, shared: SharedDir | None) -> Path:
    """Write what every worker needs into ``folder``: the timeline, the preset, the options.

    With a shared folder, each file the timeline names travels as a path relative to it
    (staged under ``assets/`` by content hash when it lies outside).
    """
    timeline = job.timeline.model_dump(mode="json")
    watermark = str(job.watermark) if job.watermark is not None else None
    if shared is not None:
        timeline = _map_paths(timeline, lambda p: shared.stage_file(Path(p), "assets"))
        watermark = shared.stage_file(job.watermark, "assets") if job.watermark else None
    data = {
        "timeline": timeline,
        "preset": job.preset.name,
        "size": [job.preset.width, job.preset.height],
        "burn_captions": job.burn_captions,
        "watermark": watermark,
        "jobs": job.jobs,
        "relative": shared is not None,
    }
    return files.write_text(folder / JOB_FILE, json.dumps(data))


def read_job(folder: Path, shared: SharedDir | None) -> dict[str, Any]:
    """The job a coordinator wrote, with its paths made local to this machine."""
    data: dict[str, Any] = json.loads((folder / JOB_FILE).read_text(encoding="utf-8"))
    if data.get("relative"):
        if shared is None:
            raise SegmentFailed(
                "this render's files are in a shared folder, but the worker was started "
                "without --shared-dir"
            )
        data["timeline"] = _map_paths(data["timeline"], lambda p: str(shared.resolve(p)))
        if data.get("watermark"):
            data["watermark"] = str(shared.resolve(data["watermark"]))
    return data


def job_preset(data: dict[str, Any]) -> Preset:
    """The preset the coordinator chose, turned to the same size (a 9:16 render stays so)."""
    from dataclasses import replace

    name = data["preset"]
    if name not in registered_presets():
        raise SegmentFailed(f"this worker has no preset {name!r}; update Castline on it")
    width, height = data["size"]
    return replace(get_preset(name), width=int(width), height=int(height))


class WorkerFarm:
    """Encodes a render's segments on the Celery workers of the Redis at ``broker_url``."""

    def __init__(
        self,
        broker_url: str,
        *,
        shared: SharedDir | None = None,
        reconnect_s: int = 60,
    ) -> None:
        reachable(broker_url).close()
        self.broker_url = broker_url
        self.shared = shared
        self.reconnect_s = reconnect_s
        self.workers: set[str] = set()
        """The workers that drew a segment of the last render."""
        self.segment_s: list[float] = []
        """How long each segment took on its worker, in segment order."""
        self.split_s = 0.0
        """Writing the job (and staging its files) and sending the segments."""

    def _folder(self, job_id: str) -> tuple[Path, str]:
        """The job's folder here, and as the workers are told it."""
        if self.shared is None:  # one machine, or the same mounts everywhere
            folder = Path(tempfile.mkdtemp(prefix=f"castline-render-{job_id}-"))
            return folder, str(folder)
        folder = self.shared.root / "renders" / job_id
        folder.mkdir(parents=True, exist_ok=True)
        return folder, folder.relative_to(self.shared.root).as_posix()

    def encode(self, job: SegmentJob) -> Iterator[tuple[Segment, Path]]:
        """Send every segment, then yield their files in order as they are drawn.

        The render is listed as a remote job (a studio's jobs panel shows it and can
        cancel it); leaving early for any reason revokes the segments not drawn yet.
        """
        from app.engine.dist.celeryapp import configure
        from app.engine.dist.tasks import segment_task

        app = configure(self.broker_url)
        job_id = uuid.uuid4().hex[:12]
        started = time.monotonic()
        folder, sent_folder = self._folder(job_id)
        watch = TaskWatch(app, self.broker_url, [], reconnect_s=self.reconnect_s)
        remote: str | None = None
        state = "failed"
        try:
            write_job(folder, job, self.shared)
            ids = {f"castline-segment-{job_id}-{s.index}": s for s in job.segments}
            title = job.timeline.title or "untitled"
            # Listed before the segments go, so a jobs panel can cancel the render at once.
            remote = register_job(self.broker_url, "render", f"render of {title}", list(ids))
            cancelled_elsewhere = job_check(self.broker_url, remote)
            with watch:
                watch.task_ids = list(ids)  # before they go: a Ctrl+C while sending revokes them
                with app.connection_for_write(self.broker_url) as connection:
                    for task_id, s in ids.items():
                        segment_task.apply_async(
                            args=[sent_folder, s.index, s.start, s.end],
                            task_id=task_id,
                            connection=connection,
                        )
                self.split_s = time.monotonic() - started

                def check() -> None:
                    job.progress.check()
                    cancelled_elsewhere()

                yield from self._gather(watch, job, ids, folder, check)
            state = "done"
        except JobCancelled:
            state = "cancelled"
            raise SegmentFailed(
                "the render was cancelled from a studio's jobs panel; nothing was written"
            ) from None
        except (KeyboardInterrupt, Cancelled, GeneratorExit):
            state = "cancelled"
            raise
        finally:
            watch.close()
            if remote is not None:
                with contextlib.suppress(Exception):  # Redis away: the job expires on its own
                    finish_job(self.broker_url, remote, state)
            shutil.rmtree(folder, ignore_errors=True)

    def _gather(
        self,
        watch: TaskWatch,
        job: SegmentJob,
        ids: dict[str, Segment],
        folder: Path,
        check: Callable[[], None],
    ) -> Iterator[tuple[Segment, Path]]:
        """Each segment's file in order, as soon as it and every one before it are done."""
        running: dict[str, int] = {}
        finished_frames = 0
        ready: dict[int, Path] = {}
        seconds: dict[int, float] = {}
        next_index = 0

        def moved(task_id: str, meta: dict[str, Any]) -> None:
            running[task_id] = int(meta.get("done", 0))
            job.progress.update(
                finished_frames + sum(running.values()),
                message=f"rendering on {len(running)} workers",
            )

        for done in watch.results(on_progress=moved, check=check):
            segment = ids[done.task_id]
            if done.error is not None:
                raise SegmentFailed(f"segment {segment.index + 1} failed: {done.error}")
            result = done.result
            self.workers.add(str(result.get("worker", "")))
            seconds[segment.index] = float(result.get("wall_s", 0.0))
            running.pop(done.task_id, None)
            finished_frames += segment.frames
            ready[segment.index] = folder / segment.name(job.preset.suffix)
            job.progress.update(finished_frames, message="rendering on workers")
            while next_index in ready:
                yield job.segments[next_index], ready.pop(next_index)
                next_index += 1
        self.segment_s = [seconds[i] for i in sorted(seconds)]
