"""The terminal preview follows the cursor, animates the block and writes options back."""

from __future__ import annotations

import numpy as np
from pytestqt.qtbot import QtBot

from app.engine.model import TerminalBeat
from app.engine.terminal import build_animation
from app.ui.main_window import MainWindow
from app.ui.terminal.panel import PREVIEW_SIZE


def test_block_under_cursor_is_previewed_and_options_written_back(
    qtbot: QtBot, studio: MainWindow
) -> None:
    panel = studio.terminal
    panel.playing.setChecked(False)
    studio.focus_panel("terminal")
    script = studio.document.script
    assert script is not None
    blocks = [b for b in script.beats() if isinstance(b, TerminalBeat)]
    second = blocks[1]
    studio.editor.goto_line(second.line + 1)
    assert panel.beat is not None and panel.beat.line == second.line
    qtbot.waitUntil(
        lambda: panel.animation is not None and panel.shown_array is not None, timeout=20000
    )
    panel.seek(700)
    qtbot.waitUntil(lambda: panel.shown_ms == 700, timeout=20000)
    expected = build_animation(second, width=PREVIEW_SIZE[0], height=PREVIEW_SIZE[1]).frame_at(700)
    assert np.array_equal(panel.shown_array, expected)

    panel.theme.setCurrentIndex(panel.theme.findData("nord"))
    panel.effects["scanlines"].setChecked(True)
    panel.chrome.setChecked(False)
    fence = studio.editor.toPlainText().split("\n")[second.line - 1]
    assert "theme=nord" in fence and "effects=scanlines" in fence and "chrome=off" in fence
    reparsed = studio.document.script
    assert reparsed is not None
    beat = next(b for b in reparsed.beats() if b.line == second.line)
    assert isinstance(beat, TerminalBeat) and beat.options.theme == "nord"
    # The preview now shows the block as rewritten.
    qtbot.waitUntil(
        lambda: (
            panel.animation is not None
            and panel.beat is not None
            and panel.beat.options.theme == "nord"
        ),
        timeout=20000,
    )
