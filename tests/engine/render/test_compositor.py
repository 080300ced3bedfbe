"""The compositor and the visual sources, checked on pixels of small timelines."""

from __future__ import annotations

import itertools
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np

from app.engine.render.compositor import Compositor, preview_frame
from app.engine.timeline import (
    Clip,
    Easing,
    ImageSource,
    KenBurns,
    Keyframe,
    ProceduralSource,
    Timeline,
    TitleCardSource,
    Track,
    Transition,
    VideoSource,
)
from app.engine.visuals import ProceduralGenerator, palette_for_style, premultiply, unpremultiply
from app.engine.visuals.kenburns import StillFrames
from app.engine.visuals.video import VideoFrames
from tests.engine.render.conftest import small_timeline, terminal_source


def test_static_stretch_is_drawn_once(tmp_path: Path) -> None:
    tl = small_timeline(tmp_path)
    comp = Compositor(tl)
    title = [comp.frame(n) for n in range(0, 30)]
    assert all(f is title[0] for f in title)  # a title card never moves
    # The Ken Burns move ends at source frame 45 and the terminal finishes typing:
    # from then on every frame is the same picture, drawn once.
    late = [comp.frame(n) for n in range(100, 120)]
    assert all(f is late[0] for f in late)
    # While the move goes on, a new picture is drawn each time it has gone another third
    # of a pixel; the frames in between are that same picture again.
    moving = [comp.frame(n) for n in range(31, 40)]
    assert 1 < len({id(f) for f in moving}) <= len(moving)
    assert not np.array_equal(moving[0].image, moving[-1].image)


def test_terminal_sits_over_the_background(tmp_path: Path) -> None:
    tl = small_timeline(tmp_path)
    comp = Compositor(tl)
    before = comp.frame(44).image
    after = comp.frame(110).image
    h, w = before.shape[:2]
    centre = (slice(h // 3, 2 * h // 3), slice(w // 3, 2 * w // 3))
    assert np.abs(after[centre].astype(int) - before[centre].astype(int)).mean() > 10
    assert (after[:, :, 3] == 255).all()  # an opaque background under everything


def test_preview_is_the_same_picture_at_reduced_size(tmp_path: Path) -> None:
    tl = small_timeline(tmp_path, width=640, height=360)
    full = Compositor(tl).rgb(110)
    small = preview_frame(tl, 110, width=320)
    assert small.shape == (180, 320, 3)
    reduced = cv2.resize(full, (320, 180), interpolation=cv2.INTER_AREA)
    assert np.abs(reduced.astype(int) - small.astype(int)).mean() < 12


def test_ken_burns_is_eased(tmp_path: Path) -> None:
    picture = ProceduralGenerator().generate(
        "stars", width=320, height=180, seed=1, palette=palette_for_style("blue")
    )
    kb = KenBurns(start_zoom=1.0, end_zoom=1.3, frames=60, easing=Easing.EASE_IN_OUT)
    still = StillFrames(picture, 320, 180, kb)

    def step(a: int, b: int) -> float:
        return float(np.abs(still.frame_at(a).astype(int) - still.frame_at(b).astype(int)).mean())

    assert step(0, 1) < step(29, 30)  # slow start, faster middle
    assert step(59, 60) < step(29, 30)  # slow end
    assert np.array_equal(still.frame_at(60), still.frame_at(90))  # held after the move


def test_a_slow_move_is_drawn_in_sub_pixel_steps_and_a_fast_one_every_frame() -> None:
    picture = ProceduralGenerator().generate(
        "stars", width=640, height=360, seed=1, palette=palette_for_style("blue")
    )
    slow = StillFrames(picture, 640, 360, KenBurns(start_zoom=1.0, end_zoom=1.05, frames=600))
    shown = [slow.frame_at(n) for n in range(0, 600)]
    drawn = [shown[0]] + [b for a, b in itertools.pairwise(shown) if b is not a]
    assert 10 < len(drawn) < 600  # fewer pictures than frames, but the move goes on
    steps = [np.abs(a.astype(int) - b.astype(int)).mean() for a, b in itertools.pairwise(drawn)]
    assert max(steps) < 3.0  # each step is a fraction of a pixel: no visible jump
    fast_move = KenBurns(start_zoom=1.0, end_zoom=1.5, frames=30, easing=Easing.LINEAR)
    fast = StillFrames(picture, 640, 360, fast_move)
    frames = [fast.frame_at(n) for n in range(0, 31)]
    assert len({id(f) for f in frames}) == len(frames)


def test_procedural_backgrounds_differ_per_scene_on_one_palette() -> None:
    palette = palette_for_style("cinematic, teal and orange")
    gen = ProceduralGenerator()
    a = gen.generate("a server rack", width=160, height=90, seed=0, palette=palette)
    b = gen.generate("a lock and key", width=160, height=90, seed=0, palette=palette)
    again = gen.generate("a server rack", width=160, height=90, seed=0, palette=palette)
    assert np.array_equal(a, again)
    assert np.abs(a.astype(int) - b.astype(int)).mean() > 5
    # Both are drawn from the palette: their dominant hues agree.
    hue_a = np.median(cv2.cvtColor(a, cv2.COLOR_RGB2HSV)[:, :, 0])
    hue_b = np.median(cv2.cvtColor(b, cv2.COLOR_RGB2HSV)[:, :, 0])
    assert abs(float(hue_a) - float(hue_b)) < 20
    other = ProceduralGenerator().generate(
        "a server rack", width=160, height=90, seed=0, palette=palette_for_style("magenta")
    )
    assert np.abs(a.astype(int) - other.astype(int)).mean() > 5


def _numbered_video(path: Path, frames: int = 10) -> None:
    """A 10-frame video whose frame k is grey level 20 * k."""
    with av.open(str(path), "w") as c:
        s = c.add_stream("libx264", rate=30)
        s.width, s.height, s.pix_fmt = 64, 64, "yuv420p"
        for k in range(frames):
            f = av.VideoFrame.from_ndarray(np.full((64, 64, 3), 20 * k, np.uint8), format="rgb24")
            f.pts = k
            for p in s.encode(f):
                c.mux(p)
        for p in s.encode(None):
            c.mux(p)


def _level(frame: np.ndarray) -> int:
    return round(float(frame[:, :, :3].mean()) / 20)


def test_video_loops_and_holds(tmp_path: Path) -> None:
    path = tmp_path / "count.mp4"
    _numbered_video(path)
    loop = VideoFrames(path, 32, 32, Fraction(30), mode="loop")
    assert loop.num_frames == 10
    assert [_level(loop.frame_at(n)) for n in (0, 3, 9, 10, 13)] == [0, 3, 9, 0, 3]
    assert _level(loop.frame_at(2)) == 2  # a jump back seeks
    hold = VideoFrames(path, 32, 32, Fraction(30), mode="hold")
    assert [_level(hold.frame_at(n)) for n in (5, 9, 25)] == [5, 9, 9]
    # Trimmed: a clip that starts at source frame 4 shows frame 4 first.
    tl = Timeline.create(
        30,
        32,
        32,
        tracks=[
            Track(
                kind="visual",
                clips=[
                    Clip(
                        start=0,
                        length=5,
                        source_in=4,
                        source=VideoSource(path=str(path), mode="hold"),
                    )
                ],
            )
        ],
    )
    assert _level(Compositor(tl).rgb(0)) == 4


def test_image_with_alpha_and_crossfade(tmp_path: Path) -> None:
    red = tmp_path / "red.png"
    cv2.imwrite(
        str(red), np.dstack([np.zeros((40, 40, 2), np.uint8), np.full((40, 40, 1), 255, np.uint8)])
    )
    blue = tmp_path / "blue.png"
    cv2.imwrite(
        str(blue), np.dstack([np.full((40, 40, 1), 255, np.uint8), np.zeros((40, 40, 2), np.uint8)])
    )
    track = Track(
        kind="visual",
        clips=[
            Clip(start=0, length=10, source=ImageSource(path=str(red))),
            Clip(
                start=10,
                length=10,
                source=ImageSource(path=str(blue)),
                transition_in=Transition(kind="crossfade", length=9),
            ),
        ],
    )
    comp = Compositor(Timeline.create(30, 40, 40, tracks=[track]))
    mid = comp.rgb(14)[20, 20]  # halfway through the crossfade
    assert 100 < mid[0] < 155 and 100 < mid[2] < 155
    assert tuple(comp.rgb(19)[20, 20]) == (0, 0, 255)


def test_opacity_keyframes_blend_premultiplied(tmp_path: Path) -> None:
    white = tmp_path / "white.png"
    cv2.imwrite(str(white), np.full((20, 20, 3), 255, np.uint8))
    overlay = Track(
        kind="overlay",
        clips=[
            Clip(
                start=0,
                length=10,
                source=ImageSource(path=str(white)),
                keyframes={"opacity": [Keyframe(frame=0, value=0.5)]},
            )
        ],
    )
    tl = Timeline.create(30, 20, 20, tracks=[overlay])
    px = Compositor(tl).frame(0).image[10, 10]
    assert abs(int(px[0]) - 128) <= 1 and abs(int(px[3]) - 128) <= 1  # half white over transparent


def test_premultiply_round_trips() -> None:
    rgba = np.array([[[200, 100, 50, 128], [10, 20, 30, 255], [9, 9, 9, 0]]], np.uint8)
    back = unpremultiply(premultiply(rgba))
    assert np.abs(back[0, :2].astype(int) - rgba[0, :2].astype(int)).max() <= 1
    assert tuple(premultiply(rgba)[0, 2]) == (0, 0, 0, 0)


def test_alpha_compositor_leaves_background_transparent(tmp_path: Path) -> None:
    tl = Timeline.create(
        30,
        320,
        180,
        tracks=[
            Track(
                kind="visual",
                clips=[Clip(start=0, length=10, source=ProceduralSource(prompt="sky"))],
            ),
            Track(kind="terminal", clips=[Clip(start=0, length=10, source=terminal_source())]),
        ],
    )
    image = Compositor(tl, alpha=True).frame(9).image
    assert image[0, 0, 3] == 0 and image[90, 160, 3] == 255


def test_title_card_reads_on_its_backdrop() -> None:
    tl = Timeline.create(
        30,
        320,
        180,
        tracks=[
            Track(
                kind="visual", clips=[Clip(start=0, length=5, source=TitleCardSource(text="Hello"))]
            )
        ],
    )
    image = Compositor(tl).rgb(0)
    assert image.max() >= 240  # white title text
    assert image[5, 5].max() > 0  # a backdrop, not black


def test_burned_captions_and_watermark_are_drawn(tmp_path: Path) -> None:
    from app.engine.timeline import CaptionSource

    mark = tmp_path / "mark.png"
    cv2.imwrite(str(mark), np.full((20, 40, 3), 255, np.uint8))
    tl = Timeline.create(
        30,
        320,
        180,
        tracks=[
            Track(
                kind="visual",
                clips=[Clip(start=0, length=10, source=ProceduralSource(prompt="night"))],
            ),
            Track(
                kind="caption",
                clips=[Clip(start=0, length=10, source=CaptionSource(text="Hello captions"))],
            ),
        ],
    )
    plain = Compositor(tl).rgb(5)
    burned = Compositor(tl, burn_captions=True, watermark=mark).rgb(5)
    lower = (slice(120, 170), slice(60, 260))
    assert (
        np.abs(burned[lower].astype(int) - plain[lower].astype(int)).max() > 100
    )  # white text appeared
    assert (
        burned[:60][np.abs(burned[:60].astype(int) - plain[:60].astype(int)).sum(axis=2) > 0].size
        == 0
    )
    corner = burned[150:172, 270:312]
    assert corner.mean() > plain[150:172, 270:312].mean() + 60  # the watermark, bottom right


class _CountingGenerator:
    """A stand-in for a paid cloud image generator: a real generator that counts its calls."""

    name = "paid"

    def __init__(self) -> None:
        self.calls = 0

    def generate(
        self, prompt: str, *, width: int, height: int, seed: int, palette: list[str]
    ) -> np.ndarray:
        self.calls += 1
        image = np.zeros((height, width, 3), np.uint8)
        image[:, :, 1] = 200
        return image


def test_paid_stills_are_generated_once_and_kept_in_the_store(tmp_path: Path) -> None:
    from app.engine.store import Store
    from app.engine.visuals import VisualService

    store = Store.open(f"sqlite:///{tmp_path / 'c.db'}")
    try:
        source = ProceduralSource(prompt="a green field", styled_prompt="a green field, cinematic")
        gen = _CountingGenerator()
        first = VisualService([gen], store=store).still(source, 64, 36, provider="paid")
        again = VisualService([gen], store=store).still(source, 64, 36, provider="paid")
        assert gen.calls == 1
        assert np.array_equal(first, again) and first[0, 0, 1] == 200 and first[0, 0, 3] == 255
    finally:
        store.close()


def test_finished_terminal_after_its_fade_is_drawn_once() -> None:
    tl = Timeline.create(
        30,
        320,
        180,
        tracks=[
            Track(
                kind="visual",
                clips=[Clip(start=0, length=90, source=ProceduralSource(prompt="still"))],
            ),
            Track(
                kind="terminal",
                clips=[
                    Clip(
                        start=0,
                        length=90,
                        source=terminal_source(),
                        keyframes={
                            "opacity": [Keyframe(frame=0, value=0.0), Keyframe(frame=9, value=1.0)]
                        },
                    )
                ],
            ),
        ],
    )
    comp = Compositor(tl)
    fading = [comp.frame(n) for n in range(0, 9)]
    assert len({id(f) for f in fading}) == 9
    settled = [comp.frame(n) for n in range(40, 90)]  # typing ends at 800 ms (frame 24)
    assert all(f is settled[0] for f in settled)
