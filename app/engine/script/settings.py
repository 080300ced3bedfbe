"""Front matter keys to ScriptSettings and Characters, each bad value reported where it stands."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from app.engine.model.script import ScriptSettings
from app.engine.model.voice import KNOWN_PROVIDERS, Character, VoiceRef, VoiceSettings
from app.engine.script.frontmatter import FrontMatter, key_position

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
    "visuals",
)
CHARACTER_KEYS = ("voice", "fallback", "speed", "pitch", "stability", "similarity_boost", "style")
# YAML 1.1 reads an unquoted 16:9 as a base-60 number.
_SEXAGESIMAL_ASPECTS = {16 * 60 + 9: "16:9", 9 * 60 + 16: "9:16"}

Report = Callable[[int, int, str, str], None]
"""report(line, column, severity, message) with 1-based file positions."""


class SettingsReader:
    """Turns the loaded front matter into settings, reporting at the right file line."""

    def __init__(self, fm: FrontMatter, first_line: int, report: Report) -> None:
        self.fm = fm
        self.first_line = first_line
        """1-based file line of the first YAML line (the line after the opening ---)."""
        self.report = report

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
            style = data["style"]
            s.style = ", ".join(_text(x) for x in style) if isinstance(style, list) else _text(style)
        if "music" in data and data["music"] is not None:
            s.music = _text(data["music"]) or None
        if "budget" in data and data["budget"] is not None:
            s.budget_usd = self._budget(data["budget"])
        if "visuals" in data and data["visuals"] is not None:
            s.visuals = self._visuals(data["visuals"])
        return s

    def _visuals(self, value: Any) -> list[str]:
        from app.engine.visuals.providers import provider_names

        items = [t.strip() for t in value.split(",")] if isinstance(value, str) else value
        if not isinstance(items, list):
            self._warn(("visuals",), "visuals should list providers like `visuals: [pexels, procedural]`; "
                       "the default chain is used.")
            return []
        known = provider_names()
        chain: list[str] = []
        for item in items:
            name = _text(item).strip().lower()
            if not name:
                continue
            if name not in known:
                self._warn(("visuals",), f"unknown visual provider `{name}` in visuals; it is skipped. "
                           f"Known: {', '.join(known)}.")
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
        return Character(
            name=name,
            voice=voice or VoiceRef.parse("local/joe"),
            fallback=fallbacks,
            settings=VoiceSettings(**settings),
            line=line,
        )

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
