"""Memory and speed flat in length: the example script repeated to 10 and 60 minutes.

Each length is rendered offline (local Piper voice, procedural visuals) in a child
process, so its peak RSS (VmHWM) is its own. The baseline, measured in the same run, is
the shortest length at the same preset: a longer video should need no more memory
(within 15%, under 1 GiB) and render at the same video seconds per wall second. Every
output is probed: its audio must end within one frame of its video.

A 60-minute render at 1080p takes about 25 minutes on a two-core machine, and 4K about
90, so what runs is chosen by environment variables:

- ``CASTLINE_BENCH_MINUTES``: comma-separated lengths in minutes (default ``10,60``);
- ``CASTLINE_BENCH_PRESETS``: comma-separated presets (default ``youtube-1080p``; add
  ``youtube-4k`` for the 4K figures);
- ``CASTLINE_BENCH_QUICK=1``: 1 and 2 minutes at the ``preview`` preset, in a minute or two.

Run just this bench with ``python -m tests.bench length``.
"""

from __future__ import annotations

import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from tests.bench.bench_render import ROOT, _child_render, isolated_env
from tests.bench.common import Figure

EXAMPLE = ROOT / "resources" / "examples" / "how-ssh-works"
EXAMPLE_SECONDS = 76
"""About how long one copy of the example runs offline (75.8 s with the local voice)."""
RSS_GOAL_MIB = 1024
RSS_SPREAD = 0.15


@dataclass(frozen=True)
class Plan:
    """Which lengths (minutes) at which presets."""

    minutes: tuple[float, ...]
    presets: tuple[str, ...]


def plan_from_env(env: dict[str, str] | None = None) -> Plan:
    """The lengths and presets asked for (see the module docstring)."""
    env = dict(os.environ) if env is None else env
    if env.get("CASTLINE_BENCH_QUICK", "") not in ("", "0"):
        return Plan((1.0, 2.0), ("preview",))
    minutes = tuple(
        float(m) for m in env.get("CASTLINE_BENCH_MINUTES", "10,60").split(",") if m.strip()
    )
    presets = tuple(
        p.strip() for p in env.get("CASTLINE_BENCH_PRESETS", "youtube-1080p").split(",") if p
    )
    return Plan(tuple(sorted(minutes)), presets)


def repeated_example(folder: Path, minutes: float) -> Path:
    """The example script (with its pictures, clip and music) repeated to about ``minutes``.

    The front matter is kept once; the body is repeated with numbered headings, so every
    copy has its own chapters and the same lines (voices are synthesized once and reused).
    """
    shutil.copytree(EXAMPLE, folder, dirs_exist_ok=True)
    text = (EXAMPLE / "script.md").read_text(encoding="utf-8")
    _, front, body = text.split("---\n", 2)
    copies = max(1, math.ceil(minutes * 60 / EXAMPLE_SECONDS))
    parts = [f"---\n{front}---\n"]
    for i in range(copies):
        parts.append(re.sub(r"^(#+ .*)$", rf"\1 ({i + 1})", body, flags=re.MULTILINE))
    script = folder / f"script-{minutes:g}min.md"
    script.write_text("\n".join(parts), encoding="utf-8")
    return script


def stream_ends(path: Path) -> tuple[float, float, Fraction]:
    """(video end, audio end) in seconds, read from the packets, and the video's frame rate."""
    import av

    with av.open(str(path)) as c:
        v = c.streams.video[0]
        fps = Fraction(v.average_rate) if v.average_rate else Fraction(30)
        ends = {"video": 0.0, "audio": 0.0}
        for packet in c.demux():
            if packet.pts is None or packet.stream.type not in ends or packet.time_base is None:
                continue
            end = float((packet.pts + (packet.duration or 0)) * packet.time_base)
            ends[packet.stream.type] = max(ends[packet.stream.type], end)
    return ends["video"], ends["audio"], fps


def run() -> list[Figure]:
    plan = plan_from_env()
    figures: list[Figure] = []
    with tempfile.TemporaryDirectory(prefix="castline-bench-length-") as tmp_name:
        tmp = Path(tmp_name)
        env = isolated_env(tmp)
        scripts = {m: repeated_example(tmp / "example", m) for m in plan.minutes}
        # Voices first, once (every length repeats the same lines): the figures below
        # measure the renderer.
        subprocess.run(
            [sys.executable, "main.py", "synth", str(scripts[plan.minutes[-1]])],
            cwd=ROOT, env=env, check=True, capture_output=True,
        )  # fmt: skip
        for preset in plan.presets:
            base: tuple[float, float, float] | None = None  # (minutes, rss, speed)
            for minutes in plan.minutes:
                out = tmp / f"{minutes:g}-{preset}.mp4"
                report, rss = _child_render(scripts[minutes], out, preset, env)
                speed = report["video_s"] / report["wall_s"]
                video_end, audio_end, fps = stream_ends(out)
                out.unlink()
                label = f"{report['video_s'] / 60:.1f} min @{preset}"
                # Said at once: an hour's render may be cut short before the figures print.
                print(
                    f"  measured {label}: {rss:.0f} MiB, {speed:.2f} video s / wall s,"
                    f" audio ends {(audio_end - video_end) * float(fps):+.2f} frames from video",
                    file=sys.stderr,
                    flush=True,
                )
                if base is None:
                    base = (report["video_s"] / 60, rss, speed)
                ref = f"{base[0]:.1f} min"
                figures.append(
                    Figure(
                        f"peak RSS {label}",
                        rss,
                        "MiB",
                        baseline=base[1],
                        baseline_label=ref,
                        goal=f"< {RSS_GOAL_MIB} and within {RSS_SPREAD:.0%} of the baseline",
                    )
                )
                figures.append(
                    Figure(
                        f"speed {label}",
                        speed,
                        "video s / wall s",
                        baseline=base[2],
                        baseline_label=ref,
                        goal="flat in length",
                    )
                )
                figures.append(
                    Figure(
                        f"audio end - video end {label}",
                        (audio_end - video_end) * float(fps),
                        "frames",
                        goal="within 1 frame",
                    )
                )
    return figures
