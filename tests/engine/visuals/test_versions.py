"""Versions of a visual line: candidates, Pick, Lock and Regenerate against fake providers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import av
import cv2
import pytest

from app.engine.llm.keywords import overlap
from app.engine.store import Store
from app.engine.visuals.versions import lock, pick, regenerate_visual, visual_lines
from tests.engine.visuals.conftest import MakeGenerator, write_script
from tests.fakes.generators import STABILITY_KEY, FakeStability
from tests.fakes.memory_keyring import MemoryKeyring
from tests.fakes.stock import FakePexels
from tests.fakes.visual_media import close, colour_for, mean_colour

ROCKET = """\
## Liftoff

> visual: a rocket on the pad

The rocket engine fires and the launch pad shakes.
"""

LIGHTHOUSE = """\
## Storm

> visual: a lighthouse in a storm

Waves break against the lighthouse all night.
"""


@pytest.fixture
def stability(no_keys: MemoryKeyring, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeStability]:
    fake = FakeStability().start()
    monkeypatch.setenv("CASTLINE_STABILITY_URL", fake.url)
    no_keys.set_password("castline", "stability", STABILITY_KEY)
    yield fake
    fake.stop()


def clip_colour(path: Path) -> tuple[int, int, int]:
    with av.open(str(path)) as container:
        frame = next(container.decode(video=0)).to_ndarray(format="rgb24")
    return mean_colour(frame)


def still_colour(path: Path) -> tuple[int, int, int]:
    return mean_colour(cv2.cvtColor(cv2.imread(str(path), cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB))


def test_a_stock_search_keeps_candidates_and_a_pick_is_used_by_the_next_run(
    tmp_path: Path, pexels: FakePexels, make_generator: MakeGenerator, store: Store
) -> None:
    script = write_script(tmp_path, ROCKET, "visuals: [pexels]\n")
    plan = make_generator(candidates=2).run(script)
    (line,) = plan.visuals
    shown = plan.visuals[line]
    (state,) = visual_lines(store, plan.project_id, script)
    assert state.line == line and state.prompt == "a rocket on the pad"
    assert state.chosen is not None and state.chosen.asset.sha256 == shown.sha256
    assert state.candidates and all(v.candidate for v in state.candidates)
    narration = "The rocket engine fires and the launch pad shakes."
    for version in state.versions:
        # Each is a real clip of its stock item, and each shares words with the narration.
        tags = version.meta["tags"]
        assert overlap(tags, narration) > 0
        assert close(clip_colour(version.path), colour_for(" ".join(tags)))
        assert version.meta["stock_id"] and version.asset.kind == "video"
    assert len({v.meta["stock_id"] for v in state.versions}) == len(state.versions)

    other = state.candidates[0]
    picked = pick(store, other.id)
    assert picked.chosen and not picked.candidate
    searches = len(pexels.requests_to("search"))
    again = make_generator().run(script)
    assert again.visuals[line].sha256 == other.asset.sha256
    assert again.visuals[line].stock_id == other.meta["stock_id"]
    assert again.visuals[line].attribution == other.meta["attribution"]
    assert len(pexels.requests_to("search")) == searches, "a picked version asked the provider"
    (state,) = visual_lines(store, plan.project_id, script)
    assert state.chosen is not None and state.chosen.id == other.id


def test_a_locked_line_keeps_its_picture_when_the_style_changes(
    tmp_path: Path, stability: FakeStability, make_generator: MakeGenerator, store: Store
) -> None:
    first = make_generator().run(write_script(tmp_path, LIGHTHOUSE, "visuals: [stability]\n"))
    (line,) = first.visuals
    made = first.visuals[line]
    (state,) = visual_lines(
        store, first.project_id, write_script(tmp_path, LIGHTHOUSE, "visuals: [stability]\n")
    )
    assert state.chosen is not None
    assert lock(store, state.chosen).locked
    requests = len(stability.requests)
    spent = store.project_spend(first.project_id)

    restyled = write_script(tmp_path, LIGHTHOUSE, "visuals: [stability]\nstyle: pencil sketch\n")
    plan = make_generator().run(restyled)
    (moved,) = plan.visuals  # the style line moved it down; it is still the same visual
    assert moved == line + 1
    kept = plan.visuals[moved]
    assert kept.sha256 == made.sha256 and kept.cached and kept.cost_usd == 0
    assert close(still_colour(kept.path), colour_for(made.prompt_sent))
    assert len(stability.requests) == requests and store.project_spend(first.project_id) == spent

    (state,) = visual_lines(store, plan.project_id, restyled)
    assert state.chosen is not None
    lock(store, state.chosen, locked=False)
    fresh = make_generator().run(restyled).visuals[moved]
    assert fresh.sha256 != made.sha256 and "pencil sketch" in fresh.prompt_sent
    assert close(still_colour(fresh.path), colour_for(fresh.prompt_sent))
    (state,) = visual_lines(store, plan.project_id, restyled)
    assert [v.asset.sha256 for v in state.versions] == [made.sha256, fresh.sha256]
    assert state.chosen is not None and state.chosen.asset.sha256 == fresh.sha256


def test_regenerate_makes_a_new_paid_take_that_later_runs_use(
    tmp_path: Path, stability: FakeStability, make_generator: MakeGenerator, store: Store
) -> None:
    script = write_script(tmp_path, LIGHTHOUSE, "visuals: [stability]\n")
    first = make_generator().run(script)
    (line,) = first.visuals
    generator = make_generator()
    again = generator.regenerate(script, line)
    new = again.visuals[line]
    assert new.sha256 != first.visuals[line].sha256 and not new.cached
    assert new.seed != first.visuals[line].seed
    assert again.cost_usd == pytest.approx(0.03)
    assert [e.micro_usd for e in store.ledger(first.project_id)] == [30_000, 30_000]
    (state,) = visual_lines(store, first.project_id, script)
    assert [v.cost_usd for v in state.versions] == [0.03, 0.03]
    assert state.chosen is not None and state.chosen.asset.sha256 == new.sha256

    requests = len(stability.requests)
    assert make_generator().run(script).visuals[line].sha256 == new.sha256
    assert len(stability.requests) == requests

    pick(store, state.versions[0].id)
    assert make_generator().run(script).visuals[line].sha256 == first.visuals[line].sha256
    assert len(stability.requests) == requests

    (state,) = visual_lines(store, first.project_id, script)
    assert state.chosen is not None
    lock(store, state.chosen)
    with pytest.raises(ValueError, match="locked; unlock it"):
        regenerate_visual(script, line, store=store, options=generator.options)
    with pytest.raises(ValueError, match="not a `> visual:` line"):
        generator.regenerate(script, line + 1)


def test_regenerate_is_refused_by_the_budget_before_any_request(
    tmp_path: Path, stability: FakeStability, make_generator: MakeGenerator, store: Store
) -> None:
    script = write_script(tmp_path, LIGHTHOUSE, "visuals: [stability]\nbudget: 0.04\n")
    first = make_generator().run(script)
    (line,) = first.visuals
    requests = len(stability.requests)
    plan = make_generator().regenerate(script, line)
    assert plan.drawn == {line: "procedural"} and not plan.visuals
    assert any("would pass the budget" in n for n in plan.notes[line])
    assert len(stability.requests) == requests
    assert store.project_spend(first.project_id) == pytest.approx(0.03)
    (state,) = visual_lines(store, first.project_id, script)
    assert state.chosen is not None and state.chosen.asset.sha256 == first.visuals[line].sha256


def test_regenerating_stock_shows_an_item_the_line_has_not_shown(
    tmp_path: Path, pexels: FakePexels, make_generator: MakeGenerator, store: Store
) -> None:
    script = write_script(tmp_path, ROCKET, "visuals: [pexels]\n")
    first = make_generator().run(script)
    (line,) = first.visuals
    again = make_generator().regenerate(script, line).visuals[line]
    assert again.stock_id != first.visuals[line].stock_id
    assert overlap(list(again.tags), "The rocket engine fires and the launch pad shakes.") > 0
    assert make_generator().run(script).visuals[line].stock_id == again.stock_id


def test_regenerating_stock_takes_the_best_candidate_it_has_not_shown(
    tmp_path: Path, pexels: FakePexels, make_generator: MakeGenerator, store: Store
) -> None:
    script = write_script(tmp_path, ROCKET, "visuals: [pexels]\n")
    first = make_generator(candidates=1).run(script)
    (line,) = first.visuals
    (state,) = visual_lines(store, first.project_id, script)
    (offered,) = state.candidates
    again = make_generator(candidates=1).regenerate(script, line).visuals[line]
    assert again.sha256 == offered.asset.sha256 and again.stock_id == offered.meta["stock_id"]
    (state,) = visual_lines(store, first.project_id, script)
    assert state.chosen is not None and state.chosen.id == offered.id
    assert [v.candidate for v in state.versions] == [False, False]
    # Both shown now, and the library has no third match: the line keeps its take.
    last = make_generator().regenerate(script, line)
    assert last.drawn == {line: "procedural"} and any("no usable" in n for n in last.notes[line])
    (state,) = visual_lines(store, first.project_id, script)
    assert state.chosen is not None and state.chosen.id == offered.id
