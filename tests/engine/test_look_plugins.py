"""A transition, a terminal effect and a preset in a file of their own join through the
registries: the timeline and the block options accept them, the renderer draws them."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from pydantic import ValidationError

from app.cli import main
from app.engine.model import TerminalBeat
from app.engine.render.compositor import Compositor
from app.engine.render.presets import get_preset
from app.engine.script import parse_text
from app.engine.terminal import build_animation
from app.engine.timeline import Clip, ImageSource, Timeline, Track, Transition
from tests.fakes.look_plugin import EFFECT, PRESET, TRANSITION, look_plugin

__all__ = ["look_plugin"]

SCRIPT = f"""---
title: Looks
---
# Looks

A terminal in negative.

```terminal effects={EFFECT}
$ echo negative
negative
```
"""


def _solid(path: Path, bgr: tuple[int, int, int]) -> str:
    cv2.imwrite(str(path), np.full((90, 160, 3), bgr, np.uint8))
    return str(path)


def test_a_plugin_transition_is_accepted_and_drawn(look_plugin: str, tmp_path: Path) -> None:
    red = _solid(tmp_path / "red.png", (0, 0, 255))
    blue = _solid(tmp_path / "blue.png", (255, 0, 0))
    incoming = Clip(
        start=20,
        length=20,
        source=ImageSource(path=blue),
        transition_in=Transition(kind=TRANSITION, length=10),
    )
    track = Track(
        kind="visual", clips=[Clip(start=0, length=20, source=ImageSource(path=red)), incoming]
    )
    timeline = Timeline.create(30, 160, 90, title="Looks", tracks=[track])
    # It survives the project file's round trip, which checks names against the registry.
    timeline = Timeline.model_validate_json(timeline.model_dump_json())
    comp = Compositor(timeline)
    during = comp.rgb(24)
    assert (during[0::2] == (0, 0, 255)).all()  # even rows: the incoming blue already
    assert (during[1::2] == (255, 0, 0)).all()  # odd rows: still the red before
    assert (comp.rgb(35) == (0, 0, 255)).all()


def test_an_unknown_transition_is_refused_naming_the_choices(look_plugin: str) -> None:
    with pytest.raises(ValidationError) as refused:
        Transition(kind="spin", length=4)
    message = str(refused.value)
    assert "unknown transition 'spin'" in message
    assert all(name in message for name in ("crossfade", "fade", "glitch", "wipe", TRANSITION))


def test_without_the_plugin_its_transition_is_unknown() -> None:
    with pytest.raises(ValidationError, match="unknown transition 'blinds'"):
        Transition(kind=TRANSITION, length=4)


def test_a_plugin_effect_is_accepted_and_drawn(look_plugin: str, tmp_path: Path) -> None:
    script = parse_text(SCRIPT, path=str(tmp_path / "looks.md"), base_dir=tmp_path)
    assert not script.diagnostics, script.diagnostics
    beat = next(b for b in script.beats() if isinstance(b, TerminalBeat))
    negative = build_animation(beat, width=320, height=180, seed=3)
    assert not negative.diagnostics, negative.diagnostics  # no "unknown effect" warning
    plain_beat = beat.model_copy(update={"options": beat.options.model_copy(update={"extra": {}})})
    plain = build_animation(plain_beat, width=320, height=180, seed=3)
    for ms in (0, negative.duration_ms // 2, negative.duration_ms):
        a, b = plain.frame_at(ms), negative.frame_at(ms)
        assert np.array_equal(b[..., :3], 255 - a[..., :3])
        assert np.array_equal(b[..., 3], a[..., 3])


def test_an_unknown_effect_is_a_warning_naming_the_plugin_one_too(look_plugin: str) -> None:
    from app.engine.terminal.effects import parse_effects

    effects, diags = parse_effects(f"wobble,{EFFECT}", line=9)
    assert len(effects) == 1
    assert [d.line for d in diags] == [9]
    assert "glitch, scanlines, crt, fadein, negative" in diags[0].message


def test_a_plugin_preset_is_a_render_choice(
    look_plugin: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (get_preset(PRESET).width, get_preset(PRESET).height) == (320, 180)
    assert main(["render", "--help"]) == 0
    assert PRESET in capsys.readouterr().out
