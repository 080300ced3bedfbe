"""A terminal effect from a plugin gets its box in the studio's terminal panel, and the
preview draws it."""

from __future__ import annotations

import numpy as np
from pytestqt.qtbot import QtBot

from app.engine.model import TerminalBeat
from app.engine.terminal import build_animation
from app.ui.main_window import MainWindow
from app.ui.terminal.panel import PREVIEW_SIZE
from tests.fakes.look_plugin import EFFECT, look_plugin

__all__ = ["look_plugin"]


def test_a_plugin_effect_is_offered_written_and_previewed(
    look_plugin: str, qtbot: QtBot, studio: MainWindow
) -> None:
    panel = studio.terminal
    assert list(panel.effects) == ["glitch", "scanlines", "crt", "fadein", EFFECT]
    panel.playing.setChecked(False)
    studio.focus_panel("terminal")
    script = studio.document.script
    assert script is not None
    block = next(b for b in script.beats() if isinstance(b, TerminalBeat))
    studio.editor.goto_line(block.line + 1)
    assert panel.beat is not None and panel.beat.line == block.line

    panel.effects[EFFECT].setChecked(True)
    fence = studio.editor.toPlainText().split("\n")[block.line - 1]
    assert f"effects={EFFECT}" in fence
    qtbot.waitUntil(
        lambda: (
            panel.beat is not None
            and EFFECT in panel.beat.options.extra.get("effects", "")
            and panel.animation is not None
        ),
        timeout=20000,
    )
    panel.seek(700)
    qtbot.waitUntil(lambda: panel.shown_ms == 700 and panel.shown_array is not None, timeout=20000)
    plain = build_animation(block, width=PREVIEW_SIZE[0], height=PREVIEW_SIZE[1]).frame_at(700)
    shown = panel.shown_array
    assert shown is not None
    assert np.array_equal(shown[..., :3], 255 - plain[..., :3])
