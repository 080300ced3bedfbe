"""fal.ai (FLUX stills, Pika clips), OpenAI Images and Stability against their fakes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import av
import cv2
import pytest

from app.engine.net.retry import RetryPolicy
from app.engine.store import Store
from app.engine.visuals.providers import ProviderSettings
from tests.engine.visuals.conftest import FakeClock, MakeGenerator, write_script
from tests.fakes.generators import (
    FAL_KEY,
    OPENAI_KEY,
    STABILITY_KEY,
    FakeFal,
    FakeOpenAIImages,
    FakeStability,
    multipart_fields,
)
from tests.fakes.memory_keyring import MemoryKeyring
from tests.fakes.visual_media import close, colour_for, mean_colour

TWO = """\
## One

> visual: a lighthouse in a storm

Waves crash against the lighthouse.

## Two

> visual: a forbidden thing

Something nobody should draw.
"""


@pytest.fixture
def fal(no_keys: MemoryKeyring, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeFal]:
    fake = FakeFal().start()
    monkeypatch.setenv("CASTLINE_FAL_URL", fake.url)
    no_keys.set_password("castline", "fal", FAL_KEY)
    yield fake
    fake.stop()


@pytest.fixture
def openai_images(
    no_keys: MemoryKeyring, monkeypatch: pytest.MonkeyPatch
) -> Iterator[FakeOpenAIImages]:
    fake = FakeOpenAIImages().start()
    monkeypatch.setenv("CASTLINE_OPENAI_URL", fake.url)
    monkeypatch.setenv("OPENAI_API_KEY", OPENAI_KEY)
    yield fake
    fake.stop()


@pytest.fixture
def stability(no_keys: MemoryKeyring, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeStability]:
    fake = FakeStability().start()
    monkeypatch.setenv("CASTLINE_STABILITY_URL", fake.url)
    no_keys.set_password("castline", "stability", STABILITY_KEY)
    yield fake
    fake.stop()


def picture_colour(path: Path) -> tuple[int, int, int]:
    return mean_colour(cv2.cvtColor(cv2.imread(str(path), cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB))


def test_fal_stills_and_a_refusal_that_falls_to_the_next_provider(
    tmp_path: Path,
    fal: FakeFal,
    stability: FakeStability,
    make_generator: MakeGenerator,
    store: Store,
) -> None:
    plan = make_generator().run(write_script(tmp_path, TWO, "visuals: [fal, stability]\n"))
    lighthouse = plan.visuals[min(plan.visuals)]
    assert lighthouse.provider == "fal" and lighthouse.model == "fal-ai/flux/schnell"
    assert close(picture_colour(lighthouse.path), colour_for(lighthouse.prompt_sent))
    submit = next(iter(fal.requests_made.values()))["body"]
    assert submit["image_size"] == "landscape_16_9" and submit["num_inference_steps"] == 4
    assert fal.requests_to("/fal-ai/flux/schnell")[0].headers["authorization"] == f"Key {FAL_KEY}"
    # the forbidden prompt: refused by fal (422 content policy), then by Stability (filtered)
    line = max(plan.notes)
    assert plan.drawn[line] == "procedural"
    assert any("content policy" in n for n in plan.notes[line]) and any(
        "content filter" in n for n in plan.notes[line]
    )
    assert [(e.provider, e.micro_usd) for e in store.ledger(plan.project_id)] == [("fal", 1769)]


def test_fal_makes_portrait_pika_clips_and_cancels_a_stuck_request(
    tmp_path: Path, fal: FakeFal, make_generator: MakeGenerator, clock: FakeClock
) -> None:
    body = (
        "## One\n\n> visual (fal, clip): waves on rocks\n\nWaves roll in.\n\n"
        "## Two\n\n> visual (fal, clip): a stuck queue\n\nNothing happens.\n"
    )
    fal.stuck_words.add("stuck")
    # One request at a time: the fake clock is shared, so a stuck request polling beside
    # the good one would spend the good one's deadline too, as fast as the machine allows.
    settings = ProviderSettings(
        sleep=clock.sleep,
        clock=clock,
        download_retry=RetryPolicy(attempts=3, base_delay_s=0.01),
        options={"fal": {"concurrency": 1}},
    )
    plan = make_generator(settings=settings).run(write_script(tmp_path, body, 'aspect: "9:16"\n'))
    clip = plan.visuals[min(plan.visuals)]
    assert clip.kind == "clip" and clip.height > clip.width and clip.duration_ms == 5000
    with av.open(str(clip.path)) as container:
        frame = next(container.decode(video=0)).to_ndarray(format="rgb24")
    assert close(mean_colour(frame), colour_for(clip.prompt_sent))
    bodies = {r["body"]["prompt"]: r for r in fal.requests_made.values()}
    pika = bodies[clip.prompt_sent]
    assert (
        pika["app"] == "fal-ai/pika/v2.5/text-to-video" and pika["body"]["aspect_ratio"] == "9:16"
    )
    assert pika["body"]["duration"] == 5 and pika["body"]["resolution"] == "720p"
    stuck_id = next(k for k, v in fal.requests_made.items() if "stuck" in v["body"]["prompt"])
    assert fal.cancelled == [stuck_id] and clock.now - 1000 >= 600
    assert any("10 minutes" in n for n in plan.notes[max(plan.notes)])


def test_a_task_queued_behind_a_slow_one_gets_its_whole_deadline(
    tmp_path: Path, fal: FakeFal, make_generator: MakeGenerator, clock: FakeClock
) -> None:
    """Two slow tasks, one at a time: each takes about 7 of its 10 minutes, so the second
    only finishes if its deadline starts when it is sent, not when it began to queue."""
    fal.polls_to_finish = 70  # about 70 polls of 6 s: some 420 s a task
    body = (
        "## One\n\n> visual (fal): waves on rocks\n\nWaves roll in.\n\n"
        "## Two\n\n> visual (fal): gulls over the sea\n\nGulls call.\n"
    )
    settings = ProviderSettings(
        sleep=clock.sleep,
        clock=clock,
        download_retry=RetryPolicy(attempts=3, base_delay_s=0.01),
        options={"fal": {"concurrency": 1}},
    )
    plan = make_generator(settings=settings).run(write_script(tmp_path, body))
    assert clock.now - 1000 > 600  # together they outlast one deadline
    assert sorted(v.provider for v in plan.visuals.values()) == ["fal", "fal"], plan.notes
    assert fal.cancelled == []


def test_openai_images_stills_sizes_and_safety(
    tmp_path: Path, openai_images: FakeOpenAIImages, make_generator: MakeGenerator, store: Store
) -> None:
    plan = make_generator().run(write_script(tmp_path, TWO, 'aspect: "9:16"\nvisuals: [openai]\n'))
    lighthouse = plan.visuals[min(plan.visuals)]
    assert lighthouse.provider == "openai" and lighthouse.height > lighthouse.width
    assert close(picture_colour(lighthouse.path), colour_for(lighthouse.prompt_sent))
    sent = openai_images.requests_to("/v1/images/generations")
    assert {r.body["size"] for r in sent} == {"1024x1536"} and {
        r.body["quality"] for r in sent
    } == {"low"}
    assert sent[0].body["model"] == "gpt-image-1"
    refused = max(plan.notes)
    assert any("safety system" in n for n in plan.notes[refused])
    assert len([r for r in sent if "forbidden" in r.body["prompt"]]) == 1
    assert [(e.provider, e.micro_usd) for e in store.ledger(plan.project_id)] == [
        ("openai", 16_000)
    ]


def test_openai_cannot_make_clips_so_a_clip_line_moves_on(
    tmp_path: Path, openai_images: FakeOpenAIImages, make_generator: MakeGenerator
) -> None:
    body = "## One\n\n> visual (openai, clip): a lighthouse\n\nWaves.\n"
    plan = make_generator().run(write_script(tmp_path, body))
    line = next(iter(plan.drawn))
    assert openai_images.requests == [] and any("makes no clips" in n for n in plan.notes[line])


def test_stability_sends_multipart_and_reads_json(
    tmp_path: Path, stability: FakeStability, make_generator: MakeGenerator, store: Store
) -> None:
    plan = make_generator().run(write_script(tmp_path, TWO, "visuals: [stability]\n"))
    lighthouse = plan.visuals[min(plan.visuals)]
    assert close(picture_colour(lighthouse.path), colour_for(lighthouse.prompt_sent))
    sent = stability.requests_to("/v2beta/stable-image/generate/core")
    fields = multipart_fields(sent[0])
    assert (
        fields["aspect_ratio"] == "16:9"
        and fields["output_format"] == "png"
        and fields["seed"].isdigit()
    )
    assert sent[0].headers["accept"] == "application/json"
    assert lighthouse.seed == int(fields["seed"])
    assert [(e.provider, e.micro_usd) for e in store.ledger(plan.project_id)] == [
        ("stability", 30_000)
    ]
