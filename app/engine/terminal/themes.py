"""Terminal colour themes as data: xterm.js-style JSON files.

The bundled themes live in ``resources/themes/NAME.json``; users can pass the path of any
xterm.js theme JSON they already have (the 16 colours plus background, foreground,
cursor and selection), so the format we ship is the format we read.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from app.engine.paths import names_a_theme_file, resources_dir

RGB = tuple[int, int, int]

ANSI_KEYS: tuple[str, ...] = (
    "black", "red", "green", "yellow", "blue", "magenta", "cyan", "white",
    "brightBlack", "brightRed", "brightGreen", "brightYellow",
    "brightBlue", "brightMagenta", "brightCyan", "brightWhite",
)  # fmt: skip

DEFAULT_THEME = "dracula"


class ThemeError(ValueError):
    """A theme that cannot be found or read; the message names the file and the fix."""


@dataclass(frozen=True)
class Theme:
    """The colours a terminal or editor view is drawn with."""

    name: str
    background: RGB
    foreground: RGB
    cursor: RGB
    cursor_accent: RGB
    selection: RGB
    ansi: tuple[RGB, ...]
    """The 16 ANSI colours: 0-7 normal, 8-15 bright."""

    @property
    def is_light(self) -> bool:
        r, g, b = self.background
        return (0.299 * r + 0.587 * g + 0.114 * b) > 140

    def mix(self, a: RGB, b: RGB, t: float) -> RGB:
        """``a`` moved a fraction ``t`` towards ``b`` (used for dim text and chrome)."""
        return (
            round(a[0] + (b[0] - a[0]) * t),
            round(a[1] + (b[1] - a[1]) * t),
            round(a[2] + (b[2] - a[2]) * t),
        )


def parse_color(value: Any) -> RGB:
    """``#rrggbb``, ``#rgb``, ``rrggbb`` or ``rgb(r, g, b)`` to a tuple; alpha is dropped."""
    if not isinstance(value, str):
        raise ValueError(f"expected a colour string, got {value!r}")
    text = value.strip().lower()
    if text.startswith("rgb"):
        inner = text[text.index("(") + 1 : text.rindex(")")]
        parts = [p.strip() for p in inner.split(",")][:3]
        r, g, b = (max(0, min(255, int(float(p)))) for p in parts)
        return (r, g, b)
    text = text.lstrip("#")
    if len(text) in (3, 4):
        text = "".join(c * 2 for c in text[:3])
    if len(text) not in (6, 8) or any(c not in "0123456789abcdef" for c in text):
        raise ValueError(f"{value!r} is not a colour like #rrggbb")
    return (int(text[0:2], 16), int(text[2:4], 16), int(text[4:6], 16))


def theme_from_dict(data: dict[str, Any], name: str) -> Theme:
    """Build a theme from xterm.js ``ITheme`` keys (``brightBlack`` and friends)."""
    try:
        background = parse_color(data.get("background", "#000000"))
        foreground = parse_color(data.get("foreground", "#ffffff"))
        ansi = tuple(parse_color(data[k]) for k in ANSI_KEYS)
        cursor = parse_color(data.get("cursor", data.get("foreground", "#ffffff")))
        accent = parse_color(data.get("cursorAccent", data.get("background", "#000000")))
        sel = data.get("selectionBackground", data.get("selection"))
    except KeyError as exc:
        raise ThemeError(f"theme {name!r} lacks the colour {exc.args[0]!r}") from None
    except ValueError as exc:
        raise ThemeError(f"theme {name!r}: {exc}") from None
    try:
        selection = parse_color(sel) if sel else _mix(background, foreground, 0.25)
    except ValueError:
        selection = _mix(background, foreground, 0.25)
    return Theme(
        str(data.get("name", name)), background, foreground, cursor, accent, selection, ansi
    )


def _mix(a: RGB, b: RGB, t: float) -> RGB:
    return (
        round(a[0] + (b[0] - a[0]) * t),
        round(a[1] + (b[1] - a[1]) * t),
        round(a[2] + (b[2] - a[2]) * t),
    )


def themes_dir() -> Path:
    return resources_dir() / "themes"


def list_themes() -> list[str]:
    """Names of the bundled themes, sorted."""
    return sorted(p.stem for p in themes_dir().glob("*.json"))


@lru_cache(maxsize=64)
def _load_file(path: str) -> Theme:
    p = Path(path)
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ThemeError(f"cannot read theme file {p}: {exc.strerror}") from None
    except json.JSONDecodeError as exc:
        raise ThemeError(f"{p}:{exc.lineno}: theme is not valid JSON ({exc.msg})") from None
    if not isinstance(data, dict):
        raise ThemeError(f"{p}: a theme is a JSON object of colours")
    return theme_from_dict(data, p.stem)


def load_theme(name_or_path: str | Path | None) -> Theme:
    """A bundled theme by name (``dracula``), or an xterm.js theme JSON file by path."""
    if name_or_path is None or str(name_or_path).strip() == "":
        name_or_path = DEFAULT_THEME
    text = str(name_or_path).strip()
    bundled = themes_dir() / f"{text.lower()}.json"
    if not names_a_theme_file(text) and bundled.is_file():
        return _load_file(str(bundled))
    p = Path(text).expanduser()
    if p.suffix.lower() == ".json" and p.is_file():
        return _load_file(str(p.resolve()))
    raise ThemeError(
        f"unknown theme {text!r}: use one of {', '.join(list_themes())} "
        "or the path of an xterm.js theme .json file"
    )


def palette_256(theme: Theme) -> list[RGB]:
    """The xterm 256-colour palette with the theme's own 16 colours first."""
    colors: list[RGB] = list(theme.ansi)
    steps = (0, 95, 135, 175, 215, 255)
    for r in steps:
        for g in steps:
            for b in steps:
                colors.append((r, g, b))
    for i in range(24):
        v = 8 + 10 * i
        colors.append((v, v, v))
    return colors
