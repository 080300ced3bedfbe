"""The media bin's items: the user's media, every visual and voice version, search, thumbnails."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from app.engine.store import Store
from app.engine.visuals.media_bin import (
    project_media,
    prune_links,
    readable_link,
    search,
    thumbnail,
)
from app.engine.voice.service import SynthesisService
from tests.conftest import Closing
from tests.engine.visuals.conftest import MakeGenerator, write_script
from tests.fakes.stock import FakePexels
from tests.fakes.visual_media import close, colour_for, png

BODY = """\
## Liftoff

> visual: a rocket on the pad

The rocket engine fires and the launch pad shakes.

![Our own rack](images/server-rack.png)

The servers hum.
"""


def middle(picture: np.ndarray) -> tuple[int, int, int]:
    h, w = picture.shape[:2]
    r, g, b = np.median(picture[h // 3 : 2 * h // 3, w // 3 : 2 * w // 3].reshape(-1, 3), axis=0)
    return round(float(r)), round(float(g)), round(float(b))


def test_the_bin_lists_media_visuals_and_voices_with_cost_and_search(
    tmp_path: Path,
    pexels: FakePexels,
    make_generator: MakeGenerator,
    store: Store,
    closing: Closing,
) -> None:
    (tmp_path / "images").mkdir()
    (tmp_path / "images" / "server-rack.png").write_bytes(png((200, 30, 30), 64, 36))
    (tmp_path / "assets").mkdir()
    (tmp_path / "assets" / "logo.png").write_bytes(png((20, 30, 200), 40, 40))
    (tmp_path / "assets" / "notes.txt").write_text("not media")
    script = write_script(tmp_path, BODY, "visuals: [pexels]\n")
    plan = make_generator(candidates=1).run(script)
    voices = closing(SynthesisService(store)).synthesize_script(script)
    items = project_media(store, plan.project_id, script)

    media = [i for i in items if i.origin == "media"]
    assert [(i.name, i.kind, i.width, i.height) for i in media] == [
        ("server-rack.png", "image", 64, 36),
        ("logo.png", "image", 40, 40),
    ]
    assert media[0].prompt == "Our own rack" and media[0].line is not None
    visuals = [i for i in items if i.origin == "visual"]
    assert len(visuals) == 2 and [v.chosen for v in visuals].count(True) == 1
    (line,) = plan.visuals
    chosen = next(v for v in visuals if v.chosen)
    assert chosen.path == plan.visuals[line].path and chosen.line == line
    assert chosen.kind == "video" and chosen.provider == "pexels" and chosen.duration_ms
    assert chosen.prompt == "a rocket on the pad" and chosen.cost_usd == 0
    assert chosen.provenance["attribution"].endswith(chosen.provenance["source_url"])
    assert any(v.candidate for v in visuals)
    spoken_items = [i for i in items if i.origin == "voice"]
    assert len(spoken_items) == len(voices.lines) == 2
    (spoken,) = [i for i in spoken_items if "rocket engine" in i.prompt]
    (line_spoken,) = [s for s in voices.lines.values() if "rocket engine" in s.text]
    assert spoken.path == line_spoken.audio_path and spoken.kind == "audio"
    assert spoken.duration_ms == line_spoken.duration_ms and spoken.provider == "local"
    assert spoken.size == spoken.path.stat().st_size

    assert [i.name for i in search(items, "RACK")] == ["server-rack.png"]
    assert {i.origin for i in search(items, "rocket")} == {"visual", "voice"}
    tag = chosen.tags[0]
    assert chosen in search(items, tag)
    assert search(items, "nothing-like-this") == []
    assert search(items, "  ") == items


def test_thumbnails_show_the_picture_the_clip_and_the_voice(
    tmp_path: Path,
    pexels: FakePexels,
    make_generator: MakeGenerator,
    store: Store,
    closing: Closing,
) -> None:
    (tmp_path / "images").mkdir()
    (tmp_path / "images" / "server-rack.png").write_bytes(png((200, 30, 30), 64, 36))
    script = write_script(tmp_path, BODY, "visuals: [pexels]\n")
    plan = make_generator().run(script)
    closing(SynthesisService(store)).synthesize_script(script)
    items = {
        i.origin: i
        for i in project_media(store, plan.project_id, script)
        if i.chosen or i.origin == "media"
    }

    still = thumbnail(items["media"].path, "image")
    assert still.shape == (90, 160, 3) and close(middle(still), (200, 30, 30))
    assert tuple(still[2, 2]) == (255, 255, 255), "the picture's white corner, not cropped"
    square = tmp_path / "square.png"
    square.write_bytes(png((20, 30, 200), 40, 40))
    boxed = thumbnail(square, "image")
    assert tuple(boxed[45, 10]) == (38, 40, 46), "a square picture is letterboxed, not stretched"
    assert close(tuple(int(c) for c in boxed[60, 80]), (20, 30, 200))  # type: ignore[arg-type]
    clip = thumbnail(items["visual"].path, "video")
    assert close(middle(clip), colour_for(" ".join(items["visual"].tags)))
    wave = thumbnail(items["voice"].path, "audio")
    lit = (wave == (110, 200, 140)).all(axis=2)
    assert lit[45].mean() > 0.5, "speech fills most of the waveform's middle row"
    assert lit[2].mean() < lit[45].mean()
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"not a picture")
    assert (thumbnail(broken, "image") == (60, 90, 140)).all()


def test_a_dragged_version_has_a_readable_name(
    tmp_path: Path, pexels: FakePexels, make_generator: MakeGenerator, store: Store
) -> None:
    script = write_script(
        tmp_path,
        BODY.replace("![Our own rack](images/server-rack.png)\n", ""),
        "visuals: [pexels]\n",
    )
    plan = make_generator().run(script)
    (item,) = [i for i in project_media(store, plan.project_id, script) if i.origin == "visual"]
    link = readable_link(item, tmp_path / "links")
    assert link.name == "a-rocket-on-the-pad.mp4"
    assert link.read_bytes() == item.path.read_bytes()
    assert readable_link(item, tmp_path / "links") == link
    # A clean-up removes the file: the name goes with it, and nothing is written through it.
    store.delete_assets([item.path.stem])
    assert link.is_symlink() and not link.exists()
    readable_link(item, tmp_path / "links")
    assert not item.path.exists()
    assert prune_links(tmp_path / "links") == 1
    assert list((tmp_path / "links").iterdir()) == []
