"""Every path a script or tape names stays inside its folder, checked by one function.

A shared script or tape must not read or write files elsewhere on the machine: each
kind of path (media, music, thumbnail, avatar, a block's theme, a tape's ``Output`` and
``Set Theme``) is refused when it climbs out, is absolute, or leads out through a link.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.cli import main
from app.engine.model import Diagnostic, TerminalBeat
from app.engine.script import parse_file
from app.engine.terminal.tape import read_tape
from app.engine.terminal.themes import ANSI_KEYS
from app.engine.timeline.layout import block_diagnostics

THEME = {"background": "#000000", "foreground": "#ffffff"} | dict.fromkeys(ANSI_KEYS, "#808080")


def _script(kind: str, path: str) -> str:
    """A script naming ``path`` as a ``kind`` of file."""
    front = {
        "music": f"music: {path}\n",
        "thumbnail": f"thumbnail: {path}\n",
        "avatar": f"characters:\n  NARRATOR: {{ voice: local/joe, avatar: {path} }}\n",
    }.get(kind, "")
    body = {
        "media": f"![a picture]({path})\n",
        "theme": f"```terminal theme={path}\n$ ls\n```\n",
    }.get(kind, "")
    return f"---\ntitle: T\n{front}---\n\n## One\n\nHello there.\n\n{body}"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project folder beside files outside it, and a link that leads out."""
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "x.json").write_text(json.dumps(THEME))
    for name in ("x.png", "x.mp3"):
        (outside / name).write_bytes(b"\x89PNG\r\n\x1a\n" if name.endswith(".png") else b"ID3")
    folder = tmp_path / "project"
    folder.mkdir()
    (folder / "link").symlink_to(outside)
    return folder


def _errors(diags: list[Diagnostic]) -> list[str]:
    return [d.message for d in diags if d.is_error]


@pytest.mark.parametrize("kind", ["media", "music", "thumbnail", "avatar", "theme"])
@pytest.mark.parametrize("how", ["../elsewhere/x", "ABS", "link/x"])
def test_a_script_path_outside_its_folder_is_refused(project: Path, kind: str, how: str) -> None:
    ext = {"theme": "json", "music": "mp3"}.get(kind, "png")
    path = f"{how}.{ext}" if how != "ABS" else str(project.parent / "elsewhere" / f"x.{ext}")
    script_file = project / "video.md"
    script_file.write_text(_script(kind, path))
    script = parse_file(script_file)
    errors = _errors(script.diagnostics)
    assert len(errors) == 1 and path in errors[0], script.diagnostics
    settings = script.settings
    assert settings.music_resolved is None and settings.thumbnail_resolved is None
    assert all(c.avatar_resolved is None for c in script.characters)
    for beat in script.beats():
        assert getattr(beat, "resolved", None) is None
        if isinstance(beat, TerminalBeat):
            assert beat.options.theme is None


def test_a_theme_file_inside_the_folder_is_found_from_any_directory(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (project / "themes").mkdir()
    (project / "themes" / "mine.json").write_text(json.dumps(THEME))
    (project / "video.md").write_text(_script("theme", "themes/mine.json"))
    monkeypatch.chdir(project.parent)  # resolved against the script, not the current folder
    script = parse_file(project / "video.md")
    (beat,) = [b for b in script.beats() if isinstance(b, TerminalBeat)]
    assert beat.options.theme == str((project / "themes" / "mine.json").resolve())
    assert not _errors(script.diagnostics) and block_diagnostics(script) == []


def test_a_broken_theme_file_is_a_diagnostic(project: Path) -> None:
    (project / "bad.json").write_text('{"background": ')
    (project / "video.md").write_text(_script("theme", "bad.json"))
    script = parse_file(project / "video.md")
    (found,) = block_diagnostics(script)
    assert "bad.json" in found.message and found.file == str(project / "video.md")


@pytest.mark.parametrize("setting", ["Output", "Set Theme"])
@pytest.mark.parametrize("how", ["../elsewhere/x", "ABS", "link/x"])
def test_a_tape_path_outside_its_folder_is_refused(project: Path, setting: str, how: str) -> None:
    ext = "json" if setting == "Set Theme" else "mp4"
    path = f"{how}.{ext}" if how != "ABS" else str(project.parent / "elsewhere" / f"x.{ext}")
    tape = project / "demo.tape"
    tape.write_text(f'{setting} "{path}"\nType "ls"\n')
    session = read_tape(tape)
    (error,) = _errors(session.diagnostics)
    assert path in error
    assert "Output" not in session.settings and session.theme is None


def test_a_tape_output_is_written_inside_its_folder_only(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    tape = project / "demo.tape"
    tape.write_text('Output "../escaped"\nType "ls"\n')
    monkeypatch.chdir(project)
    assert main(["terminal", str(tape), "--size", "64x36", "--fps", "1"]) == 1
    assert "points outside the tape's folder" in capsys.readouterr().err
    assert not (project.parent / "escaped").exists()
    tape.write_text('Output "frames"\nType "ls"\n')
    monkeypatch.chdir(project.parent)
    assert main(["terminal", str(tape), "--size", "64x36", "--fps", "1"]) == 0
    assert any((project / "frames").glob("*.png"))
