"""One video drawn by workers: the 5-minute script in process, then on 2 local workers.

Both renders run in this process (the second as the coordinator of two ``castline
worker`` children at concurrency 1 and their Redis, started first and not timed), with
the voices and visuals cached by a first, untimed pass. The figures:

- both renders' wall time, and whether their video streams are the same bytes;
- the overhead the distribution adds: writing the job and sending the segments
  (split), and copying the segments into the file with the sound (join);
- a model of the speed-up for 1 to 64 workers, each on a machine of its own, from the
  segment times the workers measured and the coordinator's serial parts.

On this one machine the two workers share its cores with each other and with the
coordinator, so the measured segment times are slower than on machines of their own;
the model says what the cut into segments and the serial parts allow, not this box.
"""

from __future__ import annotations

import hashlib
import heapq
import os
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import av

from tests.bench.bench_render import five_minute_script, isolated_env
from tests.bench.common import Figure
from tests.engine.dist.cluster import REDIS_SERVER, cluster

PRESET = "youtube-1080p"
WORKER_COUNTS = (1, 2, 4, 8, 16, 32, 64)


@contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    saved = dict(os.environ)
    os.environ.update(values)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def video_digest(path: Path) -> str:
    """A hash of the video stream's packets (no decoding: the same bytes, the same frames)."""
    digest = hashlib.sha256()
    with av.open(str(path)) as c:
        for packet in c.demux(video=0):
            if packet.size:
                digest.update(bytes(packet))
    return digest.hexdigest()


def makespan(segment_s: Sequence[float], workers: int) -> float:
    """When the last segment ends if each free worker takes the next one in order (as
    Celery hands them out, one at a time per worker)."""
    free = [0.0] * workers
    end = 0.0
    for seconds in segment_s:
        start = heapq.heappop(free)
        heapq.heappush(free, start + seconds)
        end = max(end, start + seconds)
    return end


def modelled_wall(
    segment_s: Sequence[float],
    workers: int,
    *,
    serial_s: float,
    join_s: float,
    mix_s: float = 0.0,
) -> float:
    """The render's wall time on ``workers`` machines: the coordinator's serial parts, then
    the segments in parallel, with the join keeping pace (it copies each segment as it
    arrives, in order) or, when it is the slower, setting the pace; the last segment's
    share of the join always comes after the last segment. The sound is mixed on the
    coordinator beside the segments, so it sets the pace only when it is the longest."""
    per_segment_join = join_s / max(1, len(segment_s))
    return serial_s + max(makespan(segment_s, workers), join_s, mix_s) + per_segment_join


def run() -> list[Figure]:
    from app.engine.dist.segmented import WorkerFarm
    from app.engine.render.project import prepare_script, render_script

    if REDIS_SERVER is None:
        print("  (redis-server is not installed: nothing to measure; make deps installs it)")
        return []
    figures: list[Figure] = []
    with tempfile.TemporaryDirectory(prefix="castline-bench-dist-") as tmp_name:
        tmp = Path(tmp_name)
        env = isolated_env(tmp)
        script = tmp / "five-minutes.md"
        script.write_text(five_minute_script(), encoding="utf-8")
        with _environment({k: env[k] for k in env if k.startswith("CASTLINE_")}):
            prepare_script(script, offline=True)  # voices and visuals, untimed
            here = render_script(script, tmp / "here.mp4", preset=PRESET, offline=True).render
            with cluster(tmp / "cluster", workers=2) as (broker, _):
                farm = WorkerFarm(broker.url)
                spread = render_script(
                    script, tmp / "spread.mp4", preset=PRESET, offline=True, farm=farm
                ).render
        same = video_digest(here.output) == video_digest(spread.output)
        video_s = here.duration_ms / 1000
        figures += [
            Figure(f"render {video_s:.0f} s script @{PRESET}, in process", here.wall_s, "s"),
            Figure(
                f"render {video_s:.0f} s script @{PRESET}, 2 local workers",
                spread.wall_s,
                "s",
                baseline=here.wall_s,
                baseline_label="in process",
            ),
            Figure(
                "video streams identical (1 = same bytes)",
                1.0 if same else 0.0,
                "",
                goal="1",
            ),
            Figure(f"segments ({len(farm.segment_s)})", sum(farm.segment_s), "s on workers"),
            Figure("split: write the job and send the segments", farm.split_s, "s"),
            Figure(
                "join: stream copy and sound, on the coordinator",
                spread.phases_s["join"],
                "s",
                baseline=here.phases_s["join"],
                baseline_label="in process",
            ),
            Figure("mix (both; once per render, beside the segments)", spread.phases_s["mix"], "s"),
            Figure("captions and thumbnail (both)", spread.phases_s["sidecars"], "s"),
        ]
        serial = farm.split_s + spread.phases_s["sidecars"]
        join, mix = spread.phases_s["join"], spread.phases_s["mix"]
        one = modelled_wall(farm.segment_s, 1, serial_s=serial, join_s=join, mix_s=mix)
        for n in WORKER_COUNTS:
            wall = modelled_wall(farm.segment_s, n, serial_s=serial, join_s=join, mix_s=mix)
            figures.append(
                Figure(
                    f"model: speed-up on {n} workers",
                    one / wall,
                    "x",
                    goal=f"{wall:.1f} s wall, {video_s / wall:.1f} video s / wall s",
                )
            )
    return figures
