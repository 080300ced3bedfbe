"""The shared sample scripts (skipped when ../shared/corpus is not beside the checkout)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from app.engine.model.script import MediaBeat, PauseBeat, SpeechBeat, TerminalBeat, VisualBeat
from app.engine.script import parse_file
from tests.conftest import ROOT
from tests.engine.script.conftest import at


def test_ssh_handshake(corpus_dir: Path) -> None:
    script = parse_file(corpus_dir / "ssh-handshake.md")
    assert not script.has_errors
    assert script.title == "How SSH Really Works"
    assert [c.name for c in script.characters] == ["NARRATOR", "ALICE"]
    assert script.character("ALICE").settings.speed == 1.15  # type: ignore[union-attr]
    assert [(s.title, s.line) for s in script.scenes] == [
        ("How SSH Really Works", 13),
        ("The handshake", 18),
        ("Key exchange", 37),
        ("Logging in", 57),
    ]
    handshake = script.scenes[1].beats
    assert [(b.kind, b.line) for b in handshake] == [
        ("visual", 20),
        ("speech", 22),
        ("speech", 24),
        ("speech", 26),
        ("terminal", 28),
        ("pause", 35),
    ]
    visual, _, alice, _, terminal, pause = handshake
    assert isinstance(visual, VisualBeat)
    assert visual.prompt == "a glowing server rack in a dark datacenter"
    assert visual.styled_prompt.endswith("cinematic, teal and orange, soft volumetric light")
    assert isinstance(alice, SpeechBeat) and (alice.speaker, alice.text) == (
        "ALICE",
        "Wait. The server talks first?",
    )
    assert isinstance(terminal, TerminalBeat) and terminal.commands == ["ssh -v alice@example.com"]
    assert (terminal.options.theme, terminal.options.speed) == ("dracula", 30.0)
    assert isinstance(pause, PauseBeat) and pause.duration_ms == 1000
    key = script.scenes[2].beats
    bold = key[2]
    assert isinstance(bold, SpeechBeat) and (bold.line, bold.speaker, bold.direction) == (
        44,
        "ALICE",
        "skeptical",
    )
    assert bold.text == "And how do I know it is really my server?"
    media = key[3]
    assert isinstance(media, MediaBeat) and media.line == 46 and media.resolved is not None
    last = script.scenes[3].beats
    assert [(b.kind, b.line) for b in last] == [("speech", 59), ("terminal", 61), ("speech", 67)]
    assert isinstance(last[1], TerminalBeat) and last[1].options.sync_next
    intro = script.scenes[0].beats[0]
    assert isinstance(intro, SpeechBeat) and intro.speaker == "NARRATOR" and intro.line == 15


def test_diagnostics_script_lines(corpus_dir: Path) -> None:
    script = parse_file(corpus_dir / "diagnostics.md")
    assert [d.line for d in at(script, 4, "error")] == [4]
    assert "nosuchprovider" in at(script, 4, "error")[0].message
    assert "colour" in at(script, 5, "warning")[0].message
    assert "BOB" in at(script, 10, "warning")[0].message
    assert "does-not-exist.png" in at(script, 12, "error")[0].message
    assert "never closed" in at(script, 14, "error")[0].message
    assert sorted((d.line, d.severity.value) for d in script.diagnostics) == [
        (4, "error"),
        (5, "warning"),
        (10, "warning"),
        (12, "error"),
        (14, "error"),
    ]


def test_diagnostics_script_exits_1_from_the_cli(corpus_dir: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "main.py", "parse", str(corpus_dir / "diagnostics.md"), "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    data = json.loads(proc.stdout)
    assert sorted(d["line"] for d in data["diagnostics"]) == [4, 5, 10, 12, 14]


def test_other_corpus_scripts_parse_cleanly(corpus_dir: Path) -> None:
    code = parse_file(corpus_dir / "code-walkthrough.md")
    assert not code.has_errors and code.title == "Fibonacci, three ways"
    assert [b.kind for b in code.beats()] == [
        "visual",
        "speech",
        "code",
        "speech",
        "code",
        "speech",
        "terminal",
    ]
    assert [d.line for d in code.diagnostics] == [28]  # HOST has no characters entry
    short = parse_file(corpus_dir / "git-undo-short.md")
    assert not short.has_errors and short.settings.aspect == "9:16"
    pause = [b for b in short.beats() if isinstance(b, PauseBeat)]
    assert [(p.line, p.duration_ms) for p in pause] == [(29, 500)]
