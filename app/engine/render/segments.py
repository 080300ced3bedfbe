"""A video encoded in fixed segments, each on a fresh encoder, joined by stream copy.

Every render works this way, in one process or spread over workers: the timeline is cut
every :data:`SEGMENT_SECONDS` at a GOP boundary, each segment starts with an IDR picture
of a closed GOP and is encoded by an encoder of its own, and the pieces are joined
without re-encoding. Because the cut points and the per-segment encoders are the same
wherever a segment is encoded, a render spread over any number of machines is the same
file, picture for picture, as one made here (the encoders run one thread each, see the
presets, and the compositor draws a frame from the timeline alone).

Ten seconds keeps the cost of restarting an encoder (its first picture is an IDR, as
the GOP wants anyway; its rate control starts afresh) well under 1% while giving a
five-minute video thirty pieces to share out.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import queue
import threading
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import cv2

from app.engine.pictures import unpremultiply
from app.engine.render.compositor import Compositor
from app.engine.render.encoder import Encoder
from app.engine.render.presets import Preset

if TYPE_CHECKING:
    from app.engine.jobs.progress import Progress
    from app.engine.timeline import Timeline

SEGMENT_SECONDS = Fraction(10)
"""About how long each segment runs; rounded down to whole GOPs."""
SEGMENT_SECONDS_ENV = "CASTLINE_SEGMENT_SECONDS"
"""Set to cut shorter segments (more pieces for many workers) or longer ones. Only the
machine that plans the render reads it, so its segments stay the same wherever drawn."""


@dataclass(frozen=True)
class Segment:
    """Frames ``start`` to ``end`` (exclusive) of the timeline, the ``index``-th piece."""

    index: int
    start: int
    end: int

    @property
    def frames(self) -> int:
        return self.end - self.start

    def name(self, suffix: str) -> str:
        """The segment's file name: ``segment-00003.mp4``."""
        return f"segment-{self.index:05d}{suffix}"


def segment_frames(preset: Preset, fps: Fraction) -> int:
    """Frames in a (full) segment for ``preset`` at ``fps``: whole GOPs, about ten seconds."""
    gop = preset.gop.frames(fps) if preset.gop is not None else 1
    raw = os.environ.get(SEGMENT_SECONDS_ENV, "").strip()
    try:
        seconds = Fraction(raw) if raw else SEGMENT_SECONDS
    except (ValueError, ZeroDivisionError):
        seconds = SEGMENT_SECONDS
    return max(gop, int(max(Fraction(0), seconds) * fps) // gop * gop)


def plan_segments(total: int, preset: Preset, fps: Fraction) -> list[Segment]:
    """The segments of a ``total``-frame timeline, in order; the last may be shorter."""
    size = segment_frames(preset, fps)
    return [
        Segment(i, start, min(start + size, total))
        for i, start in enumerate(range(0, max(0, total), size))
    ]


def _libc_function(name: str) -> Callable[..., object] | None:
    """The C library's function ``name`` (glibc's malloc tuning), or None without it."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return getattr(libc, name)  # type: ignore[no-any-return]
    except (OSError, AttributeError):
        return None


_TRIM = _libc_function("malloc_trim")

_M_MMAP_THRESHOLD = -3
"""glibc's ``mallopt`` parameter for the size from which a block gets pages of its own."""
BIG_FRAME_PIXELS = 2 * 1920 * 1080
"""Frames larger than this (4K) get their own pages from the system (see below)."""
MAPPED_BLOCK_BYTES = 4 << 20

_MALLOPT = _libc_function("mallopt")


def map_big_blocks(width: int, height: int) -> None:
    """For 4K frames, let every block from 4 MiB up be mapped and unmapped on its own.

    glibc raises its mapping threshold to the largest block freed, up to 32 MiB, so a 4K
    render's canvases, warps and blends (12 to 33 MB each, several a frame) all came from
    the heap, whose freed space stayed resident between trims: 1.1 GB at 4K. Mapped, they
    go back at once (peak 0.95 GB), for about a tenth more time spent faulting pages in.
    1080p frames keep the heap: there the cost is larger than the memory it saves. The
    setting lasts for the process (glibc has no way back to its sliding threshold).
    """
    if _MALLOPT is not None and width * height > BIG_FRAME_PIXELS:
        _MALLOPT(_M_MMAP_THRESHOLD, MAPPED_BLOCK_BYTES)


def release_freed_memory() -> None:
    """Give memory freed since the last call back to the system.

    Frames, sprites and audio blocks are large arrays made and freed all the time; glibc
    keeps much of what they free in its heaps, so a render's resident size crept up with
    its length (40 MB in ten minutes at 540p) though nothing it kept did. Every ten
    seconds of video the heaps are trimmed (a millisecond).
    """
    if _TRIM is not None:
        _TRIM(0)


def encode_segment(
    comp: Compositor,
    preset: Preset,
    segment: Segment,
    path: Path,
    *,
    fps: Fraction,
    jobs: int = 2,
    on_frame: Callable[[int], None] | None = None,
) -> int:
    """Draw and encode ``segment`` into ``path`` (video only); the frames actually drawn.

    ``path`` is written in place: callers give a temporary name and rename it when the
    whole file is there. ``on_frame(n)`` runs before frame ``n`` is drawn, and may raise
    to stop (a cancel). A frame identical to the one before is not drawn again.
    """
    # The codec, the colour conversion and the sound already keep both cores busy; OpenCV
    # splitting each warp and blend over its own pool only added hand-offs (10% of the
    # drawing's CPU time), so pictures are drawn on this thread alone.
    cv2.setNumThreads(1)
    map_big_blocks(preset.width, preset.height)
    composited = 0
    with Encoder(
        path, preset, fps=fps, width=preset.width, height=preset.height, threads=max(1, jobs)
    ) as enc:
        previous = None
        for n in range(segment.start, segment.end):
            if on_frame is not None:
                on_frame(n)
            frame = comp.frame(n)
            if frame is previous:
                enc.repeat_frame()
            else:
                composited += 1
                enc.add_frame(unpremultiply(frame.image) if preset.alpha else frame.image)
            previous = frame
            if n % 30 == 29:
                comp.release_before(n)
                if n % 300 == 299:
                    release_freed_memory()
    return composited


class _Stopped(Exception):
    """Another lane failed or the caller stopped reading: this lane ends its segment."""


def encode_in_lanes(
    make_compositor: Callable[[], Compositor],
    preset: Preset,
    segments: list[Segment],
    piece_for: Callable[[Segment], Path],
    *,
    fps: Fraction,
    lanes: int,
    jobs: int = 2,
    on_frame: Callable[[int], None] | None = None,
) -> Iterator[tuple[Segment, Path, int]]:
    """Each segment's finished file and frames drawn, in order, encoded ``lanes`` at a time.

    x264 runs one thread per segment (the file must not depend on the machine), so one
    segment at a time left a core idle whenever drawing fell behind the codec or the codec
    behind drawing; two lanes, each with its own compositor, keep both cores busy. The
    pieces are the same files whatever the number of lanes.

    The compositors are made here and closed when the last segment is done (before a
    render's thumbnail makes its own) or at the first error. ``piece_for`` names a
    segment's file and runs on the caller's thread; ``on_frame`` runs on the lanes; the
    ``jobs`` threads a codec may use are shared out between the lanes.
    """
    lanes = max(1, min(lanes, len(segments)))
    free: queue.SimpleQueue[Compositor] = queue.SimpleQueue()
    made: list[Compositor] = []
    for _ in range(lanes):
        made.append(make_compositor())
        free.put(made[-1])
    stop = threading.Event()

    def check(n: int) -> None:
        if stop.is_set():
            raise _Stopped
        if on_frame is not None:
            on_frame(n)

    def work(segment: Segment, piece: Path) -> int:
        comp = free.get()
        try:
            return encode_segment(
                comp, preset, segment, piece, fps=fps, jobs=max(1, jobs // lanes), on_frame=check
            )
        finally:
            free.put(comp)

    pool = ThreadPoolExecutor(max_workers=lanes, thread_name_prefix="castline-lane")
    pending: deque[tuple[Segment, Path, Future[int]]] = deque()
    try:
        for segment in segments:
            piece = piece_for(segment)
            pending.append((segment, piece, pool.submit(work, segment, piece)))
            # One more than the lanes waits its turn, so a lane that finishes first goes on.
            while len(pending) > lanes:
                done, path, future = pending.popleft()
                yield done, path, future.result()
        while pending:
            done, path, future = pending.popleft()
            yield done, path, future.result()
    finally:
        stop.set()  # an error or an early stop: the other lanes end at their next frame
        pool.shutdown(wait=True, cancel_futures=True)
        for comp in made:
            comp.close()


@dataclass(frozen=True)
class SegmentJob:
    """What a segment farm needs to draw a render's segments anywhere."""

    timeline: Timeline
    preset: Preset
    segments: list[Segment]
    burn_captions: bool
    watermark: Path | None
    jobs: int
    progress: Progress
    """Frames done so far, out of the whole timeline; cancelling it stops the farm."""


class SegmentFarm(Protocol):
    """Encodes a render's segments somewhere else (Celery workers, see ``dist.segmented``)."""

    def encode(self, job: SegmentJob) -> Iterator[tuple[Segment, Path]]:
        """Each segment's finished file, in segment order, as soon as it and those before
        it are there; the caller joins it and may then delete it."""
        ...


def segment_compositor(
    timeline: Timeline, preset: Preset, *, burn_captions: bool, watermark: Path | None
) -> Compositor:
    """The compositor every segment of a render is drawn with, here or on a worker."""
    return Compositor(
        timeline,
        width=preset.width,
        height=preset.height,
        alpha=preset.alpha,
        burn_captions=burn_captions,
        watermark=watermark,
    )
