"""Visual figures against the fakes: planning and fetching the five-minute script's visuals,
cold and from the cache; what a re-run costs after one prompt is edited; stock relevance.

Runway and Pexels are the fakes from ``tests/fakes`` (real HTTP on 127.0.0.1, real PNG
and MP4 files); Runway's status polls are spaced 10 ms apart instead of 6 s, so the
figures measure Castline, not the poll interval. Relevance is the share of scenes whose
chosen stock clip is tagged with a word of the scene's narration; the baseline is the
expected share for a pick at random from the same search results (the fake's results,
like real stock search, mix unrelated clips in).
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from tests.bench.common import Figure

EXTRA_CATALOGUE = [
    "machines server room",
    "careful hands typing",
    "private key lock",
    "messages phone screen",
    "network wire cable",
    "protocol diagram whiteboard",
    "session login screen",
    "recording studio microphone",
    "attacker hooded hacker",
    "exchange handshake business",
    "connection fiber optic",
    "fresh code screen",
    "old machines factory",
    "keys on a ring",
    "private office door",
    "copper wire spool",
    "session musicians",
    "tape recording reel",
    "message in a bottle",
    "careful surgeon",
    "secure exchange vault",
    "fresh morning air",
    "wire fence field",
    "protocol officer",
    "crosses on a hill",
    "two machines talking",
]


def run() -> list[Figure]:
    with tempfile.TemporaryDirectory(prefix="castline-bench-visuals-") as tmp:
        for name in ("DATA", "CACHE", "CONFIG"):
            os.environ[f"CASTLINE_{name}_DIR"] = str(Path(tmp) / name.lower())
        for name in ("CASTLINE_LLM_URL", "CASTLINE_LLM_MODEL"):
            os.environ.pop(name, None)
        return _measure(Path(tmp))


def _measure(tmp: Path) -> list[Figure]:
    import keyring

    from app.engine.llm.keywords import overlap
    from app.engine.net.retry import RetryPolicy
    from app.engine.script import parse_text
    from app.engine.store import Store
    from app.engine.visuals.generate import VisualGenerator, VisualOptions
    from app.engine.visuals.plan import visual_jobs
    from app.engine.visuals.providers import ProviderSettings
    from tests.bench.bench_render import five_minute_script
    from tests.fakes.memory_keyring import MemoryKeyring
    from tests.fakes.runway import RUNWAY_KEY, FakeRunway
    from tests.fakes.stock import DEFAULT_CATALOGUE, PEXELS_KEY, FakePexels, catalogue

    previous = keyring.get_keyring()
    memory = MemoryKeyring()
    keyring.set_keyring(memory)
    memory.set_password("castline", "runway", RUNWAY_KEY)
    memory.set_password("castline", "pexels", PEXELS_KEY)
    pexels = FakePexels(catalogue(DEFAULT_CATALOGUE + EXTRA_CATALOGUE, portrait_too=False)).start()
    runway = FakeRunway(polls_to_finish=2).start()
    saved_env = {k: os.environ.get(k) for k in ("CASTLINE_PEXELS_URL", "CASTLINE_RUNWAY_URL")}
    os.environ["CASTLINE_PEXELS_URL"] = pexels.url
    os.environ["CASTLINE_RUNWAY_URL"] = runway.url
    settings = ProviderSettings(
        poll_s=0.01, download_retry=RetryPolicy(attempts=3, base_delay_s=0.01)
    )
    store = Store.open(f"sqlite:///{tmp / 'bench.db'}", assets_dir=tmp / "assets")
    text = five_minute_script()
    path = tmp / "five.md"
    figures: list[Figure] = []
    try:
        for chain in (["pexels"], ["runway"]):
            name = chain[0]
            store_path = tmp / f"{name}.md"
            store_path.write_text(text)
            script = parse_text(text, path=str(store_path), base_dir=tmp)

            def generator(chain: list[str] = chain) -> VisualGenerator:
                return VisualGenerator(
                    store, VisualOptions(chain=chain, settings=settings, budget_usd=100.0)
                )

            t0 = time.perf_counter()
            with generator() as first:
                cold = first.run(script)
            cold_s = time.perf_counter() - t0
            t0 = time.perf_counter()
            with generator() as second:
                warm = second.run(script)
            warm_s = time.perf_counter() - t0
            assert warm.cache_hits == len(warm.visuals) == len(cold.visuals), (
                warm.notes,
                cold.notes,
            )
            fake = pexels if name == "pexels" else runway
            edited_text = text.replace("> visual: a lighthouse", "> visual: a lighthouse at night")
            store_path.write_text(edited_text)
            edited = parse_text(edited_text, path=str(store_path), base_dir=tmp)
            fake.clear()
            with generator() as third:
                rerun = third.run(edited)
            http = len(fake.requests)
            figures += [
                Figure(
                    f"{name}: plan and fetch the 5-minute script's visuals "
                    f"({len(cold.visuals)} of {len(visual_jobs(script))}), first run",
                    cold_s,
                    "s",
                ),
                Figure(
                    f"{name}: the same, all from the cache",
                    warm_s,
                    "s",
                    cold_s,
                    "first run",
                    goal="< 0.5 s",
                ),
                Figure(
                    f"{name}: visuals requested after editing one prompt",
                    rerun.provider_calls,
                    "visuals",
                    goal="1",
                ),
                Figure(f"{name}: HTTP requests for that one visual", http, "requests"),
            ]
            if name == "pexels":
                figures += _relevance(cold, script, pexels, overlap)
    finally:
        store.close()
        pexels.stop()
        runway.stop()
        keyring.set_keyring(previous)
        for name, value in saved_env.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        path.unlink(missing_ok=True)
    return figures


def _relevance(plan: object, script: object, pexels: object, overlap: object) -> list[Figure]:
    """Chosen clips that share a word with their scene's narration, against a random pick."""
    from app.engine.model.script import Script
    from app.engine.visuals.plan import VisualPlan, visual_jobs
    from tests.fakes.stock import FakePexels

    assert (
        isinstance(plan, VisualPlan)
        and isinstance(script, Script)
        and isinstance(pexels, FakePexels)
    )
    assert callable(overlap)
    ours: list[float] = []
    random_pick: list[float] = []
    first: list[float] = []
    for job in visual_jobs(script):
        narration = job.narration
        visual = plan.for_line(job.beat.line)
        if visual is None:
            continue
        ours.append(1.0 if overlap(list(visual.tags), narration) > 0 else 0.0)
        results = pexels.search(visual.prompt_sent, False)
        if results:
            hits = [1.0 if overlap(item.words.split(), narration) > 0 else 0.0 for item in results]
            random_pick.append(sum(hits) / len(hits))
            first.append(hits[0])
    return [
        Figure(
            "stock relevance: chosen clip shares a narration term",
            100.0 * sum(ours) / max(1, len(ours)),
            "%",
            100.0 * sum(random_pick) / max(1, len(random_pick)),
            "random pick from the same results",
            goal="100 %",
        ),
        Figure(
            "stock relevance, against the first search result",
            100.0 * sum(ours) / max(1, len(ours)),
            "%",
            100.0 * sum(first) / max(1, len(first)),
            "the library's first result",
        ),
    ]
