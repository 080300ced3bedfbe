"""Batch throughput: ten short scripts rendered in one process, and on two local workers.

Both run ``castline batch`` as a child process with fresh data folders (so no voice is
cached), at the preview preset with the offline voice. The workers and their Redis are
started first and not timed: the figure is the batch's wall time, submit to summary.
On one machine two workers share its cores, so the figure shows the cost of the
distribution itself more than its gain, which comes with more machines.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.bench.common import Figure
from tests.engine.dist.cluster import REDIS_SERVER, ROOT, cluster

SCRIPTS = 10
FLAGS = ["--offline", "--preset", "preview"]
"""Each render (in process, or on each worker) takes as many encoder threads as there are cores."""


def _scripts(folder: Path) -> list[str]:
    """Ten distinct short scripts (distinct words, so nothing comes from a cache)."""
    folder.mkdir(parents=True)
    paths = []
    for n in range(1, SCRIPTS + 1):
        path = folder / f"short-{n:02d}.md"
        path.write_text(
            f"---\ntitle: Short {n}\nfps: 30\n---\n\n## Part {n}\n\n"
            f"> visual: a quiet harbour, view {n}\n\nThis is short script number {n}, said once.\n"
        )
        paths.append(str(path))
    return paths


def _batch(folder: Path, scripts: list[str], *extra: str) -> float:
    """Wall seconds of one ``castline batch`` run with its own data folders."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    for var in ("DATA", "CACHE", "CONFIG"):
        env[f"CASTLINE_{var}_DIR"] = str(folder / var.lower())
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "main.py", "batch", *scripts, "-o", str(folder / "out"), *FLAGS,
         *extra],
        cwd=ROOT, env=env, capture_output=True, text=True,
    )  # fmt: skip
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"batch failed:\n{done.stdout}\n{done.stderr[-2000:]}")
    return seconds


def run() -> list[Figure]:
    with tempfile.TemporaryDirectory(prefix="castline-bench-batch-") as tmp:
        base = Path(tmp)
        scripts = _scripts(base / "scripts")
        here = _batch(base / "here", scripts)
        figures = [Figure(f"batch of {SCRIPTS} short scripts, in process", here, "s")]
        if REDIS_SERVER is None:
            print("  (redis-server is not installed: no figure for workers; make deps installs it)")
            return figures
        with cluster(base / "cluster", workers=2) as (broker, _):
            remote = _batch(base / "remote", scripts, "--workers", broker.url)
        figures.append(
            Figure(
                f"batch of {SCRIPTS} short scripts, on 2 local workers",
                remote,
                "s",
                baseline=here,
                baseline_label="in process",
            )
        )
        figures.append(
            Figure(
                "throughput on 2 local workers",
                SCRIPTS * 60 / remote,
                "scripts/min",
                baseline=SCRIPTS * 60 / here,
                baseline_label="in process",
            )
        )
        return figures
