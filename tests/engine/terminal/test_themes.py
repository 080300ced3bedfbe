"""Themes are data files; any xterm.js theme JSON can be brought in."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.engine.terminal.themes import ThemeError, list_themes, load_theme, palette_256

REQUIRED = {
    "dracula", "solarized-dark", "solarized-light", "nord", "gruvbox-dark", "monokai", "one-dark",
    "tokyo-night", "catppuccin-mocha", "github-dark", "github-light", "retro-green",
}  # fmt: skip


def test_the_twelve_bundled_themes_load() -> None:
    names = set(list_themes())
    assert names >= REQUIRED
    for name in REQUIRED:
        t = load_theme(name)
        assert len(t.ansi) == 16
        assert t.background != t.foreground
    assert load_theme("github-light").is_light and not load_theme("dracula").is_light
    assert load_theme("dracula").background == (0x28, 0x2A, 0x36)


def test_an_xterm_js_theme_file_is_read(tmp_path: Path) -> None:
    keys = ["black", "red", "green", "yellow", "blue", "magenta", "cyan", "white"]
    data = {k: f"#0{i}0{i}0{i}" for i, k in enumerate(keys)}
    data |= {"bright" + k.capitalize(): f"#1{i}1{i}1{i}" for i, k in enumerate(keys)}
    data |= {
        "background": "#101418",
        "foreground": "#e0e0e0",
        "cursor": "#ff00ff",
        "selectionBackground": "#334455",
    }
    path = tmp_path / "mine.json"
    path.write_text(json.dumps(data))
    t = load_theme(str(path))
    assert t.background == (0x10, 0x14, 0x18)
    assert t.cursor == (255, 0, 255)
    assert t.selection == (0x33, 0x44, 0x55)
    assert t.ansi[1] == (0x01, 0x01, 0x01) and t.ansi[9] == (0x11, 0x11, 0x11)
    assert palette_256(t)[:16] == list(t.ansi) and len(palette_256(t)) == 256


def test_bad_themes_say_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(ThemeError, match="use one of"):
        load_theme("no-such-theme")
    broken = tmp_path / "broken.json"
    broken.write_text('{"background": "#000000",\n "red": }')
    with pytest.raises(ThemeError, match=r"broken.json:2"):
        load_theme(str(broken))
    partial = tmp_path / "partial.json"
    partial.write_text('{"background": "#000000"}')
    with pytest.raises(ThemeError, match="lacks the colour 'black'"):
        load_theme(str(partial))
