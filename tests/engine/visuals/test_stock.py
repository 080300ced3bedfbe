"""Stock footage against fake Pexels and Pixabay: words, order, no repeats, orientation, credits."""

from __future__ import annotations

from pathlib import Path

import av

from app.engine.llm.keywords import overlap
from app.engine.store import Store
from tests.engine.visuals.conftest import MakeGenerator, write_script
from tests.fakes.server import Fault
from tests.fakes.stock import FakePexels, FakePixabay
from tests.fakes.visual_media import close, colour_for, mean_colour

THREE_SCENES = """\
## Liftoff

> visual: a rocket on the pad

The rocket engine fires and the launch pad shakes.

## Servers

> visual: racks of machines

Every server rack hums with blinking lights.

## Again

> visual: another launch

A second rocket climbs away from the launch pad.
"""


def first_frame(path: Path) -> tuple[tuple[int, int, int], int, int]:
    with av.open(str(path)) as container:
        frame = next(container.decode(video=0))
        rgb = frame.to_ndarray(format="rgb24")
    return mean_colour(rgb), frame.width, frame.height


def test_clips_match_the_narration_keep_its_order_and_never_repeat(
    tmp_path: Path, pexels: FakePexels, make_generator: MakeGenerator, store: Store
) -> None:
    script = write_script(tmp_path, THREE_SCENES, "visuals: [pexels]\n")
    plan = make_generator().run(script)
    lines = sorted(plan.visuals)
    assert len(lines) == 3 and not plan.drawn
    visuals = [plan.visuals[n] for n in lines]
    assert len({v.stock_id for v in visuals}) == 3, "a stock clip was used twice"
    narrations = [
        "The rocket engine fires and the launch pad shakes.",
        "Every server rack hums with blinking lights.",
        "A second rocket climbs away from the launch pad.",
    ]
    for visual, narration in zip(visuals, narrations, strict=True):
        assert visual.kind == "clip" and visual.provider == "pexels"
        assert overlap(list(visual.tags), narration) > 0, (visual.tags, narration)
        colour, width, height = first_frame(visual.path)
        words = " ".join(t for t in visual.tags)
        assert close(colour, colour_for(words)), (colour, words)
        assert width > height, "a 16:9 video got portrait footage"
    # the fake puts an unrelated clip first in every answer: ranking, not order, chose these
    searches = pexels.requests_to("/videos/search")
    assert searches and all(r.query["orientation"] == "landscape" for r in searches)
    assert searches[0].headers["authorization"] == "pexels_test_key_0123456789"
    # credits in narration order, for the description
    assert plan.attributions == [v.attribution for v in visuals]
    assert all(a and "on Pexels" in a and "pexels.com/video/" in a for a in plan.attributions)
    # stock is free: nothing in the ledger; provenance on each asset
    assert store.ledger(plan.project_id) == []
    asset = store.get_asset(visuals[0].sha256 or "")
    assert asset is not None and asset.kind == "video"
    assert (
        asset.provenance["provider"] == "pexels"
        and asset.provenance["prompt"] == "a rocket on the pad"
    )
    assert asset.provenance["prompt_sent"] == plan.terms[lines[0]][0]


def test_terms_come_from_the_narration_in_order(
    tmp_path: Path, pexels: FakePexels, make_generator: MakeGenerator
) -> None:
    script = write_script(tmp_path, THREE_SCENES, "visuals: [pexels]\n")
    plan = make_generator().run(script)
    for line, terms in plan.terms.items():
        assert 1 <= len(terms) <= 3
        narration = next(v for v in [plan.visuals[line]]).prompt
        assert narration
    first = plan.terms[min(plan.terms)]
    text = "the rocket engine fires and the launch pad shakes."
    positions = [text.find(t.split()[0]) for t in first]
    assert all(p >= 0 for p in positions) and positions == sorted(positions), first


def test_a_portrait_video_gets_portrait_footage_even_when_search_ignores_it(
    tmp_path: Path, pexels: FakePexels, make_generator: MakeGenerator
) -> None:
    pexels.ignore_orientation = True  # the library answers both shapes mixed
    script = write_script(tmp_path, THREE_SCENES, 'aspect: "9:16"\nvisuals: [pexels]\n')
    plan = make_generator().run(script)
    assert len(plan.visuals) == 3
    for visual in plan.visuals.values():
        _colour, width, height = first_frame(visual.path)
        assert height > width and visual.height > visual.width
    assert all(r.query["orientation"] == "portrait" for r in pexels.requests_to("/videos/search"))


def test_a_search_with_no_results_falls_back_with_a_message(
    tmp_path: Path, pexels: FakePexels, make_generator: MakeGenerator
) -> None:
    script = write_script(
        tmp_path,
        "## Odd\n\n> visual: zxqv\n\nQuixotic zyzzyva jabberwocky.\n",
        "visuals: [pexels]\n",
    )
    plan = make_generator().run(script)
    line = next(iter(plan.drawn))
    assert plan.drawn[line] == "procedural" and plan.for_line(line) is None
    assert any("no usable clips" in n and "landscape" in n for n in plan.notes[line]), plan.notes


def test_rate_limits_and_dropped_downloads_are_retried(
    tmp_path: Path, pexels: FakePexels, make_generator: MakeGenerator, clock: object
) -> None:
    pexels.inject(
        Fault(
            status=429,
            error={"error": "Rate limit exceeded"},
            headers={"Retry-After": "7"},
            path_contains="/videos/search",
        ),
        Fault(drop_mid_body=True, path_contains="/files/video/"),
        Fault(status=503, error={"error": "busy"}, path_contains="/files/video/"),
    )
    script = write_script(
        tmp_path,
        "## One\n\n> visual: a rocket\n\nThe rocket launch begins.\n",
        "visuals: [pexels]\n",
    )
    plan = make_generator().run(script)
    visual = next(iter(plan.visuals.values()))
    colour, _w, _h = first_frame(visual.path)
    assert close(colour, colour_for(" ".join(visual.tags)))
    assert 7.0 in clock.sleeps  # type: ignore[attr-defined]
    assert len(pexels.requests_to("/files/video/")) == 3


def test_a_wrong_key_moves_on_to_the_next_library(
    tmp_path: Path, pexels: FakePexels, pixabay: FakePixabay, make_generator: MakeGenerator
) -> None:
    pexels.valid_keys = {"another key"}
    script = write_script(tmp_path, THREE_SCENES, "visuals: [pexels, pixabay]\n")
    plan = make_generator().run(script)
    assert {v.provider for v in plan.visuals.values()} == {"pixabay"}
    assert len(pexels.requests) == 1, "a refused key was tried again"
    note = plan.notes[min(plan.notes)][0]
    assert "401" in note and "PEXELS_API_KEY" in note
    assert all("on Pixabay" in a for a in plan.attributions)
    assert all(
        r.query["key"] == "pixabay-test-key-0123456789" for r in pixabay.requests_to("/api/")
    )


def test_a_rerun_asks_nothing_and_an_edited_prompt_fetches_one(
    tmp_path: Path, pexels: FakePexels, make_generator: MakeGenerator
) -> None:
    script = write_script(tmp_path, THREE_SCENES, "visuals: [pexels]\n")
    first = make_generator().run(script)
    pexels.clear()
    again = make_generator().run(script)
    assert pexels.requests == [] and again.cache_hits == 3 and again.provider_calls == 0
    assert {n: v.path for n, v in again.visuals.items()} == {
        n: v.path for n, v in first.visuals.items()
    }
    edited = write_script(
        tmp_path,
        THREE_SCENES.replace(
            "Every server rack hums with blinking lights.",
            "Rows of network cables run into the switch.",
        ),
        "visuals: [pexels]\n",
    )
    third = make_generator().run(edited)
    assert third.provider_calls == 1 and third.cache_hits == 2
    changed = [n for n in third.visuals if third.visuals[n].stock_id != first.visuals[n].stock_id]
    assert len(changed) == 1 and "cable" in " ".join(third.visuals[changed[0]].tags)
