"""The project's own example script: it parses cleanly and uses every element of the format."""

from __future__ import annotations

from pathlib import Path

import av
from PIL import Image

from app.engine.model.script import (
    CodeBeat,
    MediaBeat,
    PauseBeat,
    SpeechBeat,
    TerminalBeat,
    VisualBeat,
)
from app.engine.script import parse_file
from tests.conftest import EXAMPLES

SCRIPT = EXAMPLES / "how-ssh-works" / "script.md"


def test_example_parses_without_errors_or_warnings() -> None:
    script = parse_file(SCRIPT)
    assert [d.format() for d in script.diagnostics] == []
    assert script.title == "How SSH Really Works"


def test_example_exercises_every_element() -> None:
    script = parse_file(SCRIPT)
    beats = script.beats()
    kinds = {type(b) for b in beats}
    assert kinds == {SpeechBeat, PauseBeat, TerminalBeat, CodeBeat, VisualBeat, MediaBeat}
    speakers = {b.speaker for b in beats if isinstance(b, SpeechBeat)}
    assert speakers == {"NARRATOR", "ALICE"}
    assert any(b.direction for b in beats if isinstance(b, SpeechBeat))
    assert any(b.options.sync_next for b in beats if isinstance(b, TerminalBeat))
    infos = {b.info.split()[0] for b in beats if isinstance(b, TerminalBeat)}
    assert infos == {"terminal", "console", "shell-session"}
    media = [b for b in beats if isinstance(b, MediaBeat)]
    assert {m.media_type for m in media} == {"image", "video"}
    assert all(m.resolved and Path(m.resolved).is_file() for m in media)
    assert script.settings.music_resolved and Path(script.settings.music_resolved).is_file()
    alice = script.character("ALICE")
    assert alice is not None and alice.fallback and alice.voice.provider == "elevenlabs"
    text = SCRIPT.read_text(encoding="utf-8")
    assert "<!--" in text and "**Alice:**" in text and "ALICE:" in text


def test_example_length_and_chapters() -> None:
    script = parse_file(SCRIPT)
    assert 60_000 <= script.estimated_ms <= 90_000
    assert len(script.scenes) >= 4
    assert all(scene.estimated_ms >= 10_000 for scene in script.scenes)


def test_example_media_files_are_what_the_script_promises() -> None:
    folder = SCRIPT.parent
    for png in (folder / "images").glob("*.png"):
        with Image.open(png) as img:
            assert img.size == (1280, 720)
        assert png.stat().st_size < 300 * 1024
    clip = folder / "media" / "tunnel.mp4"
    with av.open(str(clip)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264"
        assert (stream.width, stream.height) == (640, 360)
        assert container.duration is not None and 3.0 <= container.duration / 1e6 <= 4.0
    assert clip.stat().st_size < 300 * 1024
    music = folder / "music" / "calm-loop.m4a"
    with av.open(str(music)) as container:
        assert container.duration is not None and 25 <= container.duration / 1e6 <= 35
    assert music.stat().st_size < 400 * 1024


def test_the_music_generator_makes_a_seamless_quiet_loop() -> None:
    import importlib.util

    import numpy as np

    spec = importlib.util.spec_from_file_location(
        "make_example_media", EXAMPLES / "make_example_media.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    loop = module.music_loop(seconds=8, rate=8_000)
    assert loop.dtype == np.float32 and loop.size == 8 * 8_000
    wave = loop.astype(np.float64)
    # Seamless: across the wrap (last sample -> first) the curve bends no more than it does
    # inside the loop. A loop cut a few samples short fails this by a factor of three or more.
    bend_at_wrap = abs(wave[1] - 2 * wave[0] + wave[-1])
    assert bend_at_wrap <= float(np.percentile(np.abs(np.diff(wave, 2)), 99))
    cut = wave[:-37]
    assert abs(cut[1] - 2 * cut[0] + cut[-1]) > float(np.percentile(np.abs(np.diff(wave, 2)), 99))
    assert 0.2 < float(np.max(np.abs(loop))) <= 0.5  # calm: well below full scale
    assert float(np.sqrt(np.mean(loop**2))) > 0.02  # and not silence
