"""Generated stills and clips against a fake Runway: tasks, money, faults, fallback, cancel."""

from __future__ import annotations

import base64
import logging
from pathlib import Path

import av
import cv2
import numpy as np
import pytest

from app.engine.jobs.progress import Cancelled, Progress
from app.engine.store import Store
from app.engine.visuals.providers.runway import RunwayProvider
from tests.engine.visuals.conftest import FakeClock, MakeGenerator, write_script
from tests.fakes.runway import RUNWAY_KEY, FakeRunway
from tests.fakes.server import Fault
from tests.fakes.stock import FakePexels
from tests.fakes.visual_media import close, colour_for, mean_colour

TWO_SCENES = """\
## Fire

> visual: a rocket engine igniting in slow motion

The engine lights and the whole pad shakes.

## Orbit

> visual: a satellite above the earth

Minutes later the satellite is in orbit.
"""
FRONT = "style: cinematic, teal and orange\nvisuals: [runway, pexels]\n"


def still_colour(path: Path) -> tuple[int, int, int]:
    picture = cv2.cvtColor(cv2.imread(str(path), cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)
    return mean_colour(picture)


def test_stills_are_generated_paid_once_and_carry_provenance(
    tmp_path: Path, runway: FakeRunway, make_generator: MakeGenerator, store: Store
) -> None:
    script = write_script(tmp_path, TWO_SCENES, FRONT)
    plan = make_generator().run(script)
    assert sorted(v.provider for v in plan.visuals.values()) == ["runway", "runway"]
    first, second = (plan.visuals[n] for n in sorted(plan.visuals))
    # the style is carried into every prompt, and every still is in its prompt's colour
    assert (
        first.prompt_sent == "a rocket engine igniting in slow motion, cinematic, teal and orange"
    )
    assert close(still_colour(first.path), colour_for(first.prompt_sent))
    assert close(
        still_colour(second.path), colour_for(second.prompt_sent.split(", in the look of @")[0])
    )
    assert first.width > first.height and first.kind == "still"
    # the contract: headers, model, ratio, one seed for the whole video
    creates = runway.requests_to("/v1/text_to_image")
    assert {r.headers["x-runway-version"] for r in creates} == {"2024-11-06"}
    assert {r.headers["authorization"] for r in creates} == {f"Bearer {RUNWAY_KEY}"}
    assert {r.body["model"] for r in creates} == {"gen4_image"} and {
        r.body["ratio"] for r in creates
    } == {"1920:1080"}
    assert len({r.body["seed"] for r in creates}) == 1
    # the first still is the style reference of the second (Runway referenceImages)
    by_prompt = {r.body["promptText"]: r.body for r in creates}
    assert "referenceImages" not in by_prompt[first.prompt_sent]
    reference = by_prompt[second.prompt_sent]["referenceImages"][0]
    assert reference["tag"] == "look" and reference["uri"].startswith("data:image/jpeg;base64,")
    decoded = cv2.imdecode(
        np.frombuffer(base64.b64decode(reference["uri"].split(",", 1)[1]), np.uint8),
        cv2.IMREAD_COLOR,
    )
    assert close(
        mean_colour(cv2.cvtColor(decoded, cv2.COLOR_BGR2RGB)), colour_for(first.prompt_sent)
    )
    # money: 8 credits a still, in the ledger, within the estimate
    ledger = store.ledger(plan.project_id)
    assert [e.provider for e in ledger] == ["runway", "runway"] and sum(
        e.micro_usd for e in ledger
    ) == 160_000
    assert plan.cost_usd == pytest.approx(0.16) and plan.estimate_usd == pytest.approx(0.16)
    asset = store.get_asset(first.sha256 or "")
    assert asset is not None
    assert asset.provenance["provider"] == "runway" and asset.provenance["model"] == "gen4_image"
    assert asset.provenance["prompt"] == "a rocket engine igniting in slow motion"
    assert asset.provenance["prompt_sent"] == first.prompt_sent
    assert (
        asset.provenance["seed"] == creates[0].body["seed"] and asset.provenance["cost_usd"] == 0.08
    )


def test_a_clip_is_made_from_its_still_and_fits_the_shape(
    tmp_path: Path, runway: FakeRunway, make_generator: MakeGenerator, store: Store
) -> None:
    body = "## Fire\n\n> visual (runway, clip): a rocket engine igniting\n\nThe engine lights. It roars. The pad shakes.\n"
    script = write_script(tmp_path, body, 'aspect: "9:16"\n')
    plan = make_generator().run(script)
    clip = next(iter(plan.visuals.values()))
    assert clip.kind == "clip" and clip.height > clip.width and clip.duration_ms == 5000
    video = runway.requests_to("/v1/image_to_video")[0].body
    assert (
        video["model"] == "gen4_turbo" and video["ratio"] == "720:1280" and video["duration"] == 5
    )
    assert runway.requests_to("/v1/text_to_image")[0].body["ratio"] == "1080:1920"
    with av.open(str(clip.path)) as container:
        frame = next(container.decode(video=0)).to_ndarray(format="rgb24")
    assert close(mean_colour(frame), colour_for(clip.prompt_sent))
    assert plan.cost_usd == pytest.approx(0.08 + 0.25)
    assert sum(e.micro_usd for e in store.ledger(plan.project_id)) == 330_000


def test_a_rerun_is_free_and_editing_one_prompt_regenerates_one(
    tmp_path: Path, runway: FakeRunway, make_generator: MakeGenerator, store: Store
) -> None:
    script = write_script(tmp_path, TWO_SCENES, FRONT)
    first = make_generator().run(script)
    runway.clear()
    again = make_generator().run(script)
    assert runway.requests == [] and again.cache_hits == 2 and again.cost_usd == 0
    edited = write_script(
        tmp_path, TWO_SCENES.replace("a satellite above the earth", "a space station"), FRONT
    )
    third = make_generator().run(edited)
    assert third.provider_calls == 1 and third.cache_hits == 1 and third.generated == 1
    assert len(runway.requests_to("/v1/text_to_image")) == 1
    assert [n for n in third.visuals if third.visuals[n].path != first.visuals[n].path] == [
        max(third.visuals)
    ]
    assert len(store.ledger(first.project_id)) == 3


def test_a_prompt_refused_for_safety_is_not_retried_charged_or_lost(
    tmp_path: Path,
    runway: FakeRunway,
    pexels: FakePexels,
    make_generator: MakeGenerator,
    store: Store,
) -> None:
    runway.fail_words["rocket"] = (
        "SAFETY.INPUT.TEXT",
        "The prompt was flagged by content moderation",
    )
    runway.throttle_first = 3  # queued over the concurrency limit first, then refused
    plan = make_generator().run(write_script(tmp_path, TWO_SCENES, FRONT))
    refused = plan.visuals[min(plan.visuals)]
    assert refused.provider == "pexels" and "rocket" in " ".join(refused.tags)
    assert any("SAFETY.INPUT.TEXT" in n and "reword" in n for n in plan.notes[refused.line])
    rocket_tasks = [t for t in runway.created("still") if "rocket" in t.body["promptText"]]
    assert len(rocket_tasks) == 1, "a safety refusal was retried"
    assert rocket_tasks[0].polls >= 4 and rocket_tasks[0].status == "FAILED"
    assert [e.micro_usd for e in store.ledger(plan.project_id)] == [80_000]  # only the other still


def test_a_task_stuck_in_throttled_is_given_up_at_its_deadline_and_cancelled(
    tmp_path: Path,
    runway: FakeRunway,
    make_generator: MakeGenerator,
    clock: FakeClock,
    store: Store,
) -> None:
    runway.throttle_words.add("satellite")
    plan = make_generator().run(write_script(tmp_path, TWO_SCENES, FRONT))
    stuck = max(plan.drawn)
    assert plan.drawn[stuck] == "procedural"
    assert any("THROTTLED" in n and "10 minutes" in n for n in plan.notes[stuck])
    task = next(t for t in runway.created() if "satellite" in t.body["promptText"])
    assert runway.cancelled == [task.id]
    assert clock.now - 1000 >= 600 and max(clock.sleeps) <= 6 * 1.2
    assert all(
        5 * 0.8 <= s <= 6 * 1.2 for s in clock.sleeps[:-1]
    )  # polled about every 6 s, with jitter
    assert [e.micro_usd for e in store.ledger(plan.project_id)] == [80_000]


def test_rate_limits_server_errors_and_lost_downloads_are_survived(
    tmp_path: Path,
    runway: FakeRunway,
    make_generator: MakeGenerator,
    clock: FakeClock,
    store: Store,
) -> None:
    runway.inject(
        Fault(
            status=429,
            error={"error": "Too many requests"},
            headers={"Retry-After": "9"},
            path_contains="/v1/text_to_image",
        ),
        Fault(status=502, error={"error": "bad gateway"}, path_contains="/v1/tasks/"),
        Fault(drop_mid_body=True, path_contains="/files/"),
    )
    runway.expire_next = 1
    body = "## Fire\n\n> visual: a rocket engine igniting\n\nThe engine lights.\n"
    plan = make_generator().run(write_script(tmp_path, body, "visuals: [runway]\n"))
    visual = next(iter(plan.visuals.values()))
    assert close(still_colour(visual.path), colour_for(visual.prompt_sent))
    assert 9.0 in clock.sleeps
    assert len(runway.created()) == 1, "a lost download started a second (paid) task"
    assert [e.micro_usd for e in store.ledger(plan.project_id)] == [80_000]


def test_a_wrong_key_falls_back_after_one_request(
    tmp_path: Path,
    runway: FakeRunway,
    pexels: FakePexels,
    make_generator: MakeGenerator,
    caplog: pytest.LogCaptureFixture,
) -> None:
    runway.valid_keys = {"key_other"}
    caplog.set_level(logging.DEBUG)
    plan = make_generator().run(write_script(tmp_path, TWO_SCENES, FRONT))
    assert {v.provider for v in plan.visuals.values()} == {"pexels"}
    assert len(runway.requests) == 1
    assert any("RUNWAYML_API_SECRET" in n and "401" in n for n in plan.notes[min(plan.notes)])
    assert RUNWAY_KEY not in caplog.text


def test_a_budget_too_small_is_refused_before_any_request(
    tmp_path: Path,
    runway: FakeRunway,
    pexels: FakePexels,
    make_generator: MakeGenerator,
    store: Store,
) -> None:
    plan = make_generator(budget_usd=0.10).run(write_script(tmp_path, TWO_SCENES, FRONT))
    providers = [plan.visuals[n].provider for n in sorted(plan.visuals)]
    assert providers == ["runway", "pexels"]  # the first still fits, the second would pass $0.10
    assert len(runway.requests_to("/v1/text_to_image")) == 1
    note = " ".join(plan.notes[max(plan.visuals)])
    assert "refused before any request" in note and "budget" in note
    assert store.project_spend(plan.project_id) <= 0.10
    nothing = make_generator(budget_usd=0.0, chain=["runway"]).estimate(
        write_script(tmp_path, TWO_SCENES, FRONT)
    )
    assert nothing.total_usd == 0.0


def test_a_clip_in_an_unusable_format_moves_on(
    tmp_path: Path, runway: FakeRunway, pexels: FakePexels, make_generator: MakeGenerator
) -> None:
    runway.corrupt_clips = True
    body = "## Fire\n\n> visual (clip): a rocket engine igniting\n\nThe rocket engine lights.\n"
    plan = make_generator().run(write_script(tmp_path, body, FRONT))
    visual = next(iter(plan.visuals.values()))
    assert visual.provider == "pexels" and visual.kind == "clip"
    assert any("cannot be decoded" in n for n in plan.notes[visual.line])


class CancellingClock(FakeClock):
    """Cancels the job the first time the code waits between status polls."""

    def __init__(self, progress: Progress) -> None:
        super().__init__()
        self.progress = progress

    def sleep(self, seconds: float) -> None:
        super().sleep(seconds)
        self.progress.cancel()


def test_cancelling_the_job_cancels_its_remote_tasks(
    tmp_path: Path, runway: FakeRunway, make_generator: MakeGenerator, store: Store
) -> None:
    from app.engine.net.retry import RetryPolicy
    from app.engine.visuals.providers import ProviderSettings

    progress = Progress()
    clock = CancellingClock(progress)
    settings = ProviderSettings(
        sleep=clock.sleep, clock=clock, download_retry=RetryPolicy(attempts=2, base_delay_s=0.01)
    )
    generator = make_generator(settings=settings)
    with pytest.raises(Cancelled):
        generator.run(write_script(tmp_path, TWO_SCENES, FRONT), progress)
    created = runway.created()
    assert created and sorted(runway.cancelled) == sorted(t.id for t in created)
    assert store.ledger(None) == []


def test_the_provider_says_what_it_would_cost() -> None:
    from app.engine.visuals.providers import Target, VisualRequest

    provider = RunwayProvider()
    target = Target(1920, 1080)
    assert provider.estimate_cost(VisualRequest("x", "still", target)) == pytest.approx(0.08)
    assert provider.estimate_cost(
        VisualRequest("x", "clip", target, duration_ms=9000)
    ) == pytest.approx(0.08 + 0.5)
