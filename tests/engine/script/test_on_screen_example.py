"""The on-screen text example, and the `parse --json` shape of the new beats and fields."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from app.engine.model.script import CalloutBeat, SpeechBeat, TableBeat, TerminalBeat
from app.engine.script import parse_file
from tests.conftest import EXAMPLES, ROOT

SCRIPT = EXAMPLES / "on-screen-text" / "script.md"


def run_parse_json(path: Path) -> tuple[int, dict]:  # type: ignore[type-arg]
    proc = subprocess.run(
        [sys.executable, "main.py", "parse", str(path), "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc.returncode, json.loads(proc.stdout)


def test_the_example_parses_with_no_diagnostics_at_all() -> None:
    script = parse_file(SCRIPT)
    assert [d.format() for d in script.diagnostics] == []
    assert script.title == "How DNS Finds a Website"
    assert 35_000 <= script.estimated_ms <= 60_000


def test_the_example_uses_every_on_screen_element() -> None:
    script = parse_file(SCRIPT)
    beats = script.beats()
    speech = [b for b in beats if isinstance(b, SpeechBeat)]
    kinds = {b.shown.kind for b in speech if b.shown}
    assert kinds == {"list_item", "quote"}
    assert any(b.shown and b.shown.attribution for b in speech)
    assert any(b.emphasis for b in speech)
    assert any(isinstance(b, TableBeat) for b in beats)
    assert any(isinstance(b, CalloutBeat) for b in beats)
    assert any(isinstance(b, TerminalBeat) and b.commands for b in beats)
    assert {b.speaker for b in speech} == {"NARRATOR", "Dr. Kim"}
    assert script.settings.look.name == "blueprint" and script.settings.style == ""
    kim = script.character("Dr. Kim")
    assert kim is not None and kim.color is not None
    assert "**Dr. Kim:**" in SCRIPT.read_text(encoding="utf-8")


def test_parse_json_shows_tables_callouts_shown_and_emphasis() -> None:
    code, data = run_parse_json(SCRIPT)
    assert code == 0
    lines = SCRIPT.read_text(encoding="utf-8").split("\n")
    beats = [b for scene in data["scenes"] for b in scene["beats"]]
    assert {b["kind"] for b in beats} == {"speech", "table", "callout", "terminal"}
    for beat in beats:
        source = lines[beat["line"] - 1]
        if beat["kind"] == "table":
            assert {"header", "rows", "align", "estimated_ms"} <= beat.keys()
            assert source.startswith("|") and beat["header"][0] in source
            assert all(a in ("left", "center", "right") for a in beat["align"])
            assert len(beat["align"]) == len(beat["header"])
        elif beat["kind"] == "callout":
            assert source == f"{'#' * beat['level']} {beat['text']}"
        elif beat["kind"] == "speech":
            assert {"speaker", "text", "shown", "emphasis"} <= beat.keys()
            shown = beat["shown"]
            if shown is None:
                continue
            assert set(shown) == {
                "kind",
                "group",
                "index",
                "ordered",
                "marker",
                "depth",
                "attribution",
            }
            first = lines[shown["group"] - 1]
            if shown["kind"] == "list_item":
                assert first.lstrip()[:1].isdigit() or first.lstrip().startswith(("-", "*", "+"))
            else:
                assert first.startswith(">")
    items = [b for b in beats if b["kind"] == "speech" and b["shown"]]
    first_item = next(b for b in items if b["shown"]["kind"] == "list_item")
    assert first_item["shown"] == {
        "kind": "list_item",
        "group": lines.index("1. Your computer asks a **resolver**, usually run by your provider.")
        + 1,
        "index": 0,
        "ordered": True,
        "marker": "1.",
        "depth": 0,
        "attribution": "",
    }
    assert first_item["emphasis"] == ["resolver"]
    assert first_item["text"].startswith("Your computer asks a resolver")
    assert any(b["kind"] == "speech" and b["shown"] is None for b in beats)
    kim = next(c for c in data["characters"] if c["name"] == "Dr. Kim")
    assert {"color", "avatar", "avatar_resolved"} <= kim.keys()
    look = data["settings"]["look"]
    assert look["name"] == "blueprint"
    assert {"captions", "typing_sound", "thumbnail", "thumbnail_ms"} <= data["settings"].keys()


def test_existing_beat_fields_are_unchanged_in_json() -> None:
    code, data = run_parse_json(SCRIPT)
    assert code == 0
    terminal = next(b for s in data["scenes"] for b in s["beats"] if b["kind"] == "terminal")
    assert terminal["commands"] == ["dig +short example.com"]
    speech = next(b for s in data["scenes"] for b in s["beats"] if b["kind"] == "speech")
    assert {"line", "end_line", "speaker", "text", "caption", "direction", "chunks"} <= set(speech)
