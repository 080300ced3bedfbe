"""On-screen elements drawn by the compositor: styles, badges, thumbnails and bad input.

These draw real frames with the export's compositor and look at the pixels.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import cv2
import numpy as np
import pytest

from app.engine.audio import write_wav
from app.engine.model.script import LookSpec
from app.engine.model.time import SAMPLE_RATE
from app.engine.motion.elements import Context, open_element
from app.engine.motion.elements.people import initials
from app.engine.motion.stage import Rect, Stage
from app.engine.motion.thumbnail import key_word, short_title
from app.engine.render.compositor import Compositor
from app.engine.render.pipeline import thumbnail_bytes
from app.engine.script import parse_text
from app.engine.styles import parse_hex, resolve_style, style_names
from app.engine.timeline import (
    BadgeSource,
    CaptionSource,
    Clip,
    LowerThirdSource,
    ProceduralSource,
    SceneTitleSource,
    Timeline,
    Track,
    auto_layout,
)
from tests.viewer import need_tesseract, ocr_text, reads

SCRIPT = """---
title: Styles on screen
---

## Keys and locks

The server proves **who it is** before anything private crosses the wire.

- Keys are fresh every session.
- The server signs the exchange.
"""


def _timeline(look: str) -> Timeline:
    script = parse_text(SCRIPT)
    script.settings.look = LookSpec(name=look)
    return auto_layout(script, None, width=960, height=540)


def test_at_least_four_styles_are_bundled_with_a_default_first() -> None:
    names = style_names()
    assert len(names) >= 4
    assert resolve_style().name == names[0]


@pytest.mark.parametrize("name", style_names())
def test_every_style_draws_its_own_colours(name: str) -> None:
    style = resolve_style(LookSpec(name=name))
    tl = _timeline(name)
    comp = Compositor(tl)
    # during the scene title's hold: the chapter number pill is the accent colour
    title = next(
        c for c in tl.tracks_of("title")[0].clips if isinstance(c.source, SceneTitleSource)
    )
    rgb = comp.rgb(title.start + 30)
    accent = np.array(style.accent, np.int32)
    near = np.abs(rgb.astype(np.int32) - accent).sum(axis=2) < 40
    assert near.sum() > 200, f"{name}: the accent colour is not on screen"
    comp.close()


def test_styles_look_different() -> None:
    pictures = []
    for name in style_names():
        tl = _timeline(name)
        comp = Compositor(tl)
        pictures.append(comp.rgb(tl.duration // 2).astype(np.float32))
        comp.close()
    for i in range(len(pictures)):
        for j in range(i + 1, len(pictures)):
            assert np.abs(pictures[i] - pictures[j]).mean() > 10


def _badge_timeline(tmp_path: Path, avatar: str | None = None) -> Timeline:
    # one second of silence, then one second of loud voice
    t = np.arange(SAMPLE_RATE) / SAMPLE_RATE
    loud = (0.5 * np.sin(2 * np.pi * 180 * t)).astype(np.float32)
    audio = np.concatenate([np.zeros(SAMPLE_RATE, np.float32), loud])
    wav = tmp_path / "voice.wav"
    write_wav(wav, audio)
    badge = BadgeSource(
        speaker="MAYA", name="Maya", color="#ff2bd6", audio_path=str(wav), avatar=avatar
    )
    return Timeline.create(
        30,
        640,
        360,
        tracks=[
            Track(
                kind="visual", clips=[Clip(start=0, length=60, source=ProceduralSource(prompt="p"))]
            ),
            Track(kind="badge", clips=[Clip(start=0, length=60, source=badge)]),
        ],
    )


def test_the_speaker_badge_pulses_with_the_loudness_of_the_voice(tmp_path: Path) -> None:
    tl = _badge_timeline(tmp_path)
    comp = Compositor(tl)
    anchor = Stage(640, 360).speaker_anchor
    box = (
        slice(anchor.y - 20, anchor.bottom + 20),
        slice(max(0, anchor.x - 20), anchor.right + 20),
    )
    quiet = comp.rgb(20)[box].astype(np.int32)
    loud = comp.rgb(45)[box].astype(np.int32)
    pink = np.array([255, 43, 214])
    # the glow around the disc spreads the speaker's colour further when they speak
    assert (np.abs(loud - pink).sum(axis=2) < 150).sum() > (
        np.abs(quiet - pink).sum(axis=2) < 150
    ).sum()
    assert np.abs(loud - quiet).mean() > 1.0
    comp.close()


def _words_timeline(plate: bool, placement: Literal["centre", "lower"]) -> Timeline:
    """A long phrase, drawn large or low over a picture (as over the user's own media),
    with or without a name plate shown at the same time."""
    phrase = "Nobody listening on the wire can rebuild the secret they share"
    tracks = [
        Track(kind="visual", clips=[Clip(start=0, length=60, source=ProceduralSource(prompt="p"))]),
        Track(kind="words", clips=[Clip(start=0, length=60, source=CaptionSource(text=phrase, placement=placement))]),
    ]  # fmt: skip
    if plate:
        # the row the layout gives a plate while words are shown low, or not
        row = "above" if placement == "lower" else "caption"
        name = LowerThirdSource(name="Alice", color="#ff2bd6", row=row)
        tracks.append(Track(kind="label", clips=[Clip(start=0, length=60, source=name)]))
    return Timeline.create(30, 1280, 720, tracks=tracks)


@pytest.mark.parametrize("placement", ["centre", "lower"])
def test_a_name_plate_never_covers_the_spoken_words(placement: Literal["centre", "lower"]) -> None:
    """The lower-third has a row of its own, above the caption row and below the large
    words, so a phrase shown while a speaker is named stays whole: its pixels are the
    same with the plate as without."""
    frames = []
    for plate in (False, True):
        comp = Compositor(_words_timeline(plate, placement))
        frames.append(comp.rgb(40).astype(np.int32))
        comp.close()
    bare, named = frames
    stage = Stage(1280, 720)
    area = stage.caption_area if placement == "lower" else stage.words_area
    row = (slice(area.y, area.bottom), slice(0, 1280))
    assert np.abs(bare - named).sum(axis=2).max() > 100  # the plate is on screen
    assert np.array_equal(bare[row], named[row])


@pytest.mark.parametrize("size", [(1920, 1080), (1280, 720), (1080, 1920)])
def test_name_plate_rows_keep_clear_of_what_they_may_meet(size: tuple[int, int]) -> None:
    """In the caption row a plate stays below the windows; above it, below the large
    words and clear of the caption row (16:9). A Short has one place, over the captions."""
    stage = Stage(*size)
    beside, above = stage.name_plate_in("caption"), stage.name_plate

    def apart(a: Rect, b: Rect) -> bool:
        return a.bottom <= b.y or b.bottom <= a.y or a.right <= b.x or b.right <= a.x

    assert stage.safe.contains(beside) and stage.safe.contains(above)
    assert apart(above, stage.words_area)
    if stage.vertical:
        assert beside == above and apart(above, stage.caption_area)
        return
    assert apart(beside, stage.view_area) and apart(beside, stage.speaker_anchor)
    assert apart(above, stage.caption_area)
    assert Stage(*size, captions=True).name_plate_in("caption") == above


def test_a_plate_moves_above_the_caption_row_only_while_words_are_shown_low(
    tmp_path: Path,
) -> None:
    """Laid out from a script: Alice's plate sits beside her badge over the bare
    background, and above the caption row where her words run low over a picture."""
    picture = tmp_path / "room.png"
    cv2.imwrite(str(picture), np.full((360, 640, 3), 90, np.uint8))
    script = parse_text(
        "---\ntitle: Rows\ncharacters:\n  ALICE: { voice: local/joe }\n---\n\n"
        "## Bare\n\nThe narrator opens the scene.\n\nALICE: I speak over nothing at all.\n\n"
        "## Pictured\n\n![a room](room.png)\n\nThe narrator sets the room.\n\n"
        "ALICE: And I speak over the picture.\n",
        path=str(tmp_path / "script.md"),
    )
    tl = auto_layout(script, None, width=1280, height=720)
    rows = [
        c.source.row
        for c in tl.tracks_of("label")[0].clips
        if isinstance(c.source, LowerThirdSource)
    ]
    assert rows == ["caption", "above"]


def test_an_avatar_that_is_not_an_image_falls_back_to_a_monogram(tmp_path: Path) -> None:
    notes = tmp_path / "notes.png"
    notes.write_text("this is not a picture", encoding="utf-8")
    ctx = Context(stage=Stage(640, 360), style=resolve_style(), fps=30)  # type: ignore[arg-type]
    element = open_element(
        BadgeSource(speaker="A", name="Ada Lovelace", color="#4cc9f0", avatar=str(notes)), ctx
    )
    sprite = element.sprite(20, 40)
    assert sprite is not None and sprite.pixels[:, :, 3].max() == 255
    assert initials("Ada Lovelace") == "AL" and initials("Dr. Who") == "DW"


def test_a_parsed_avatar_that_is_not_an_image_is_named_and_not_used(tmp_path: Path) -> None:
    (tmp_path / "face.png").write_text("not a png", encoding="utf-8")
    path = tmp_path / "script.md"
    path.write_text(
        "---\ncharacters:\n  ADA: { voice: local/joe, avatar: face.png }\n---\n\n## S\n\nADA: Hello.\n\nHi Ada.\n",
        encoding="utf-8",
    )
    from app.engine.script import parse_file

    script = parse_file(path)
    found = [d for d in script.diagnostics if "face.png" in d.message]
    assert found and found[0].line == 3
    ada = script.character("ADA")
    assert ada is not None and ada.avatar_resolved is None
    tl = auto_layout(script, None, width=640, height=360)
    badges = tl.tracks_of("badge")[0].clips
    assert badges and all(c.source.avatar is None for c in badges)  # type: ignore[union-attr]


def test_thumbnail_titles_are_at_most_five_words() -> None:
    assert short_title("How SSH Really Works") == "How SSH Really Works"
    long = short_title("A quick tour of how the secure shell protocol works in practice")
    assert len(long.split()) <= 5 and "secure" in long
    assert key_word("How SSH Really Works") == 1
    assert key_word("Fibonacci, three ways") == 0


def _decode_jpeg(data: bytes) -> np.ndarray:
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    assert image is not None
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)


def test_the_thumbnail_shows_the_short_title_large(tmp_path: Path) -> None:
    need_tesseract()
    tl = _timeline("studio")
    data = thumbnail_bytes(tl, "Why every secure shell session starts with a handshake")
    assert len(data) < 2_000_000
    rgb = _decode_jpeg(data)
    assert rgb.shape == (720, 1280, 3)
    text = ocr_text(rgb, psms=(11, 6))
    assert reads(text, short_title("Why every secure shell session starts with a handshake"), 0.8)


def test_the_thumbnail_can_be_the_writers_image_or_time(tmp_path: Path) -> None:
    image = tmp_path / "thumb.png"
    cv2.imwrite(str(image), np.full((300, 400, 3), (40, 200, 90), np.uint8))  # BGR: green
    tl = _timeline("studio")
    own = _decode_jpeg(thumbnail_bytes(tl, "Title", image=image))
    assert own.shape == (720, 1280, 3)
    assert np.abs(own.astype(int) - np.array([90, 200, 40])).mean() < 12  # the image, untouched
    early = _decode_jpeg(thumbnail_bytes(tl, "", at_ms=0))
    late = _decode_jpeg(thumbnail_bytes(tl, "", at_ms=4000))
    assert np.abs(early.astype(int) - late.astype(int)).mean() > 2  # the frame follows the time


def test_style_colours_parse() -> None:
    assert parse_hex("#ffb347") == (255, 179, 71)
    with pytest.raises(ValueError):
        parse_hex("orange")
