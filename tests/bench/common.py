"""Shared helpers for benchmarks: a figure type, timing and peak memory."""

from __future__ import annotations

import gc
import resource
import statistics
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class Figure:
    """One measured figure, with the baseline measured in the same run (if any) and the goal."""

    name: str
    value: float
    unit: str
    baseline: float | None = None
    baseline_label: str = ""
    goal: str = ""


def print_figures(figures: list[Figure]) -> None:
    for f in figures:
        line = f"  {f.name:<48} {f.value:>12.3f} {f.unit}"
        if f.baseline is not None:
            line += f"   | baseline ({f.baseline_label}): {f.baseline:.3f} {f.unit}"
        if f.goal:
            line += f"   | goal: {f.goal}"
        print(line, flush=True)


def time_call(fn: Callable[[], object], repeat: int = 5) -> float:
    """Median wall seconds of ``fn`` over ``repeat`` runs."""
    samples = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t0)
    return statistics.median(samples)


def cpu_median(fn: Callable[[], object], repeat: int = 5) -> float:
    """Median CPU seconds of ``fn``: on a shared machine wall time would measure the neighbours."""
    samples = []
    for _ in range(repeat):
        t0 = time.process_time()
        fn()
        samples.append(time.process_time() - t0)
    return statistics.median(samples)


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    k = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[k]


def peak_rss_mb(children: bool = False) -> float:
    """Peak resident memory of this process (or its finished children), in MiB."""
    who = resource.RUSAGE_CHILDREN if children else resource.RUSAGE_SELF
    return resource.getrusage(who).ru_maxrss / 1024


def traced_peak_bytes(fn: Callable[[], object]) -> int:
    """Peak Python memory allocated while ``fn`` runs (tracemalloc), in bytes.

    Unlike the resident size it counts only this call, and the same way on every machine.
    """
    gc.collect()
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
