"""Presets and the promise about files: shorts are vertical, ProRes and VP9 keep alpha,
a cancelled or failed render leaves nothing under the final name."""

from __future__ import annotations

import os
import threading
from dataclasses import replace
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest

from app.cli import main
from app.engine.jobs.progress import Cancelled, Progress
from app.engine.render import get_preset, render_timeline
from app.engine.render.encoder import Encoder
from app.engine.timeline import (
    Clip,
    ImageSource,
    ProceduralSource,
    Timeline,
    TitleCardSource,
    Track,
)
from tests.engine.render.conftest import small_timeline, speech_clip
from tests.engine.render.probe import Starts, starts


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if ".part" in p.name)


def test_vertical_timeline_renders_as_shorts(tmp_path: Path) -> None:
    tl = Timeline.create(
        30,
        1080,
        1920,
        tracks=[
            Track(
                kind="visual",
                clips=[Clip(start=0, length=15, source=ProceduralSource(prompt="tall"))],
            ),
            Track(kind="voice", clips=[speech_clip(tmp_path / "v.wav", 0, 0.5, "short")]),
        ],
    )
    result = render_timeline(tl, tmp_path / "short.mp4", sidecars=False)
    assert result.preset == "shorts"
    with av.open(str(result.output)) as c:
        v = c.streams.video[0]
        assert (v.codec_context.width, v.codec_context.height) == (1080, 1920)


def _alpha_timeline() -> Timeline:
    return Timeline.create(
        30,
        1920,
        1080,
        tracks=[
            Track(
                kind="visual", clips=[Clip(start=0, length=8, source=TitleCardSource(text="Alpha"))]
            ),
        ],
    )


def _decode_alpha(path: Path, decoder: str | None = None) -> np.ndarray:
    with av.open(str(path)) as c:
        stream = c.streams.video[0]
        if decoder is None:
            frame = next(iter(c.decode(stream)))
        else:  # VP9 alpha lives in side data only libvpx's decoder reads back
            ctx: Any = av.CodecContext.create(decoder, "r")
            frame = next(f for p in c.demux(stream) for f in ctx.decode(p))
        assert "a" in frame.format.name
        return np.asarray(frame.to_ndarray(format="rgba"))[:, :, 3]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("preset", "suffix", "decoder"),
    [("prores-4444", ".mov", None), ("webm-vp9", ".webm", "libvpx-vp9")],
)
def test_alpha_presets_carry_alpha(
    tmp_path: Path, preset: str, suffix: str, decoder: str | None
) -> None:
    result = render_timeline(
        _alpha_timeline(), tmp_path / "clip.mp4", preset=preset, sidecars=False
    )
    assert result.output.suffix == suffix and result.output.is_file()
    alpha = _decode_alpha(result.output, decoder)
    assert alpha.shape == (1080, 1920)
    assert alpha[5:100, 5:100].max() <= 2  # the corner: transparent
    assert alpha.max() >= 250  # the title's letters: opaque


def test_cancelled_render_leaves_no_file(tmp_path: Path) -> None:
    tl = small_timeline(tmp_path, seconds=4)
    progress = Progress()
    progress.subscribe(lambda s: progress.cancel() if s.done >= 31 and not s.cancelled else None)
    out = tmp_path / "out" / "cancelled.mp4"
    with pytest.raises(Cancelled):
        render_timeline(tl, out, preset="preview", progress=progress)
    assert not out.exists()
    assert _leftovers(out.parent) == []
    assert not out.with_suffix(".srt").exists()


def test_failed_render_keeps_the_previous_file(tmp_path: Path) -> None:
    out = tmp_path / "video.mp4"
    out.write_bytes(b"the previous good render")
    tl = Timeline.create(
        30,
        64,
        36,
        tracks=[
            Track(
                kind="visual",
                clips=[
                    Clip(start=0, length=5, source=ImageSource(path=str(tmp_path / "gone.png")))
                ],
            ),
        ],
    )
    with pytest.raises(Exception, match=r"gone\.png"):
        render_timeline(tl, out, preset="preview")
    assert out.read_bytes() == b"the previous good render"
    assert _leftovers(tmp_path) == []


def test_encoder_converts_with_the_bt709_limited_matrix(tmp_path: Path) -> None:
    """Pure colours land on BT.709 limited-range code values (not BT.601, not full range)."""
    enc = Encoder(tmp_path / "m.mp4", get_preset("preview"), fps=30, width=16, height=16)  # type: ignore[arg-type]
    try:
        expected = {
            (255, 255, 255): (235, 128, 128),
            (0, 0, 0): (16, 128, 128),
            (255, 0, 0): (63, 102, 240),
            (0, 255, 0): (173, 42, 26),
        }
        for rgb, yuv in expected.items():
            image = np.zeros((16, 16, 4), np.uint8)
            image[:, :] = (*rgb, 255)
            planes = enc._to_video_frame(image).to_ndarray()  # yuv420p: Y rows, then U and V
            assert (int(planes[0, 0]), int(planes[16, 0]), int(planes[20, 0])) == yuv
    finally:
        enc.abort()


def test_cli_reports_a_missing_script_without_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["render", str(tmp_path / "nope.md"), "-o", str(tmp_path / "x.mp4"), "--offline"])
    err = capsys.readouterr().err
    assert code == 1 and "nope.md" in err and "Traceback" not in err


def test_cli_reports_script_errors_with_their_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    script = tmp_path / "bad.md"
    script.write_text("# Bad\n\n![missing](nowhere.png)\n\nHello.\n", encoding="utf-8")
    code = main(["render", str(script), "-o", str(tmp_path / "x.mp4"), "--offline"])
    err = capsys.readouterr().err
    assert code == 1 and "bad.md:3:" in err and not (tmp_path / "x.mp4").exists()


@pytest.mark.parametrize("preset", ["preview", "webm-vp9"])
def test_speech_starts_on_its_frame_in_the_decoded_file(tmp_path: Path, preset: str) -> None:
    """AAC's encoder delay (no edit list to hide it) and Opus pre-skip leave speech on its frame."""
    tl = Timeline.create(
        30,
        320,
        180,
        tracks=[
            Track(
                kind="visual", clips=[Clip(start=0, length=60, source=ProceduralSource(prompt="x"))]
            ),
            Track(
                kind="voice", clips=[speech_clip(tmp_path / "s.wav", 30, 1.0, "hi", freq=1000.0)]
            ),
        ],
    )
    result = render_timeline(tl, tmp_path / "sync.mp4", preset=preset, sidecars=False)
    with av.open(str(result.output)) as c:
        left = np.concatenate([f.to_ndarray()[0] for f in c.decode(audio=0)])
    onset = int(np.argmax(np.abs(left) > 0.01))
    assert abs(onset - 48000) <= 48  # within a millisecond of frame 30


def test_video_starts_with_the_sound_at_zero_without_an_edit_list(tmp_path: Path) -> None:
    """B-frames delay the first decodable picture; the file still shows it at 0, beside the
    audio's first sample, and does so without the edit list YouTube's rules forbid."""
    tl = small_timeline(tmp_path, seconds=2)
    preset = replace(get_preset("preview"), width=320, height=180)
    result = render_timeline(tl, tmp_path / "start.mp4", preset=preset, sidecars=False)
    assert starts(result.output) == Starts(
        video=Fraction(0), first_frame=Fraction(0), audio=Fraction(0), edit_lists=0
    )
    with av.open(str(result.output)) as c:
        pts = [f.pts for f in c.decode(video=0)]
    assert pts == sorted(pts) and len(pts) == tl.duration


def test_presets_turn_for_a_vertical_script() -> None:
    from app.engine.render import for_aspect

    assert for_aspect(get_preset("youtube-1080p"), "9:16").name == "shorts"
    prores = for_aspect(get_preset("prores-4444"), "9:16")
    assert (prores.width, prores.height, prores.alpha) == (1080, 1920, True)
    assert for_aspect(get_preset("shorts"), "9:16").name == "shorts"
    assert (get_preset("youtube-4k").width, get_preset("youtube-4k").height) == (3840, 2160)
    assert (get_preset("preview").width, get_preset("preview").height) == (960, 540)
    with pytest.raises(KeyError, match="choose one of"):
        get_preset("youtube-8k")


def test_unreadable_music_is_named_and_leaves_no_file(tmp_path: Path) -> None:
    from app.engine.render.mix import MixError
    from app.engine.timeline import MusicSource

    junk = tmp_path / "song.mp3"
    junk.write_bytes(b"this is not audio at all" * 100)
    tl = Timeline.create(
        30,
        64,
        36,
        tracks=[
            Track(
                kind="visual", clips=[Clip(start=0, length=10, source=ProceduralSource(prompt="x"))]
            ),
            Track(
                kind="music", clips=[Clip(start=0, length=10, source=MusicSource(path=str(junk)))]
            ),
        ],
    )
    with pytest.raises(MixError, match=r"song\.mp3"):
        render_timeline(tl, tmp_path / "v.mp4", preset="preview")
    assert not (tmp_path / "v.mp4").exists() and _leftovers(tmp_path) == []
    # the sound is mixed beside the drawing: both stop with the error
    assert not any(
        t.name.startswith(("castline-mix", "castline-lane")) for t in threading.enumerate()
    )


def test_outputs_get_the_usual_permissions(tmp_path: Path) -> None:
    tl = small_timeline(tmp_path, seconds=2)
    result = render_timeline(tl, tmp_path / "perm.mp4", preset="preview")
    mask = os.umask(0o022)
    os.umask(mask)
    for path in [result.output, *result.sidecars.values()]:
        assert path.stat().st_mode & 0o777 == 0o666 & ~mask, path.name
