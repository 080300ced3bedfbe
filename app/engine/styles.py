"""Visual styles: the palette, type, caption look and background every on-screen element shares.

A style is one JSON file in ``resources/styles/`` (the file name is its name), so adding a
style is adding a file; the list of names is read from that folder, never written down
elsewhere. A script picks one with ``style: neon`` or overrides parts of it with the
mapping form (``style: { name: paper, palette: [...], captions: box }``), which reaches
the engine as a :class:`~app.engine.model.script.LookSpec`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from app.engine.model.script import LookSpec
from app.engine.paths import resources_dir

RGB = tuple[int, int, int]

CAPTION_LOOKS: tuple[str, ...] = ("highlight", "box", "plain")
"""How burned-in captions and spoken words mark the word being said."""
FONT_FAMILIES: tuple[str, ...] = ("sans", "serif", "display", "mono")
"""Type families a style may name (``app.engine.motion.typeset`` maps them to files)."""
_HEX = re.compile(r"^#?([0-9a-fA-F]{6})$")


class StyleError(ValueError):
    """A style that does not exist or a style file that cannot be read."""


def parse_hex(text: str) -> RGB:
    """``#rrggbb`` (or ``rrggbb``) as an RGB tuple; raises ``ValueError`` otherwise."""
    m = _HEX.match(text.strip())
    if not m:
        raise ValueError(f"“{text}” is not a colour like #ffb347")
    h = m.group(1)
    return (int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16))


def to_hex(rgb: RGB) -> str:
    return "#" + "".join(f"{max(0, min(255, int(c))):02x}" for c in rgb)


def mix(a: RGB, b: RGB, t: float) -> RGB:
    """``a`` moved ``t`` of the way towards ``b``."""
    return (
        round(a[0] + (b[0] - a[0]) * t),
        round(a[1] + (b[1] - a[1]) * t),
        round(a[2] + (b[2] - a[2]) * t),
    )


def luminance(rgb: RGB) -> float:
    """Relative luminance (WCAG), 0 for black to 1 for white."""

    def channel(c: int) -> float:
        v = c / 255
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: RGB, b: RGB) -> float:
    """WCAG contrast ratio between two colours (1 to 21)."""
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


@dataclass(frozen=True)
class Style:
    """A resolved style: everything an on-screen element needs to draw itself."""

    name: str
    label: str
    description: str
    background: RGB
    surface: RGB
    text: RGB
    muted: RGB
    accent: RGB
    speakers: tuple[RGB, ...]
    glow: RGB
    font: str
    captions: str
    background_kind: str
    terminal_theme: str

    @property
    def is_light(self) -> bool:
        return luminance(self.background) > 0.4

    @property
    def palette_hex(self) -> list[str]:
        """Five colours, darkest first, for procedural backgrounds and title backdrops."""
        ordered = sorted(
            (self.background, self.surface, self.glow, self.accent, self.speakers[0]),
            key=luminance,
        )
        return [to_hex(c) for c in ordered]

    def speaker_color(self, index: int) -> RGB:
        """The colour of the ``index``-th speaker (colours repeat past the list)."""
        return self.speakers[index % len(self.speakers)]

    def on_accent(self) -> RGB:
        """Text colour that reads on the accent colour."""
        dark, light = (10, 12, 16), (255, 255, 255)
        return dark if contrast(self.accent, dark) >= contrast(self.accent, light) else light


def styles_dir() -> Path:
    return resources_dir() / "styles"


@lru_cache(maxsize=1)
def style_names() -> tuple[str, ...]:
    """Every bundled style, the default first, then by name."""
    names = sorted(p.stem for p in styles_dir().glob("*.json"))
    default = next((n for n in names if _load_raw(n).get("default")), names[0] if names else "")
    return tuple([default, *[n for n in names if n != default]]) if names else ()


def default_style_name() -> str:
    names = style_names()
    if not names:
        raise StyleError(f"no styles found in {styles_dir()}")
    return names[0]


@lru_cache(maxsize=32)
def _load_raw(name: str) -> dict[str, Any]:
    path = styles_dir() / f"{name}.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise StyleError(f"no style called “{name}”") from None
    except (OSError, ValueError) as exc:
        raise StyleError(f"{path}: cannot read this style ({exc})") from exc
    if not isinstance(data, dict):
        raise StyleError(f"{path}: a style file holds one JSON object")
    return data


def _from_raw(name: str, raw: dict[str, Any]) -> Style:
    pal = raw.get("palette", {})
    try:
        speakers = tuple(parse_hex(c) for c in pal.get("speakers", [])) or ((76, 201, 240),)
        return Style(
            name=name,
            label=str(raw.get("label", name.title())),
            description=str(raw.get("description", "")),
            background=parse_hex(pal["background"]),
            surface=parse_hex(pal["surface"]),
            text=parse_hex(pal["text"]),
            muted=parse_hex(pal["muted"]),
            accent=parse_hex(pal["accent"]),
            speakers=speakers,
            glow=parse_hex(pal.get("glow", pal["accent"])),
            font=str(raw.get("font", "sans")),
            captions=str(raw.get("captions", "highlight")),
            background_kind=str(raw.get("background", "nebula")),
            terminal_theme=str(raw.get("terminal_theme", "tokyo-night")),
        )
    except (KeyError, ValueError) as exc:
        raise StyleError(f"style “{name}”: bad or missing colour ({exc})") from exc


@lru_cache(maxsize=64)
def _resolve(
    name: str,
    palette: tuple[str, ...],
    font: str | None,
    captions: str | None,
    background: str | None,
) -> Style:
    base = _from_raw(name, _load_raw(name))
    changes: dict[str, Any] = {}
    colours = [parse_hex(c) for c in palette]
    slots = ("background", "surface", "text", "accent")
    for slot, colour in zip(slots, colours, strict=False):
        changes[slot] = colour
    if len(colours) > len(slots):
        changes["speakers"] = tuple(colours[len(slots) :])
    if colours:
        bg = changes.get("background", base.background)
        text = changes.get("text", base.text)
        changes["muted"] = mix(text, bg, 0.35)
    if font:
        changes["font"] = font
    if captions:
        changes["captions"] = captions
    if background:
        changes["background_kind"] = background
    return replace(base, **changes)


def resolve_style(look: LookSpec | None = None) -> Style:
    """The style a script asks for; an unknown name or bad colour falls back to the default.

    The parser reports bad values with their line; here they are simply not applied.
    """
    look = look or LookSpec()
    name = look.name if look.name in style_names() else default_style_name()
    try:
        palette = tuple(to_hex(parse_hex(c)) for c in look.palette)
    except ValueError:
        palette = ()
    return _resolve(
        name,
        palette,
        look.font if look.font in FONT_FAMILIES else None,
        look.captions if look.captions in CAPTION_LOOKS else None,
        look.background,
    )


__all__ = [
    "CAPTION_LOOKS",
    "FONT_FAMILIES",
    "RGB",
    "Style",
    "StyleError",
    "contrast",
    "default_style_name",
    "luminance",
    "mix",
    "parse_hex",
    "resolve_style",
    "style_names",
    "to_hex",
]
