"""The quick benchmarks run in ``make test`` too, so a change cannot break ``make bench``
unnoticed; the figures that are promises rather than speeds are checked here as well.

No figure measured in time is asserted (speed is reported by ``make bench``, never
enforced in a test)."""

from __future__ import annotations

import math

import pytest

from tests.bench import (
    bench_fuzz,
    bench_parse,
    bench_publish,
    bench_store,
    bench_timeline,
    bench_visuals,
)
from tests.bench.common import Figure


def by_name(figures: list[Figure]) -> dict[str, Figure]:
    assert figures and all(math.isfinite(f.value) for f in figures)
    return {f.name: f for f in figures}


@pytest.mark.usefixtures("memory_keyring")
def test_the_visuals_bench_reports_one_request_per_edit_and_relevant_stock() -> None:
    figures = by_name(bench_visuals.run())
    for provider in ("pexels", "runway"):
        assert figures[f"{provider}: visuals requested after editing one prompt"].value == 1
    assert figures["stock relevance: chosen clip shares a narration term"].value == 100.0


def test_the_publish_bench_resends_less_than_a_chunk_after_a_drop() -> None:
    figures = by_name(bench_publish.run())
    resent = figures["bytes re-sent after a drop half-way"]
    assert resent.baseline is not None and resent.value < 4 < resent.baseline


@pytest.mark.parametrize("bench", [bench_parse, bench_store, bench_timeline])
def test_the_other_quick_benches_produce_their_figures(bench: object) -> None:
    by_name(bench.run())  # type: ignore[attr-defined]


def test_the_fuzz_bench_finds_no_crash_hang_or_memory_breach() -> None:
    """A smaller seeded run of ``make bench``'s fuzzing (300 scripts, 100 .cast/.tape):
    the limits per input are CPU time and address space in the child, not a clock here."""
    figures = by_name(bench_fuzz.run(scripts=300, terminals=100))
    assert figures["inputs read"].value == 400
    for name in ("crashes (an exception out of a reader)", "hangs (over 5 s of CPU)",
                 "over 1 GB of memory"):  # fmt: skip
        assert figures[name].value == 0, name


def test_the_worker_model_stops_scaling_where_segments_or_the_join_run_out() -> None:
    from tests.bench.bench_dist import makespan, modelled_wall

    segments = [10.0] * 30
    assert makespan(segments, 1) == 300 and makespan(segments, 2) == 150
    assert makespan(segments, 30) == makespan(segments, 64) == 10  # one segment each at most
    walls = [modelled_wall(segments, n, serial_s=5, join_s=3) for n in (1, 8, 32, 64)]
    assert walls == sorted(walls, reverse=True) and walls[-1] == walls[-2] == 5 + 10 + 0.1
    # A join slower than the workers sets the pace.
    assert modelled_wall(segments, 64, serial_s=0, join_s=60) == 60 + 2
    assert modelled_wall(segments, 64, serial_s=0, join_s=60, mix_s=90) == 90 + 2
