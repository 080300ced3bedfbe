"""Visuals in a rendered video: the frames show the generated still and the stock clip, the
credits reach the description, and with no keys the layout is exactly what it always was."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import av
import pytest

from app.engine.render.project import render_script
from app.engine.store import Store
from app.engine.timeline import ImageSource, VideoSource, auto_layout
from app.engine.visuals.generate import generate_visuals
from tests.engine.visuals.conftest import write_script
from tests.fakes.memory_keyring import MemoryKeyring
from tests.fakes.runway import FakeRunway
from tests.fakes.stock import FakePexels
from tests.fakes.visual_media import close, colour_for, frame_colour, png

BODY = """\
## Launch

> visual (runway): a red rocket on the pad

The rocket engine fires.

## Servers

> visual (pexels, clip): server racks

A server rack hums.

## Lake

> visual: a mountain lake

Calm water at dawn.
"""


def frame_at(path: Path, seconds: float) -> tuple[int, int, int]:
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        for frame in container.decode(stream):
            if frame.time is not None and frame.time >= seconds:
                return frame_colour(frame.to_ndarray(format="rgb24"))
    raise AssertionError(f"no frame at {seconds} s")


@pytest.mark.slow
def test_rendered_frames_show_the_generated_still_and_the_stock_clip(
    tmp_path: Path, runway: FakeRunway, pexels: FakePexels, store: Store
) -> None:
    script = write_script(tmp_path, BODY, "style: cinematic\n")
    out = tmp_path / "out.mp4"
    done = render_script(Path(script.path or ""), out, preset="preview", store=store)
    plan = done.visuals
    assert plan is not None
    still, clip = plan.for_line(9), plan.for_line(15)
    assert still is not None and still.provider == "runway" and still.kind == "still"
    assert clip is not None and clip.provider == "pexels" and clip.kind == "clip"
    lake = plan.for_line(21)  # the default chain: stock footage once a stock key is set
    assert lake is not None and lake.provider == "pexels" and "lake" in lake.tags
    fps = done.timeline.fps
    by_line = {c.script_line: c for c in done.timeline.tracks_of("visual")[0].clips}
    assert isinstance(by_line[9].source, ImageSource) and isinstance(
        by_line[15].source, VideoSource
    )
    assert isinstance(by_line[21].source, VideoSource)
    for line, expected in (
        (9, colour_for(still.prompt_sent)),
        (15, colour_for(" ".join(clip.tags))),
    ):
        c = by_line[line]
        seconds = float((c.start + c.length * 2 // 3) / fps)
        seen = frame_at(out, seconds)
        assert close(seen, expected, 48), (line, seen, expected)
    with av.open(str(out)) as container:  # the description publishing uploads
        description = (
            container.metadata.get("description") or container.metadata.get("comment") or ""
        )
    assert "Stock footage:" in description
    assert description.index(clip.attribution or "?") < description.index(lake.attribution or "?")
    sidecar = out.with_suffix(
        ".chapters.txt"
    ).read_text()  # too short for chapters: credits still there
    assert (
        sidecar.startswith("No chapters:") and f"{clip.attribution}\n{lake.attribution}" in sidecar
    )


def test_with_no_keys_the_layout_is_exactly_what_it_always_was(
    tmp_path: Path, no_keys: MemoryKeyring, store: Store
) -> None:
    script = write_script(tmp_path, BODY, "style: cinematic\n")
    plan = generate_visuals(script, store=store)
    assert plan.visuals == {} and set(plan.drawn.values()) == {"procedural"}
    assert without_ids(auto_layout(script, visuals=plan).model_dump(mode="json")) == without_ids(
        auto_layout(script).model_dump(mode="json")
    )


def without_ids(data: Any) -> Any:
    """A timeline's data with its random clip and track ids left out."""
    if isinstance(data, dict):
        return {k: without_ids(v) for k, v in data.items() if k != "id"}
    if isinstance(data, list):
        return [without_ids(v) for v in data]
    return data


def test_offline_asks_no_provider_even_with_keys_and_uses_the_users_media(
    tmp_path: Path, runway: FakeRunway, pexels: FakePexels, store: Store
) -> None:
    (tmp_path / "media").mkdir()
    (tmp_path / "media" / "mountain-lake.png").write_bytes(png((10, 200, 30), 64, 36))
    (tmp_path / "media" / "server-room.png").write_bytes(b"not really a picture")
    script = write_script(tmp_path, BODY, "visuals: [runway, pexels, media]\n")
    plan = generate_visuals(script, store=store, offline=True)
    assert runway.requests == [] and pexels.requests == []
    lake = plan.for_line(21)
    assert (
        lake is not None
        and lake.provider == "media"
        and lake.path == tmp_path / "media" / "mountain-lake.png"
    )
    assert plan.for_line(15) is None and any("not a readable image" in n for n in plan.notes[15])
    assert plan.for_line(9) is None  # nothing offline matches a red rocket
