"""The ``-nvenc`` presets: NVENC where it opens, else their libx264 twins, by the same rules.

Runs alone (``pytest tests/engine/render/test_nvenc.py``). Where ``h264_nvenc`` cannot
open (no NVIDIA GPU) the fallback tests run and the NVENC one skips; on a machine with a
GPU that can encode, the other way round.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from fractions import Fraction
from pathlib import Path

import av
import pytest

from app.cli import main
from app.engine.render import get_preset, hardware, registered_presets, render_timeline
from app.engine.render.encoder import codec_options
from app.engine.render.hardware import take_fallback_note, usable_preset
from tests.engine.render.conftest import small_timeline
from tests.engine.render.probe import Probe, longest_b_run, probe

TWINS = {"youtube-1080p-nvenc": "youtube-1080p", "youtube-4k-nvenc": "youtube-4k"}
TWINS["shorts-nvenc"] = "shorts"


def _nvenc_problem() -> str | None:
    """Why h264_nvenc cannot open here, asked of PyAV directly (not through the module
    under test); None when it opens."""
    try:
        ctx = av.CodecContext.create("h264_nvenc", "w")
        ctx.width, ctx.height, ctx.pix_fmt = 256, 144, "yuv420p"  # type: ignore[attr-defined]
        ctx.time_base = Fraction(1, 30)
        ctx.open()
    except (av.FFmpegError, OSError, ValueError) as exc:
        return str(exc)
    return None


NVENC_PROBLEM = _nvenc_problem()
needs_no_nvenc = pytest.mark.skipif(
    NVENC_PROBLEM is None, reason="h264_nvenc opens on this machine: nothing falls back"
)


@pytest.fixture
def fresh_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """The hardware module as a new process finds it: no codec asked about, no note."""
    monkeypatch.setattr(hardware, "_problems", {})
    monkeypatch.setattr(hardware, "_unshown", [])


def _small(tmp_path: Path, name: str, preset: str = "youtube-1080p-nvenc") -> tuple[str, Probe]:
    """A 2 s 320x180 render with ``preset`` (the preview-sized way): the preset used, the probe."""
    asked = replace(get_preset(preset), width=320, height=180)
    result = render_timeline(
        small_timeline(tmp_path, seconds=2), tmp_path / name, preset=asked, sidecars=False
    )
    return result.preset, probe(result.output)


def _assert_delivery_video(p: Probe) -> None:
    """youtube-delivery.md's video lines: High, CABAC, a closed GOP of 15 at 30 fps with
    IDR keyframes, two B-frames in a row, yuv420p BT.709 limited, the asked size."""
    assert (p.codec, p.profile, p.cabac, p.interlaced) == ("h264", "High", True, False)
    assert p.keyframes == list(range(0, p.frames, 15))
    assert p.idr_keyframes and p.leading_pictures == 0
    assert longest_b_run(p.picture_types) == 2
    assert (p.pix_fmt, p.color, p.width, p.height) == ("yuv420p", (1, 1, 1, 1), 320, 180)


def test_nvenc_presets_are_their_libx264_twins_on_nvenc() -> None:
    presets = registered_presets()
    for name, twin_name in TWINS.items():
        nvenc, twin = presets[name], presets[twin_name]
        assert nvenc.video_codec == "h264_nvenc" and nvenc.fallback == twin_name
        assert replace(
            nvenc, name=twin.name, video_codec=twin.video_codec, fallback=None
        ) == replace(twin, video_options=nvenc.video_options, description=nvenc.description)
        options = nvenc.video_options
        assert options["b_ref_mode"] == "disabled" and options["no-scenecut"] == "1"
        assert options["strict_gop"] == options["forced-idr"] == "1"
        assert (options["rc"], options["profile"]) == ("vbr", "high")


@pytest.mark.parametrize(("fps", "rate"), [(Fraction(30), 8_000_000), (Fraction(60), 12_000_000)])
def test_nvenc_rate_cap_is_the_x264_vbv_cap(fps: Fraction, rate: int) -> None:
    options = codec_options(get_preset("youtube-1080p-nvenc"), fps)
    assert (options["maxrate"], options["bufsize"]) == (str(rate), str(rate * 2))
    x264 = codec_options(get_preset("youtube-1080p"), fps)["x264-params"]
    assert f"vbv-maxrate={rate // 1000}:vbv-bufsize={rate // 500}" in x264


@needs_no_nvenc
def test_a_vertical_nvenc_preset_falls_back_to_shorts(fresh_process: None) -> None:
    turned = replace(get_preset("youtube-1080p-nvenc"), width=1080, height=1920)
    used = usable_preset(turned)
    assert (used.name, used.video_codec, used.width, used.height) == (
        "shorts",
        "libx264",
        1080,
        1920,
    )


@needs_no_nvenc
def test_without_nvenc_a_render_encodes_with_libx264_by_the_same_rules(
    tmp_path: Path, fresh_process: None
) -> None:
    used, probed = _small(tmp_path, "fallback.mp4")
    assert used == "youtube-1080p"
    assert "bframes=2" in probed.x264_options  # x264 wrote its settings into the stream
    _assert_delivery_video(probed)


@needs_no_nvenc
def test_the_fallback_is_said_once_per_process(
    tmp_path: Path, fresh_process: None, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=hardware.__name__)
    _small(tmp_path, "one.mp4")
    _small(tmp_path, "two.mp4", preset="shorts-nvenc")
    said = [r for r in caplog.records if r.name == hardware.__name__]
    assert [r.levelno for r in said] == [logging.WARNING]
    assert said[0].getMessage().startswith("h264_nvenc is not available here (")
    assert said[0].getMessage().endswith("); encoding with libx264 (youtube-1080p)")
    assert take_fallback_note() == said[0].getMessage()
    assert take_fallback_note() is None


@needs_no_nvenc
def test_the_render_command_prints_the_note_once(
    tmp_path: Path,
    fresh_process: None,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    script = tmp_path / "tiny.md"
    script.write_text("# Tiny\n\nHi.\n", encoding="utf-8")
    out = tmp_path / "tiny.mp4"
    argv = ["render", str(script), "-o", str(out), "--offline", "--preset", "youtube-1080p-nvenc"]
    assert main(argv) == 0
    captured = capsys.readouterr()
    assert captured.err.count("h264_nvenc is not available here") == 1
    assert "Traceback" not in captured.err
    assert "youtube-1080p)" in captured.out  # the summary names the preset that encoded
    # The command shows the note itself, so the log (the same terminal) does not repeat it.
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


@pytest.mark.skipif(
    NVENC_PROBLEM is not None, reason=f"h264_nvenc does not open here: {NVENC_PROBLEM}"
)
def test_nvenc_encodes_by_the_delivery_rules(tmp_path: Path, fresh_process: None) -> None:
    used, probed = _small(tmp_path, "nvenc.mp4")
    assert used == "youtube-1080p-nvenc"
    assert probed.x264_options == ""  # no x264 settings: NVENC wrote this stream
    _assert_delivery_video(probed)
