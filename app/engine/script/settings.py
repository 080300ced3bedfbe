"""Front matter keys to ScriptSettings and Characters, each bad value reported where it stands."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any, get_args

import yaml

from app.engine.model.script import CaptionMode, LookSpec, ScriptSettings
from app.engine.model.voice import KNOWN_PROVIDERS, Character, VoiceRef, VoiceSettings
from app.engine.script.frontmatter import FrontMatter, key_position, value_node
from app.engine.styles import CAPTION_LOOKS, FONT_FAMILIES, parse_hex, style_names, to_hex

KNOWN_KEYS = (
    "title",
    "description",
    "tags",
    "aspect",
    "fps",
    "style",
    "music",
    "characters",
    "budget",
    "captions",
    "typing_sound",
    "thumbnail",
    "visuals",
)
CHARACTER_KEYS = (
    "voice",
    "fallback",
    "speed",
    "pitch",
    "stability",
    "similarity_boost",
    "style",
    "color",
    "avatar",
)
STYLE_KEYS = ("name", "palette", "font", "captions", "background", "prompt")
"""Keys of the mapping form ``style: { name: neon, palette: [...], ... }``."""
CAPTION_MODES: tuple[str, ...] = get_args(CaptionMode)
_ON = ("on", "true", "yes")
_OFF = ("off", "false", "no")
_TIME = re.compile(
    r"^(?:(?:(?P<h>\d+):)?(?P<m>\d+):(?P<s>\d{1,2}(?:\.\d+)?)"
    r"|(?P<secs>\d+(?:\.\d+)?)\s*(?P<unit>s|ms)?)$",
    re.IGNORECASE,
)
"""A thumbnail time: ``0:42``, ``1:02.5``, ``1:00:05``, ``42s``, ``42.5``, ``1500ms``."""
# YAML 1.1 reads an unquoted 16:9 as a base-60 number.
_SEXAGESIMAL_ASPECTS = {16 * 60 + 9: "16:9", 9 * 60 + 16: "9:16"}

Report = Callable[[int, int, str, str], None]
"""report(line, column, severity, message) with 1-based file positions."""
FileCheck = Callable[[str, int, int, str, str], str | None]
"""check(path, line, column, what, where) -> the absolute path of a file inside the script's
folder, or ``None`` after reporting why not (``what`` names it, ``where`` shows how to write it)."""


def readable_image(path: str) -> bool:
    """Whether Pillow can open ``path`` as an image and its data checks out.

    ``verify`` reads the file through without decoding every pixel, so a renamed text file
    or a truncated download is caught here rather than mid-render.
    """
    from PIL import Image

    try:
        with Image.open(path) as img:
            img.verify()
    except Exception:  # Pillow signals a bad file with many exception types
        return False
    return True


def parse_time_ms(text: str) -> int | None:
    """Milliseconds of ``0:42``, ``1:02.5``, ``42s``, ``42.5`` or ``1500ms``; else ``None``."""
    m = _TIME.match(text.strip())
    if not m:
        return None
    if m.group("secs") is not None:
        value = float(m.group("secs"))
        return round(value if (m.group("unit") or "").lower() == "ms" else value * 1000)
    seconds = float(m.group("s"))
    if seconds >= 60 or (m.group("h") is not None and int(m.group("m")) >= 60):
        return None
    total = int(m.group("h") or 0) * 3600 + int(m.group("m")) * 60 + seconds
    return round(total * 1000)


class SettingsReader:
    """Turns the loaded front matter into settings, reporting at the right file line."""

    def __init__(
        self, fm: FrontMatter, first_line: int, report: Report, check_file: FileCheck | None = None
    ) -> None:
        self.fm = fm
        self.first_line = first_line
        """1-based file line of the first YAML line (the line after the opening ---)."""
        self.report = report
        self.check_file = check_file
        """Resolves thumbnail and avatar paths; without it paths are kept as written only."""

    def position(self, *path: str, value: bool = False) -> tuple[int, int]:
        """1-based (line, column) in the script file of a key, or of its value."""
        pos = key_position(self.fm.node, *path, value=value)
        if pos is None:
            return self.first_line - 1, 1
        return pos[0] + self.first_line, pos[1] + 1

    def _warn(self, path: tuple[str, ...], message: str, *, value: bool = True) -> None:
        line, col = self.position(*path, value=value)
        self.report(line, col, "warning", message)

    def _error(self, path: tuple[str, ...], message: str, *, value: bool = True) -> None:
        line, col = self.position(*path, value=value)
        self.report(line, col, "error", message)

    def settings(self) -> ScriptSettings:
        data = self.fm.data
        s = ScriptSettings()
        for key in data:
            if str(key) not in KNOWN_KEYS:
                self._warn(
                    (str(key),),
                    f"unknown front matter key `{key}`; it is ignored. Known keys: "
                    f"{', '.join(KNOWN_KEYS)}.",
                    value=False,
                )
        if "title" in data and data["title"] is not None:
            title = _text(data["title"])
            if title:
                s.title = title
            else:
                self._warn(("title",), "the title is empty; write `title: Your video's title`.")
        if "description" in data and data["description"] is not None:
            s.description = _text(data["description"])
        if "tags" in data and data["tags"] is not None:
            s.tags = self._tags(data["tags"])
        if "aspect" in data:
            s.aspect = self._aspect(data["aspect"])
        if "fps" in data:
            s.fps = self._fps(data["fps"])
        if "style" in data and data["style"] is not None:
            self._style(data["style"], s)
        if "music" in data and data["music"] is not None:
            s.music = _text(data["music"]) or None
        if "budget" in data and data["budget"] is not None:
            s.budget_usd = self._budget(data["budget"])
        if "visuals" in data and data["visuals"] is not None:
            s.visuals = self._visuals(data["visuals"])
        if "captions" in data:
            s.captions = self._captions(data["captions"])
        if "typing_sound" in data:
            s.typing_sound = self._typing_sound(data["typing_sound"])
        if "thumbnail" in data and data["thumbnail"] is not None:
            self._thumbnail(data["thumbnail"], s)
        return s

    # -- style ------------------------------------------------------------
    def _style(self, value: Any, s: ScriptSettings) -> None:
        """A bundled style's name picks the look; any other text is the visual prompt style."""
        if isinstance(value, list):
            s.style = ", ".join(_text(x) for x in value)
            return
        if isinstance(value, dict):
            self._style_mapping(value, s)
            return
        text = _text(value).strip()
        if text.lower() in style_names():
            s.look = LookSpec(name=text.lower())
        else:
            s.style = _text(value)

    def _style_mapping(self, spec: dict[Any, Any], s: ScriptSettings) -> None:
        look = LookSpec()
        for k in spec:
            if str(k) not in STYLE_KEYS:
                self._warn(
                    ("style", str(k)),
                    f"unknown style setting `{k}`; it is ignored. Known: {', '.join(STYLE_KEYS)}.",
                    value=False,
                )
        if spec.get("name") is not None:
            name = _text(spec["name"]).strip().lower()
            if name in style_names():
                look.name = name
            else:
                self._warn(
                    ("style", "name"),
                    f"there is no style called `{_text(spec['name'])}`; the styles are "
                    f"{', '.join(style_names())}. The default style is used.",
                )
        if "palette" in spec:
            look.palette = self._palette(spec["palette"])
        look.font = self._choice(spec, "font", FONT_FAMILIES, "the style's own font is used")
        look.captions = self._choice(
            spec, "captions", CAPTION_LOOKS, "the style's own caption look is used"
        )
        if spec.get("background") is not None:
            look.background = self._choice(
                spec, "background", _background_kinds(), "the style's own background is used"
            )
        s.look = look
        prompt = spec.get("prompt")
        if prompt is not None:
            s.style = (
                ", ".join(_text(x) for x in prompt) if isinstance(prompt, list) else _text(prompt)
            )

    def _palette(self, value: Any) -> list[str]:
        items = value if isinstance(value, list) else [value]
        colours: list[str] = []
        bad = False
        for item in items:
            try:
                colours.append(to_hex(parse_hex(_text(item))))
            except ValueError:
                bad = True
                what = (
                    "a palette colour is empty (an unquoted # starts a YAML comment: write "
                    'colours in quotes, like "#ffb347")'
                    if item is None
                    else f'palette colour `{_text(item)}` is not a colour like "#ffb347"'
                )
                self._warn(("style", "palette"), f"{what}; the style's own palette is used.")
        return [] if bad else colours

    def _choice(
        self, spec: dict[Any, Any], key: str, choices: tuple[str, ...], fallback: str
    ) -> str | None:
        if spec.get(key) is None:
            return None
        text = _text(spec[key]).strip().lower()
        if text in choices:
            return text
        self._warn(
            ("style", key),
            f"style {key} `{_text(spec[key])}` is not one of {', '.join(choices)}; {fallback}.",
        )
        return None

    # -- captions, typing sound, thumbnail --------------------------------
    def _captions(self, value: Any) -> Any:
        if isinstance(value, bool):
            return "burn" if value else "off"
        text = _text(value).strip().lower()
        if text in CAPTION_MODES:
            return text
        if text in _ON:
            return "burn"
        if text in _OFF:
            return "off"
        self._warn(
            ("captions",),
            f"captions `{_text(value)}` is not one of {', '.join(CAPTION_MODES)}; write "
            "captions: burn (always), off (never) or auto (in Shorts only). Using auto.",
        )
        return "auto"

    def _typing_sound(self, value: Any) -> bool:
        if isinstance(value, bool):
            return value
        text = _text(value).strip().lower()
        if text in _ON:
            return True
        if text in _OFF:
            return False
        self._warn(
            ("typing_sound",),
            f"typing_sound `{_text(value)}` is not on or off; write typing_sound: off to "
            "silence the key clicks. Using on.",
        )
        return True

    def _thumbnail(self, value: Any, s: ScriptSettings) -> None:
        """A time in the video (``0:42``) or an image file beside the script."""
        node = value_node(self.fm.node, "thumbnail")
        # The scalar as written: YAML 1.1 would read an unquoted 0:42 as the number 42.
        raw = str(node.value) if isinstance(node, yaml.ScalarNode) else _text(value)
        raw = raw.strip()
        s.thumbnail = raw or None
        line, col = self.position("thumbnail", value=True)
        ms = parse_time_ms(raw) if not isinstance(value, bool | list | dict) else None
        if ms is not None:
            s.thumbnail_ms = ms
            return
        if not raw or isinstance(value, bool | list | dict) or not _looks_like_path(raw):
            self.report(
                line,
                col,
                "warning",
                f"thumbnail `{raw}` is neither a time in the video (thumbnail: 0:42) nor an "
                "image file (thumbnail: images/thumb.png); no thumbnail is set.",
            )
            return
        resolved = self._image_file(raw, line, col, "the thumbnail image", "thumbnail:")
        if resolved is not None and not readable_image(resolved):
            self.report(
                line,
                col,
                "warning",
                f"the thumbnail “{raw}” is not an image Castline can read; use a .png or .jpg "
                "file. No thumbnail image is set.",
            )
            return
        s.thumbnail_resolved = resolved

    def _image_file(self, raw: str, line: int, col: int, what: str, where: str) -> str | None:
        if self.check_file is None:
            return None
        return self.check_file(raw, line, col, what, where)

    def _visuals(self, value: Any) -> list[str]:
        from app.engine.visuals.providers import provider_names

        items = [t.strip() for t in value.split(",")] if isinstance(value, str) else value
        if not isinstance(items, list):
            self._warn(
                ("visuals",),
                "visuals should list providers like `visuals: [pexels, procedural]`; "
                "the default chain is used.",
            )
            return []
        known = provider_names()
        chain: list[str] = []
        for item in items:
            name = _text(item).strip().lower()
            if not name:
                continue
            if name not in known:
                self._warn(
                    ("visuals",),
                    f"unknown visual provider `{name}` in visuals; it is skipped. "
                    f"Known: {', '.join(known)}.",
                )
            elif name not in chain:
                chain.append(name)
        return chain

    def _tags(self, value: Any) -> list[str]:
        if isinstance(value, str):
            return [t.strip() for t in value.split(",") if t.strip()]
        if isinstance(value, list):
            return [_text(t) for t in value if _text(t)]
        self._warn(("tags",), "tags should be a list like `tags: [ssh, linux]`; they are ignored.")
        return []

    def _aspect(self, value: Any) -> Any:
        if isinstance(value, int) and value in _SEXAGESIMAL_ASPECTS:
            return _SEXAGESIMAL_ASPECTS[value]
        text = _text(value).replace(" ", "")
        if text in ("16:9", "9:16"):
            return text
        self._warn(
            ("aspect",),
            f'aspect "{_text(value)}" is not supported; write aspect: "16:9" (landscape) '
            'or aspect: "9:16" (Shorts). Using 16:9.',
        )
        return "16:9"

    def _fps(self, value: Any) -> int:
        number = _number(value)
        if number is not None and number == int(number) and 1 <= number <= 240:
            return int(number)
        if number is not None and 1 <= number <= 240:
            rounded = round(number)
            self._warn(
                ("fps",),
                f"fps {value} is rounded to {rounded}; Castline renders whole frame rates.",
            )
            return rounded
        self._warn(("fps",), f"fps `{_text(value)}` is not a frame rate; write fps: 30. Using 30.")
        return 30

    def _budget(self, value: Any) -> float | None:
        number = _number(value)
        if number is None or number < 0:
            self._warn(
                ("budget",),
                f"budget `{_text(value)}` is not an amount of dollars; write budget: 5 "
                "(dollars per video). No budget is set.",
            )
            return None
        return number

    def characters(self) -> list[Character]:
        raw = self.fm.data.get("characters")
        if raw is None:
            return []
        if not isinstance(raw, dict):
            self._error(
                ("characters",),
                "characters must list each speaker on its own line, like "
                "`NARRATOR: { voice: local/joe }`.",
            )
            return []
        out: list[Character] = []
        for name_obj, spec in raw.items():
            name = _text(name_obj).strip()
            if not name:
                continue
            line, _ = self.position("characters", str(name_obj), value=False)
            out.append(self._character(name, str(name_obj), spec, line))
        return out

    def _character(self, name: str, key: str, spec: Any, line: int) -> Character:
        path = ("characters", key)
        if spec is None:
            spec = {}
        if isinstance(spec, str):
            spec = {"voice": spec}
        if not isinstance(spec, dict):
            self._error(
                path,
                f"{name}'s entry must look like `{name}: {{ voice: local/joe }}`; "
                "the default voice is used.",
            )
            return Character(name=name, line=line)
        for k in spec:
            if str(k) not in CHARACTER_KEYS:
                self._warn(
                    (*path, str(k)),
                    f"unknown setting `{k}` for {name}; it is ignored. Known: "
                    f"{', '.join(CHARACTER_KEYS)}.",
                    value=False,
                )
        voice = self._voice(name, spec.get("voice"), (*path, "voice"))
        fallback_raw = spec.get("fallback")
        fallbacks: list[VoiceRef] = []
        if fallback_raw is not None:
            items = fallback_raw if isinstance(fallback_raw, list) else [fallback_raw]
            for item in items:
                ref = self._voice(name, item, (*path, "fallback"), fallback=True)
                if ref is not None and ref not in fallbacks:
                    fallbacks.append(ref)
        settings: dict[str, float] = {}
        ranges = {
            "speed": (0.25, 4.0),
            "pitch": (-24.0, 24.0),
            "stability": (0.0, 1.0),
            "similarity_boost": (0.0, 1.0),
            "style": (0.0, 1.0),
        }
        for k, (lo, hi) in ranges.items():
            if k not in spec or spec[k] is None:
                continue
            number = _number(spec[k])
            if number is None or not lo <= number <= hi:
                self._warn(
                    (*path, k),
                    f"{name}'s {k} `{_text(spec[k])}` should be a number from {lo:g} to {hi:g}; "
                    "the default is used.",
                )
                continue
            settings[k] = number
        color = self._color(name, spec, path) if "color" in spec else None
        avatar, avatar_resolved = self._avatar(name, spec, path)
        return Character(
            name=name,
            voice=voice or VoiceRef.parse("local/joe"),
            fallback=fallbacks,
            settings=VoiceSettings(**settings),
            line=line,
            color=color,
            avatar=avatar,
            avatar_resolved=avatar_resolved,
        )

    def _color(self, name: str, spec: dict[Any, Any], path: tuple[str, ...]) -> str | None:
        value = spec["color"]
        try:
            return to_hex(parse_hex(_text(value)))
        except ValueError:
            what = (
                'is empty (an unquoted # starts a YAML comment: write it in quotes, color: "#ff8800")'
                if value is None
                else f'`{_text(value)}` is not a colour like "#ff8800"'
            )
            self._warn(
                (*path, "color"),
                f"{name}'s color {what}; the style's next speaker colour is used.",
            )
            return None

    def _avatar(
        self, name: str, spec: dict[Any, Any], path: tuple[str, ...]
    ) -> tuple[str | None, str | None]:
        if spec.get("avatar") is None:
            return None, None
        raw = _text(spec["avatar"]).strip()
        line, col = self.position(*path, "avatar", value=True)
        resolved = self._image_file(raw, line, col, f"{name}'s avatar", "avatar:")
        if resolved is not None and not readable_image(resolved):
            self.report(
                line,
                col,
                "warning",
                f"{name}'s avatar “{raw}” is not an image; a monogram is drawn instead. "
                "Use a .png or .jpg picture.",
            )
            return raw, None
        return raw, resolved

    def _voice(
        self, name: str, value: Any, path: tuple[str, ...], *, fallback: bool = False
    ) -> VoiceRef | None:
        if value is None:
            if not fallback:
                return None
            return None
        text = _text(value).strip()
        what = "fallback voice" if fallback else "voice"
        if not text or text.endswith("/"):
            self._error(
                path,
                f"{name}'s {what} `{text}` names no voice; write provider/voice, "
                "for example local/joe.",
            )
            return None
        ref = VoiceRef.parse(text)
        if ref.provider not in KNOWN_PROVIDERS:
            self._error(
                path,
                f"{name}'s {what} `{text}` uses an unknown provider `{ref.provider}`; "
                f"use one of {', '.join(KNOWN_PROVIDERS)} (for example local/joe).",
            )
            return None
        return ref


def _background_kinds() -> tuple[str, ...]:
    """The registered procedural backgrounds, imported only when a script names one.

    The visuals package brings OpenCV and NumPy with it; most parses never need them.
    """
    from app.engine.visuals.backgrounds import background_kinds

    return background_kinds()


def _looks_like_path(text: str) -> bool:
    """A file name with an extension, or anything with a folder in it."""
    return "/" in text or "\\" in text or bool(re.search(r"\.[A-Za-z0-9]{1,5}$", text))


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number = float(value)
    else:
        try:
            number = float(str(value).strip())
        except ValueError:
            return None
    return number if math.isfinite(number) else None
