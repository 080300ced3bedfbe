"""Editor pieces that need no parser: scene reordering, highlighting, media drops."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QColor
from pytestqt.qtbot import QtBot

from app.engine.model import Diagnostic, Severity
from app.ui.editor.editor import ScriptEditor, copy_into_assets
from app.ui.editor.outline import reorder_scenes
from app.ui.theme import SYNTAX

TEXT = """---
title: T
---

# T

Intro line.

## One

First scene.

## Two

Second scene.
ALICE: hi

## Three

Third."""


def test_reorder_moves_whole_scenes_and_keeps_the_intro() -> None:
    lines = [9, 13, 18]
    out = reorder_scenes(TEXT, lines, [2, 0, 1])
    assert out.index("## Three") < out.index("## One") < out.index("## Two")
    assert out.startswith("---\ntitle: T\n---\n\n# T\n\nIntro line.\n\n## Three")
    assert "## Three\n\nThird.\n\n## One\n\nFirst scene.\n\n## Two" in out
    assert "ALICE: hi" in out and out.endswith("ALICE: hi")
    # Moving back restores the same scenes in the original order.
    back = reorder_scenes(out, [9, 13, 17], [1, 2, 0])
    assert back == TEXT


def _colour_at(editor: ScriptEditor, line: int, column: int = 0) -> QColor:
    block = editor.document().findBlockByNumber(line - 1)
    for r in block.layout().formats():
        if r.start <= column < r.start + r.length:
            return r.format.foreground().color()
    return QColor()


def test_highlighter_colours_scenes_speakers_pauses_and_blocks(qtbot: QtBot) -> None:
    editor = ScriptEditor()
    qtbot.addWidget(editor)
    editor.setPlainText(
        "## Scene\n\nALICE: Hello (softly)\n\n[pause 1s]\n\n> visual: a red sky\n\n"
        "```terminal theme=dracula\n$ ls -la\noutput\n```\n\n![x](a.png)\n"
    )
    assert _colour_at(editor, 1) == SYNTAX["scene"]
    assert _colour_at(editor, 3) == SYNTAX["speaker"]
    assert _colour_at(editor, 3, len("ALICE: Hello (")) == SYNTAX["direction"]
    assert _colour_at(editor, 5) == SYNTAX["pause"]
    assert _colour_at(editor, 7) == SYNTAX["prompt"]
    assert _colour_at(editor, 9) == SYNTAX["fence"]
    assert _colour_at(editor, 10) == SYNTAX["prompt"]  # a typed command
    assert _colour_at(editor, 11) == SYNTAX["block"]  # its output
    assert _colour_at(editor, 14) == SYNTAX["media"]


def test_diagnostics_underline_the_line_and_jump(qtbot: QtBot) -> None:
    editor = ScriptEditor()
    qtbot.addWidget(editor)
    editor.setPlainText("one\ntwo\nthree\n")
    editor.set_diagnostics([Diagnostic(line=2, severity=Severity.ERROR, message="bad two")])
    sels = editor.extraSelections()
    assert len(sels) == 1
    assert sels[0].cursor.blockNumber() == 1
    assert sels[0].format.toolTip() == "bad two"
    editor.goto_line(3)
    assert editor.current_line() == 3


def test_media_drop_copies_into_assets_and_inserts_a_line(qtbot: QtBot, tmp_path: Path) -> None:
    project = tmp_path / "proj"
    project.mkdir()
    picture = tmp_path / "photo.png"
    picture.write_bytes(b"\x89PNG fake")
    editor = ScriptEditor()
    qtbot.addWidget(editor)
    editor.script_dir = project
    editor.setPlainText("## A\n\nFirst line\nstill first.\n\nSecond.\n")
    editor.drop_files([picture], 3)
    qtbot.waitUntil(lambda: "![photo]" in editor.toPlainText())  # copied by a worker
    assert (project / "assets" / "photo.png").read_bytes() == picture.read_bytes()
    assert (
        editor.toPlainText()
        == "## A\n\nFirst line\nstill first.\n\n![photo](assets/photo.png)\n\nSecond.\n"
    )
    # The same file again is not copied twice; a different file with the name gets a new one.
    assert copy_into_assets(picture, project) == project / "assets" / "photo.png"
    other = tmp_path / "o" / "photo.png"
    other.parent.mkdir()
    other.write_bytes(b"different")
    assert copy_into_assets(other, project) == project / "assets" / "photo-1.png"


def test_dropping_a_script_asks_to_open_it(qtbot: QtBot, tmp_path: Path) -> None:
    editor = ScriptEditor()
    qtbot.addWidget(editor)
    script = tmp_path / "s.md"
    script.write_text("# S\n")
    with qtbot.waitSignal(editor.open_requested) as blocker:
        editor.drop_files([script], 1)
    assert blocker.args == [script]


def test_character_rewrite_touches_only_that_entry() -> None:
    from app.ui.editor.rewrite import character_entry, set_character

    text = "---\ntitle: T  # keep me\ncharacters:\n  NARRATOR: { voice: local/joe }\n  ALICE:\n    voice: local/joe\n    speed: 1.2\nfps: 30\n---\n\n# T\n"
    entry = character_entry("ALICE", "google/en-US-Neural2-F", ["local/joe"], {"speed": 1.1})
    out = set_character(text, "ALICE", entry)
    assert out == (
        "---\ntitle: T  # keep me\ncharacters:\n  NARRATOR: { voice: local/joe }\n"
        "  ALICE: { voice: google/en-US-Neural2-F, fallback: local/joe, speed: 1.1 }\nfps: 30\n---\n\n# T\n"
    )
    added = set_character(text, "BOB", character_entry("BOB", "local/joe", [], {}))
    assert "  BOB: { voice: local/joe }\nfps: 30" in added
    bare = set_character("# T\n", "BOB", "  BOB: { voice: local/joe }")
    assert bare.startswith("---\ncharacters:\n  BOB: { voice: local/joe }\n---\n")


def test_block_option_rewrite_keeps_other_words() -> None:
    from app.ui.editor.rewrite import block_options, set_block_options

    text = "x\n```terminal theme=dracula speed=25\n$ ls\n```\n"
    out = set_block_options(text, 2, {"theme": "nord", "speed": None, "title": "My shell"})
    assert out.split("\n")[1] == '```terminal theme=nord title="My shell"'
    assert block_options(out.split("\n")[1]) == {"theme": "nord", "title": "My shell"}
