"""Rendering a timeline to a finished file, plus its captions, chapters and thumbnail.

The export works on a snapshot of the timeline (architecture rule 5), pulls frames from
the compositor in order and streams them to the encoder thread through a bounded queue,
so memory stays flat whatever the length.

Publishing is one step: the video and its sidecars are written under temporary names in
the output's folder and renamed together, video last, only when all are complete. A
failure, a Ctrl+C or a SIGTERM leaves the previous files as they were and no temporary
ones; a lock file beside the output refuses a second render to the same file, and the
temporary files a killed render left are removed by the next one.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import re
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from app.engine import files
from app.engine.jobs.progress import Progress
from app.engine.model.time import frames_to_samples, ms_to_frames
from app.engine.motion.thumbnail import content_score, fitted_image
from app.engine.pictures import VisualError, load_image
from app.engine.render.compositor import Compositor
from app.engine.render.encoder import Encoder
from app.engine.render.hardware import usable_preset
from app.engine.render.mix import Soundtrack, mixed_soundtrack
from app.engine.render.presets import Preset, for_aspect, get_preset
from app.engine.render.segments import (
    Segment,
    SegmentFarm,
    SegmentJob,
    encode_in_lanes,
    plan_segments,
    segment_compositor,
)
from app.engine.render.sidecars import (
    caption_cues,
    chapters_file_text,
    content_only,
    description_text,
    jpeg_under_limit,
    srt_text,
    thumbnail_candidates,
    thumbnail_jpeg,
    vtt_text,
)
from app.engine.timeline import Timeline

log = logging.getLogger(__name__)

LANE_PIXELS = 4 * 1920 * 1080
"""Frame pixels drawn at once in one process, over all lanes: four 1080p segments, or one
4K. Each lane holds a compositor, an encoder and their pictures (about 120 MB at 1080p),
so a many-core machine, or a 4K render, does not trade the memory that keeps an hour-long
render under a gigabyte for the last few percent of speed."""


def lanes_for(preset: Preset, jobs: int) -> int:
    """Segments to encode at once here: one a core (``jobs``), within :data:`LANE_PIXELS`."""
    return max(1, min(jobs, LANE_PIXELS // max(1, preset.width * preset.height)))


class RenderError(Exception):
    """A render that cannot run or complete; the message says what to fix."""


@dataclass
class RenderResult:
    """What a finished render produced and measured."""

    output: Path
    preset: str
    frames: int
    width: int
    height: int
    duration_ms: int
    loudness_lufs: float
    true_peak_dbtp: float
    wall_s: float
    composited_frames: int
    """Frames actually drawn; the rest repeated an identical neighbour."""
    sidecars: dict[str, Path] = field(default_factory=dict)
    """``srt``, ``vtt``, ``chapters``, ``thumbnail`` paths that were written."""
    chapters_note: str | None = None
    """Why no chapters were written, when YouTube would reject them."""
    phases_s: dict[str, float] = field(default_factory=dict)
    """Wall seconds spent mixing, drawing the segments, joining them (the stream copy and
    the sound, spread over the render) and writing the sidecars; for ``make bench``."""

    @property
    def speed(self) -> float:
        """Video seconds per wall second."""
        return (self.duration_ms / 1000) / self.wall_s if self.wall_s > 0 else 0.0


class _MixAhead:
    """The soundtrack, mixed on a thread of its own while the first segments are drawn.

    Mixing (voices, music, typing, then one measuring pass) took 3 s of a five-minute
    render with a core left idle; the join needs the sound only when the first segment is
    done. The mix goes to scratch files and is mastered a block at a time as the encoder
    reads it, so the soundtrack is never held whole. :meth:`close` never waits: a mix
    still running when the render stops deletes its files itself when it ends.
    """

    def __init__(self, timeline: Timeline, samples: int) -> None:
        self.seconds = 0.0
        """Wall seconds the mix took (beside the drawing)."""
        self._lock = threading.Lock()
        self._made: Soundtrack | None = None
        self._error: BaseException | None = None
        self._closed = False
        self._thread = threading.Thread(
            target=self._run, args=(timeline, samples), name="castline-mix", daemon=True
        )
        self._thread.start()

    def _run(self, timeline: Timeline, samples: int) -> None:
        started = time.monotonic()
        try:
            made = mixed_soundtrack(timeline, samples)
        except BaseException as exc:
            self._error = exc
            return
        finally:
            self.seconds = time.monotonic() - started
        with self._lock:
            if not self._closed:
                self._made = made
                return
        made.close()

    def result(self) -> Soundtrack:
        """The mastered soundtrack, once mixed; raises what the mix raised."""
        self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._made is not None
        return self._made

    def close(self) -> None:
        """Delete the scratch files, now or when the mix ends."""
        with self._lock:
            self._closed = True
            made = self._made
        if made is not None:
            made.close()


def sidecar_paths(output: Path) -> dict[str, Path]:
    """Where the files beside ``out.mp4`` go: ``out.srt``, ``out.vtt``, ``out.chapters.txt``, ``out.jpg``."""
    stem = output.with_suffix("")
    return {
        "srt": stem.with_suffix(".srt"),
        "vtt": stem.with_suffix(".vtt"),
        "chapters": Path(f"{stem}.chapters.txt"),
        "thumbnail": stem.with_suffix(".jpg"),
    }


def sidecar_bytes(
    timeline: Timeline,
    *,
    title: str,
    description: str,
    thumbnail_image: Path | None = None,
    thumbnail_ms: int | None = None,
) -> tuple[dict[str, bytes], str | None]:
    """Captions, the chapters block and the thumbnail, keyed like :func:`sidecar_paths`.

    The thumbnail is the user's own image when ``thumbnail_image`` is given, else the
    frame at ``thumbnail_ms``, else the frame with the most to see, with the title on it.
    The second value says why no chapters were written, when YouTube would reject them.
    """
    cues = caption_cues(timeline)
    text = chapters_file_text(description, timeline)
    note = text.strip() if text.startswith("No chapters") else None
    return {
        "srt": srt_text(cues).encode("utf-8"),
        "vtt": vtt_text(cues).encode("utf-8"),
        "chapters": text.encode("utf-8"),
        "thumbnail": thumbnail_bytes(timeline, title, thumbnail_image, thumbnail_ms),
    }, note


def _leftovers(output: Path) -> list[Path]:
    """Temporary files a killed render of ``output`` left, including the older naming."""
    legacy = re.compile(
        rf"\.{re.escape(output.stem)}\.[a-z0-9_]{{8}}\.part{re.escape(output.suffix)}"
    )
    old = [p for p in output.parent.glob(f".*.part{output.suffix}") if legacy.fullmatch(p.name)]
    paths = [output, *sidecar_paths(output).values()]
    return old + [part for path in paths for part in files.part_files(path)]


def _claim(output: Path, stack: contextlib.ExitStack) -> None:
    """Take the lock on ``output`` for this render and clear what a killed one left.

    A second render to the same file is refused in one line while the first runs.
    """
    try:
        dead = stack.enter_context(files.exclusive(output))
    except files.Busy as exc:
        raise RenderError(f"{exc}: wait for it to finish, or render to another file") from None
    leftovers = _leftovers(output)
    if leftovers or dead:
        log.info("removing %d files left by an interrupted render (pid %s)", len(leftovers), dead)
    files.remove(leftovers)


def thumbnail_bytes(
    timeline: Timeline, title: str, image: Path | None = None, at_ms: int | None = None
) -> bytes:
    """The thumbnail JPEG for a timeline (see :func:`write_sidecars`)."""
    if image is not None:
        try:
            picture = load_image(image)
        except VisualError:
            picture = None
        if picture is not None:
            return jpeg_under_limit(fitted_image(np.ascontiguousarray(picture[:, :, :3])))
    content = content_only(timeline)
    comp = Compositor(content, width=1280 if timeline.width >= timeline.height else 720)
    try:
        if at_ms is not None:
            frame = min(max(0, ms_to_frames(at_ms, timeline.fps)), max(0, timeline.duration - 1))
            best = comp.rgb(frame).copy()
        else:
            best, best_score = None, -1.0
            for n in thumbnail_candidates(timeline):  # in order: what has ended can go
                comp.release_before(n)
                rgb = comp.rgb(n)
                score = content_score(rgb)
                if score > best_score:
                    best, best_score = rgb.copy(), score
    finally:
        comp.close()
    if best is None:
        best = np.zeros((720, 1280, 3), np.uint8)
    return thumbnail_jpeg(best, title, comp.ctx.style)


def render_timeline(
    timeline: Timeline,
    output: Path,
    *,
    preset: str | Preset = "youtube-1080p",
    progress: Progress | None = None,
    title: str = "",
    description: str = "",
    tags: Sequence[str] = (),
    burn_captions: bool = False,
    watermark: Path | None = None,
    sidecars: bool = True,
    jobs: int = 2,
    thumbnail_image: Path | None = None,
    thumbnail_ms: int | None = None,
    farm: SegmentFarm | None = None,
) -> RenderResult:
    """Encode ``timeline`` to ``output`` with a preset; raises :class:`RenderError` or ``Cancelled``.

    The video is encoded in segments (``render.segments``): here, a few at once (see
    :func:`lanes_for`), or by a ``farm`` (workers); either way the sound is mixed once, here.
    """
    started = time.monotonic()
    snap = timeline.snapshot()
    chosen = preset if isinstance(preset, Preset) else get_preset(preset)
    chosen = for_aspect(chosen, "9:16" if snap.height > snap.width else "16:9")
    chosen = usable_preset(chosen)
    output = output.with_suffix(chosen.suffix) if output.suffix.lower() != chosen.suffix else output
    total = snap.duration
    if total <= 0:
        raise RenderError("the timeline is empty: there is nothing to render")
    progress = progress or Progress()
    progress.set_total(total)
    progress.update(0, message="mixing audio")
    phases: dict[str, float] = {"join": 0.0}
    full_description = description_text(description, snap)
    metadata = {
        "title": title,
        "comment": full_description,
        "description": full_description,
        "keywords": ",".join(tags),
    }
    lock = contextlib.ExitStack()
    parts: list[Path] = []
    composited = 0
    sound: _MixAhead | None = None
    try:
        _claim(output, lock)
        sound = _MixAhead(snap, frames_to_samples(total, snap.fps))
        with files.signals_deferred():  # a Ctrl+C cannot land between making and noting it
            tmp = files.temp_beside(output, output.suffix)
            parts.append(tmp)

        drawn = itertools.count(1)

        def frame_done(n: int) -> None:
            progress.check()
            done = next(drawn)  # lanes draw at once: count frames, not positions
            if done % 30 == 0:
                progress.update(done, message="rendering")

        def piece_for(segment: Segment) -> Path:
            with files.signals_deferred():
                piece = files.temp_beside(output, "." + segment.name(chosen.suffix))
                parts.append(piece)
            return piece

        def here() -> Iterator[tuple[Segment, Path]]:
            nonlocal composited
            for segment, piece, frames in encode_in_lanes(
                lambda: segment_compositor(
                    snap, chosen, burn_captions=burn_captions, watermark=watermark
                ),
                chosen,
                plan_segments(total, chosen, snap.fps),
                piece_for,
                fps=snap.fps,
                lanes=lanes_for(chosen, jobs),
                jobs=jobs,
                on_frame=frame_done,
            ):
                composited += frames
                yield segment, piece

        pieces = (
            here()
            if farm is None
            else farm.encode(
                SegmentJob(
                    snap,
                    chosen,
                    plan_segments(total, chosen, snap.fps),
                    burn_captions,
                    watermark,
                    jobs,
                    progress,
                )
            )
        )
        # Each segment is encoded on its own (render.segments), then copied into the
        # file, which gets the sound as it goes.
        joined: Encoder | None = None
        try:
            for segment, piece in pieces:
                if joined is None:
                    joined = Encoder(
                        tmp,
                        chosen,
                        fps=snap.fps,
                        width=chosen.width,
                        height=chosen.height,
                        metadata=metadata,
                        video_from=piece,
                    )
                    joined.set_audio(sound.result())
                joining = time.monotonic()
                joined.append_encoded(piece, segment.start)
                phases["join"] += time.monotonic() - joining
                piece.unlink()
            if joined is not None:
                joining = time.monotonic()
                joined.finish()
                phases["join"] += time.monotonic() - joining
        except BaseException:
            if joined is not None:
                joined.abort()
            raise
        finally:
            close = getattr(pieces, "close", None)
            if close is not None:
                close()  # a farm revokes what it sent when the join stops early
        if farm is not None:
            composited = total
        phases["mix"] = sound.seconds
        phases["segments"] = time.monotonic() - started - phases["join"]
        sidecars_started = time.monotonic()
        progress.update(total, message="writing captions and thumbnail")
        paths: dict[str, Path] = {}
        note = None
        moves: list[tuple[Path, Path]] = []
        if sidecars:
            data, note = sidecar_bytes(
                snap,
                title=title,
                description=description,
                thumbnail_image=thumbnail_image,
                thumbnail_ms=thumbnail_ms,
            )
            for kind, final in sidecar_paths(output).items():
                with files.signals_deferred():
                    part = files.temp_beside(final)
                    parts.append(part)
                part.write_bytes(data[kind])
                moves.append((part, final))
                paths[kind] = final
        progress.update(total, message="publishing")
        files.commit([*moves, (tmp, output)])  # the video last: once it is there, all are
        phases["sidecars"] = time.monotonic() - sidecars_started
    except BaseException:
        files.remove(parts)
        raise
    finally:
        lock.close()
        if sound is not None:
            sound.close()
    mastered = sound.result()
    wall = time.monotonic() - started
    return RenderResult(
        output=output,
        preset=chosen.name,
        frames=total,
        width=chosen.width,
        height=chosen.height,
        duration_ms=round(total * 1000 / snap.fps),
        loudness_lufs=mastered.loudness_lufs,
        true_peak_dbtp=mastered.true_peak_dbtp,
        wall_s=wall,
        composited_frames=composited,
        phases_s=phases,
        sidecars=paths,
        chapters_note=note,
    )
