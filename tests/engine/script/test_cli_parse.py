"""``python main.py parse`` as a user runs it: a real subprocess, its output and exit code."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import EXAMPLES, ROOT

EXAMPLE = EXAMPLES / "how-ssh-works" / "script.md"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [sys.executable, "main.py", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


def test_json_for_the_example_follows_the_spec() -> None:
    proc = run("parse", str(EXAMPLE), "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["title"] == "How SSH Really Works"
    assert (
        isinstance(data["estimated_duration_s"], float) and 60 <= data["estimated_duration_s"] <= 90
    )
    assert {"name": "NARRATOR", "voice": "local/joe"}.items() <= data["characters"][0].items()
    assert data["characters"][1]["name"] == "ALICE"
    assert data["diagnostics"] == []
    lines = EXAMPLE.read_text(encoding="utf-8").split("\n")
    for scene in data["scenes"]:
        assert {"title", "line", "beats"} <= scene.keys()
        if not scene["intro"]:
            assert lines[scene["line"] - 1] == f"## {scene['title']}"
        for beat in scene["beats"]:
            kind = beat["kind"]
            assert kind in {"speech", "pause", "terminal", "code", "visual", "media"}
            source = lines[beat["line"] - 1]
            required = {
                "speech": {"speaker", "text"},
                "pause": {"seconds"},
                "terminal": {"commands"},
                "code": {"language", "code"},
                "visual": {"prompt"},
                "media": {"path"},
            }[kind]
            assert required <= beat.keys()
            # Each beat's line really is where that element is written.
            if kind == "pause":
                assert source.startswith("[pause")
            elif kind in ("terminal", "code"):
                assert source.startswith("```")
            elif kind == "visual":
                assert source.lower().startswith("> visual:")
            elif kind == "media":
                assert beat["path"] in source
            else:
                assert beat["text"].split()[0].strip("(") in source or beat["direction"]


def test_exit_1_and_compiler_form_for_errors(tmp_path: Path) -> None:
    script = tmp_path / "broken.md"
    script.write_text(
        "# Broken\n\n## Scene\n\n![gone](images/gone.png)\n\nWords.\n", encoding="utf-8"
    )
    proc = run("parse", str(script))
    assert proc.returncode == 1
    assert "Broken" in proc.stdout and "Scene (line 3)" in proc.stdout
    assert f"{script}:5:9: error: the media file “images/gone.png” does not exist" in proc.stderr


def test_human_summary_for_a_clean_script() -> None:
    proc = run("parse", str(EXAMPLE))
    assert proc.returncode == 0
    out = proc.stdout
    assert out.startswith("How SSH Really Works")
    assert "ALICE" in out and "elevenlabs/21m00Tcm4TlvDq8ikWAM (fallback local/joe)" in out
    assert "The hello (line 25)" in out and "1 terminal" in out
    assert proc.stderr == ""


def test_missing_binary_and_directory_inputs_exit_1_with_a_message(tmp_path: Path) -> None:
    binary = tmp_path / "image.md"
    binary.write_bytes(b"\x00\x01\x02PNG" * 100)
    for target, words in [
        (tmp_path / "missing.md", "no file"),
        (binary, "binary"),
        (tmp_path, "folder"),
    ]:
        proc = run("parse", str(target), "--json")
        assert proc.returncode == 1, target
        data = json.loads(proc.stdout)
        assert words in data["diagnostics"][0]["message"]
        assert data["diagnostics"][0]["severity"] == "error"


def test_usage_errors_exit_2() -> None:
    assert run("parse").returncode == 2
    assert run("parse", "a.md", "--no-such-flag").returncode == 2


def test_help_and_version() -> None:
    helped = run("parse", "--help")
    assert helped.returncode == 0 and "--json" in helped.stdout
    version = run("--version")
    assert version.returncode == 0 and version.stdout.startswith("Castline ")
