"""The visuals issue's finish line, checked on real scripts against the fakes.

- With only a Pexels key, the held-out scripts (the shared corpus and the shipped
  examples, none written for these fakes) get a distinct, relevant clip for every scene,
  and the rendered frames show them.
- With a Runway key, every ``> visual:`` scene shows the fake's picture and the cost
  ledger matches what the fake would bill.
"""

from __future__ import annotations

import re
from pathlib import Path

import av
import pytest

from app.engine.render.project import render_script
from app.engine.script import parse_file
from app.engine.store import Store
from app.engine.visuals.generate import generate_visuals
from app.engine.visuals.plan import visual_jobs
from tests.conftest import EXAMPLES, SHARED_CORPUS
from tests.engine.visuals.conftest import write_script
from tests.fakes.runway import FakeRunway
from tests.fakes.stock import FakePexels, catalogue
from tests.fakes.visual_media import close, colour_for, frame_colour

# A few clips on these subjects, plus (``wide``) something for any word, as a real
# library has; searches still mix in unrelated clips, so picking the first is not enough.
LIBRARY = [
    "server rack lights", "data centre server aisle", "network cables switch", "glowing key lock",
    "padlock security keys", "encrypted tunnel lights", "laptop terminal screen",
    "keyboard typing hands", "python code screen", "golden spiral shell", "spiral galaxy light",
    "git branch commit", "office desk laptop", "handshake business people", "phone book pages",
    "computer numbers screen", "internet cables map", "dns website address", "record vinyl player",
    "city night traffic", "mountain lake dawn", "ocean waves beach", "forest fog trees",
    "clock gears turning", "rocket launch pad", "library books shelf", "coffee cup steam",
    "undo arrow sign", "login screen password", "shell beach sand", "secret door key",
    "machine server room", "website browser screen", "name tag badge", "cache memory chip",
]  # fmt: skip


def _held_out() -> list[Path]:
    paths = [EXAMPLES / "how-ssh-works" / "script.md", EXAMPLES / "on-screen-text" / "script.md"]
    if SHARED_CORPUS.is_dir():
        paths += [p for p in sorted(SHARED_CORPUS.glob("*.md")) if not parse_file(p).has_errors]
    return paths


def _words(text: str) -> set[str]:
    out = set()
    for w in re.findall(r"[a-z]+", text.lower()):
        out.add(w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w)
    return out


@pytest.mark.parametrize("path", _held_out(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_with_only_a_pexels_key_every_scene_gets_a_distinct_relevant_clip(
    path: Path, pexels: FakePexels, store: Store
) -> None:
    pexels.items = catalogue(LIBRARY)
    pexels.wide = True
    script = parse_file(path)
    plan = generate_visuals(script, store=store)
    jobs = visual_jobs(script)
    assert jobs, "every scene needs a picture"
    picked = []
    for job in jobs:
        clip = plan.for_line(job.beat.line)
        assert clip is not None, f"{path.name}:{job.beat.line} ({job.scene.title}) got no clip"
        assert clip.provider == "pexels" and clip.kind == "clip"
        shared = _words(" ".join(clip.tags)) & _words(f"{job.narration} {job.beat.prompt}")
        assert shared, f"{path.name}:{job.beat.line}: {clip.tags} shares no word with the narration"
        picked.append(clip.stock_id)
    assert len(set(picked)) == len(picked), "a stock clip was used twice in one video"


@pytest.mark.slow
def test_the_pexels_clips_are_what_the_rendered_scenes_show(
    tmp_path: Path, pexels: FakePexels, store: Store
) -> None:
    pexels.items = catalogue(LIBRARY)
    pexels.wide = True
    source = EXAMPLES / "on-screen-text" / "script.md"
    script_path = tmp_path / "script.md"
    script_path.write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    done = render_script(script_path, tmp_path / "out.mp4", preset="preview", store=store)
    assert done.visuals is not None
    fps = done.timeline.fps
    visual_clips = {c.script_line: c for c in done.timeline.tracks_of("visual")[0].clips}
    checked = 0
    for line, made in done.visuals.visuals.items():
        clip = visual_clips[line]
        seconds = float((clip.start + clip.length // 2) / fps)
        with av.open(str(done.render.output)) as container:
            frame = next(
                f for f in container.decode(video=0) if f.time is not None and f.time >= seconds
            )
            seen = frame_colour(frame.to_ndarray(format="rgb24"))
        assert close(seen, colour_for(" ".join(made.tags)), 60), (line, seen)
        checked += 1
    assert checked >= 3


BODY = """\
## Launch

> visual (runway): a red rocket on the pad

The rocket engine fires and the tower falls away.

## Orbit

> visual (runway): the earth from orbit at dawn

High above, the capsule turns toward the sun.

## Return

> visual (runway, clip): a capsule under parachutes over the sea

The parachutes open and the capsule drifts down to the waves.
"""


@pytest.mark.slow
def test_with_a_runway_key_every_visual_scene_shows_the_fakes_picture_and_the_ledger_matches(
    tmp_path: Path, runway: FakeRunway, store: Store
) -> None:
    script = write_script(tmp_path, BODY, "visuals: [runway, procedural]\n")
    done = render_script(
        Path(script.path or ""), tmp_path / "out.mp4", preset="preview", store=store
    )
    plan = done.visuals
    assert plan is not None
    fps = done.timeline.fps
    visual_clips = {c.script_line: c for c in done.timeline.tracks_of("visual")[0].clips}
    beats = [b for b in script.beats() if b.kind == "visual"]
    assert len(beats) == 3
    for beat in beats:
        made = plan.for_line(beat.line)
        assert made is not None and made.provider == "runway", beat.line
        clip = visual_clips[beat.line]
        seconds = float((clip.start + clip.length * 2 // 3) / fps)
        with av.open(str(done.render.output)) as container:
            frame = next(
                f for f in container.decode(video=0) if f.time is not None and f.time >= seconds
            )
            seen = frame_colour(frame.to_ndarray(format="rgb24"))
        # the fake paints a still in the colour of its prompt, without the style reference
        prompt = made.prompt_sent.split(", in the look of @")[0]
        assert close(seen, colour_for(prompt), 60), (beat.line, seen)
    ledger = [e for e in store.ledger() if e.provider == "runway"]
    charged = sum(e.micro_usd for e in ledger) / 1_000_000
    assert charged == pytest.approx(runway.billed_usd(), abs=1e-6)
    assert charged > 0
