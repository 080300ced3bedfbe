"""Exports decode back with the right frames, and .mov/.webm carry a real alpha channel."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest
from PIL import Image

from app.cli import main
from app.engine.render.terminal_export import export_animation
from app.engine.terminal import build_animation
from tests.engine.render.probe import colour_tags, decoded_rgb

from .conftest import terminal_beat

FPS = Fraction(5)


def _anim(transparent: bool = True):  # type: ignore[no-untyped-def]
    return build_animation(
        terminal_beat(["$ echo hi", "hi"], speed="40"),
        width=320,
        height=180,
        transparent=transparent,
    )


def _decode_rgba(path: Path, decoder: str | None = None) -> list[np.ndarray]:
    frames: list[np.ndarray] = []
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        if decoder is None:
            for f in container.decode(stream):
                frames.append(f.to_ndarray(format="rgba"))
        else:
            # VP9 keeps alpha in a side stream only libvpx's own decoder reads back.
            ctx: Any = av.CodecContext.create(decoder, "r")
            for packet in container.demux(stream):
                for f in ctx.decode(packet):
                    frames.append(f.to_ndarray(format="rgba"))
    return frames


def _check_alpha(frames: list[np.ndarray], anim) -> None:  # type: ignore[no-untyped-def]
    L = anim.painter(anim.session.cols, anim.session.rows).layout
    assert frames and frames[-1].shape == (180, 320, 4)
    a = frames[-1][..., 3]
    outside = np.ones(a.shape, dtype=bool)
    outside[
        max(0, L.win_y - 1) : L.win_y + L.win_h + 1, max(0, L.win_x - 1) : L.win_x + L.win_w + 1
    ] = False
    assert outside.sum() > 0.1 * a.size
    assert a[outside].max() <= 2
    inner = a[
        L.win_y + L.radius + 2 : L.win_y + L.win_h - L.radius - 2,
        L.win_x + L.radius + 2 : L.win_x + L.win_w - L.radius - 2,
    ]
    assert inner.min() >= 253


@pytest.mark.slow
def test_prores_4444_mov_has_alpha(tmp_path: Path) -> None:
    anim = _anim()
    out = export_animation(anim, tmp_path / "t.mov", fps=FPS)
    with av.open(str(out)) as c:
        s = c.streams.video[0]
        assert s.codec_context.name == "prores" and "yuva444" in (s.codec_context.pix_fmt or "")
    frames = _decode_rgba(out)
    assert len(frames) == round(anim.duration_ms * FPS / 1000)
    _check_alpha(frames, anim)
    assert not list(tmp_path.glob(".*partial*"))


@pytest.mark.slow
def test_vp9_webm_has_alpha(tmp_path: Path) -> None:
    anim = _anim()
    out = export_animation(anim, tmp_path / "t.webm", fps=FPS)
    frames = _decode_rgba(out, decoder="libvpx-vp9")
    assert len(frames) == round(anim.duration_ms * FPS / 1000)
    _check_alpha(frames, anim)


THEME_GREEN = (40, 200, 64)


@pytest.mark.slow
@pytest.mark.parametrize("suffix", [".mp4", ".mov", ".webm"])
def test_players_show_the_colours_drawn(tmp_path: Path, suffix: str) -> None:
    """The stream says BT.709, limited range, and is converted that way, so a browser
    (which reads the tags, and assumes BT.709 without them) shows the green drawn."""
    anim = build_animation(
        terminal_beat(["$ echo hi"], speed="40"), width=320, height=180, margin_color=THEME_GREEN
    )
    out = export_animation(anim, tmp_path / f"green{suffix}", fps=FPS)
    tags = colour_tags(out)
    corner = decoded_rgb(out)[-1][2:12, 2:12].reshape(-1, 3).mean(axis=0)
    assert np.abs(corner - THEME_GREEN).max() <= 3, corner
    assert tags == (1, 1, 1, 1)


@pytest.mark.slow
def test_h264_mp4_and_png_frames(tmp_path: Path) -> None:
    anim = _anim(transparent=False)
    out = export_animation(anim, tmp_path / "t.mp4", fps=FPS)
    with av.open(str(out)) as c:
        s = c.streams.video[0]
        assert s.codec_context.name == "h264" and s.codec_context.pix_fmt == "yuv420p"
        frames = [f.to_ndarray(format="rgb24") for f in c.decode(s)]
    assert len(frames) == round(anim.duration_ms * FPS / 1000)
    last = anim.frame_at(anim.duration_ms - 1)[..., :3].astype(int)
    # Lossy, but close to the rendered frame.
    assert np.abs(frames[-1].astype(int) - last).mean() < 6
    folder = export_animation(anim, tmp_path / "frames", fps=FPS)
    pngs = sorted(folder.glob("frame_*.png"))
    assert len(pngs) == len(frames)
    first = np.asarray(Image.open(pngs[0]))
    assert np.array_equal(first, anim.frame_at(0))


@pytest.mark.slow
def test_terminal_command_renders_each_input(
    tmp_path: Path, term_fixtures: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "cast.webm"
    rc = main(
        [
            "terminal",
            str(term_fixtures / "progress_v2.cast"),
            "-o",
            str(out),
            "--size",
            "320x180",
            "--fps",
            "5",
            "--transparent",
            "--theme",
            "nord",
        ]
    )
    assert rc == 0 and out.stat().st_size > 0
    frames = _decode_rgba(out, decoder="libvpx-vp9")
    assert frames[-1][0, 0, 3] == 0 and frames[-1][90, 160, 3] == 255
    tape_args = ["-o", str(tmp_path / "tape"), "--size", "320x180", "--fps", "2"]
    # demo.tape ends with an error (Sleep soon): nothing is written and the exit code says so
    rc = main(["terminal", str(term_fixtures / "demo.tape"), *tape_args])
    err = capsys.readouterr().err
    assert rc == 1 and "demo.tape:27:1: error: Sleep 'soon'" in err
    assert not (tmp_path / "tape").exists()
    mended = tmp_path / "demo.tape"
    mended.write_text((term_fixtures / "demo.tape").read_text().replace("Sleep soon", "Sleep 1s"))
    rc = main(["terminal", str(mended), *tape_args])
    err = capsys.readouterr().err
    assert rc == 0 and "demo.tape:25:1: warning: unknown command 'Frobnicate'" in err
    assert len(list((tmp_path / "tape").glob("*.png"))) > 3
    rc = main(
        [
            "terminal",
            str(term_fixtures / "blocks.md"),
            "-o",
            str(tmp_path / "md.mp4"),
            "--size",
            "320x180",
            "--fps",
            "2",
        ]
    )
    assert rc == 0
    with av.open(str(tmp_path / "md.mp4")) as c:
        assert c.streams.video[0].frames >= 10


def test_terminal_command_reports_bad_input(
    tmp_path: Path, term_fixtures: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["terminal", str(tmp_path / "missing.cast"), "-o", str(tmp_path / "x.mp4")]) == 1
    assert "no such file" in capsys.readouterr().err
    cast = term_fixtures / "progress_v2.cast"
    assert main(["terminal", str(cast), "-o", str(tmp_path / "x.mp4"), "--theme", "nope"]) == 1
    assert "unknown theme 'nope'" in capsys.readouterr().err
    assert main(["terminal", str(cast), "-o", str(tmp_path / "x.avi")]) == 1
    assert "use .mp4, .mov, .webm" in capsys.readouterr().err
    assert main(["terminal", str(cast), "-o", str(tmp_path / "x.mp4"), "--size", "big"]) == 1
    assert "WIDTHxHEIGHT" in capsys.readouterr().err
    assert main(["terminal", str(cast), "-o", str(tmp_path / "x.mp4"), "--size", "321x180"]) == 1
    assert "even width and height" in capsys.readouterr().err
    empty = tmp_path / "empty.md"
    empty.write_text("# Nothing\n\nJust words.\n")
    assert main(["terminal", str(empty), "-o", str(tmp_path / "x.mp4")]) == 1
    assert "no terminal or code blocks" in capsys.readouterr().err
    assert not list(tmp_path.glob("x.*"))
