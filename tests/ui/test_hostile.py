"""A 200 KB one-line terminal block: the studio stays usable, and closing stops its work."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QTextCursor
from pytestqt.qtbot import QtBot

from app.engine.store import Store
from app.ui import workers
from tests.ui.conftest import close_window, open_window

HUGE = (
    "---\ntitle: Hostile block\n---\n\n# Hostile block\n\n## Huge\n\nA very long line follows.\n\n"
    f"```terminal\n$ cat big.log\n{'x' * 200_000}\n```\n\nThat was a lot.\n"
)


def test_a_huge_block_is_previewed_cut_and_closing_drops_the_queued_work(
    qtbot: QtBot, store: Store, tmp_path: Path
) -> None:
    script = tmp_path / "hostile" / "script.md"
    script.parent.mkdir()
    script.write_text(HUGE)
    window = open_window(qtbot, store, script)
    tl = window.document.timeline
    assert tl is not None
    clip = next(c for t in tl.tracks if t.kind == "terminal" for c in t.clips)
    # The writer is told the line was cut, on the block's own line.
    problems = [d for d in window.editor.diagnostics if "200,000 characters" in d.message]
    assert [d.line for d in problems] == [clip.script_line]
    # The preview draws the block, the timeline its thumbnail, the terminal panel animates it.
    middle = clip.start + clip.length // 2
    window.timeline_panel.view.set_playhead(middle, emit=True)
    qtbot.waitUntil(lambda: window.preview.shown_frame == middle, timeout=20000)
    item = window.timeline_panel.view.clip_items[clip.id]
    qtbot.waitUntil(lambda: item.thumbnail is not None, timeout=20000)
    window.focus_panel("terminal")
    window.editor.goto_line((clip.script_line or 1) + 1)
    qtbot.waitUntil(lambda: window.terminal.shown_array is not None, timeout=20000)
    # Typing still reaches the timeline.
    cursor = window.editor.textCursor()
    cursor.movePosition(QTextCursor.MoveOperation.End)
    window.editor.setTextCursor(cursor)
    window.editor.insertPlainText("\nAnd one more line.\n")
    qtbot.waitUntil(
        lambda: any(
            getattr(c.source, "text", "") == "And one more line."
            for t in tl.tracks
            for c in t.clips
        ),
        timeout=20000,
    )
    # Queue plenty of work, then close: what had not started is dropped, nothing more starts.
    for frame in range(0, tl.duration, max(1, tl.duration // 40)):
        window.preview.show_frame(frame)
    window.document.parse_soon()
    close_window(window)
    assert window.document.closed
    assert window.preview.requests.closed and window.terminal.requests.closed
    assert window.timeline_panel.view.media.closed
    assert window.timeline_panel.view.media.queued() == 0
    assert workers.queued(window.document) == 0
    assert not window.voicing.running
