"""The core of VHS ``.tape`` files as a :class:`Session`.

Castline never runs a shell: typed text is echoed by a small line editor at a prompt
(Backspace, arrows, Home/End, Ctrl+C/L/U work as in a shell), with a seeded human
cadence at the tape's ``TypingSpeed``. ``Hide`` ... ``Show`` happens in no time.
Unknown or malformed lines become diagnostics with their line numbers, never exceptions.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from dataclasses import replace
from fractions import Fraction
from pathlib import Path

from app.engine.model import Diagnostic, Severity
from app.engine.paths import PathRefused, inside_folder, names_a_theme_file
from app.engine.terminal.limits import LIMITS, read_import, size_fix, whole_number, within_size
from app.engine.terminal.session import Cadence, Event, Session
from app.engine.terminal.themes import list_themes

PROMPT = "\x1b[1;36m>\x1b[0m "
DEFAULTS = {"Width": 1200, "Height": 600, "FontSize": 22, "Padding": 60}
KEYS = {"Enter", "Backspace", "Tab", "Space", "Up", "Down", "Left", "Right", "Escape",
        "Delete", "Home", "End", "PageUp", "PageDown", "Insert"}  # fmt: skip
IGNORED_COMMANDS = {"Require", "Screenshot", "Copy", "Paste", "Env", "Source", "Wait"}
IGNORED_SETTINGS = {"Shell", "FontFamily", "LetterSpacing", "LineHeight", "Margin", "MarginFill",
                    "WindowBar", "WindowBarSize", "BorderRadius", "LoopOffset", "WaitTimeout",
                    "WaitPattern", "Framerate", "PlaybackSpeed", "CursorBlink", "TypingSpeed",
                    "Theme", "FontSize", "Width", "Height", "Padding"}  # fmt: skip
_CLEAR = re.compile(r"(^|&&|;)\s*clear\s*$")
_DURATION = re.compile(r"^(\d+(?:\.\d+)?)(ms|s|m)?$")


def parse_duration_ms(text: str) -> int | None:
    """``500ms``, ``1.5s``, ``2`` (seconds) or ``1m`` to whole milliseconds."""
    m = _DURATION.match(text.strip())
    if not m:
        return None
    value = Fraction(m.group(1))
    unit = m.group(2) or "s"
    return round(value * {"ms": 1, "s": 1000, "m": 60_000}[unit])


class _LineEditor:
    """Echo of a shell's line editing, written as terminal output."""

    def __init__(self) -> None:
        self.buf: list[str] = []
        self.pos = 0

    def insert(self, ch: str) -> str:
        rest = "".join(self.buf[self.pos :])
        self.buf.insert(self.pos, ch)
        self.pos += 1
        return ch + rest + "\b" * len(rest)

    def backspace(self) -> str:
        if self.pos == 0:
            return ""
        self.pos -= 1
        del self.buf[self.pos]
        rest = "".join(self.buf[self.pos :])
        return "\b" + rest + " " + "\b" * (len(rest) + 1)

    def delete(self) -> str:
        if self.pos >= len(self.buf):
            return ""
        del self.buf[self.pos]
        rest = "".join(self.buf[self.pos :])
        return rest + " " + "\b" * (len(rest) + 1)

    def left(self) -> str:
        if self.pos == 0:
            return ""
        self.pos -= 1
        return "\b"

    def right(self) -> str:
        if self.pos >= len(self.buf):
            return ""
        self.pos += 1
        return self.buf[self.pos - 1]

    def home(self) -> str:
        out = "\b" * self.pos
        self.pos = 0
        return out

    def end(self) -> str:
        out = "".join(self.buf[self.pos :])
        self.pos = len(self.buf)
        return out

    def clear(self) -> None:
        self.buf, self.pos = [], 0


def _strings(args: str) -> list[str] | None:
    """The quoted strings of a ``Type`` line (``"..."``, ``'...'`` or backticks)."""
    out: list[str] = []
    i = 0
    while i < len(args):
        c = args[i]
        if c.isspace():
            i += 1
            continue
        if c not in "\"'`":
            return None
        j = args.find(c, i + 1)
        if j < 0:
            return None
        out.append(args[i + 1 : j])
        i = j + 1
    return out


def parse_tape(text: str, *, seed: int = 0, file: str | None = None) -> Session:
    """A session from the text of a ``.tape`` file."""
    diags: list[Diagnostic] = []

    def warn(line: int, msg: str, sev: Severity = Severity.WARNING) -> None:
        diags.append(Diagnostic(line=line, severity=sev, message=msg, file=file))

    folder = Path(file).parent if file else None
    settings: dict[str, str] = {}
    typing_ms = 50
    events: list[Event] = []
    ms = 0
    hidden = False
    editor = _LineEditor()
    theme: str | None = None
    theme_colors: dict[str, str] | None = None
    blink = True
    started = False

    def emit(data: str, wait: int, key: bool = True) -> None:
        nonlocal ms, started
        if not started:
            events.append(Event(0, data=PROMPT))
            started = True
        ms += 0 if hidden else max(0, wait)
        events.append(Event(ms, data=data, key=key and not hidden))

    cadence_count = 0
    typed_total = 0
    size_line = 1  # the line of the last size setting, named when the terminal is too big
    for lineno, raw in enumerate(text.split("\n"), start=1):
        if ms > LIMITS.max_duration_ms or len(events) > LIMITS.max_events:
            _cut(events, lineno - 1, ms, warn)
            ms = min(ms, LIMITS.max_duration_ms)
            break
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        head, _, rest = line.partition(" ")
        rest = rest.strip()
        cmd, _, at = head.partition("@")
        speed_ms = typing_ms
        if at:
            d = parse_duration_ms(at)
            if d is None:
                warn(lineno, f"{head!r}: {at!r} is not a duration like 50ms")
                continue
            speed_ms = d
        if cmd == "Output":
            if not rest:
                warn(lineno, "Output needs a path, e.g. Output demo.mp4")
            else:
                target = _tape_path(rest.strip("\"'"), folder, "the Output file", lineno, warn)
                if target is not None:
                    settings["Output"] = target
        elif cmd == "Set":
            key, _, value = rest.partition(" ")
            value = value.strip()
            if key not in IGNORED_SETTINGS:
                warn(lineno, f"unknown setting {key!r}; skipped")
                continue
            if not value:
                warn(lineno, f"Set {key} needs a value")
                continue
            if key in ("FontSize", "Width", "Height", "Padding"):
                number = whole_number(value)
                if number is None or number <= 0:
                    warn(lineno, f"Set {key} {value!r}: expected a positive whole number")
                    continue
                if number > LIMITS.max_pixels:
                    warn(
                        lineno,
                        f"Set {key} {value}: at most {LIMITS.max_pixels} pixels; the setting "
                        "is skipped. Use a smaller value.",
                        Severity.ERROR,
                    )
                    continue
                settings[key] = str(number)
                size_line = lineno
            elif key == "TypingSpeed":
                d = parse_duration_ms(value)
                if d is None:
                    warn(lineno, f"Set TypingSpeed {value!r}: expected a duration like 50ms")
                    continue
                if not LIMITS.min_typing_ms <= d <= LIMITS.max_typing_ms:
                    warn(
                        lineno,
                        f"Set TypingSpeed {value}: give a wait per character between "
                        f"{LIMITS.min_typing_ms}ms and {LIMITS.max_typing_ms // 1000}s; "
                        "the setting is skipped.",
                        Severity.ERROR,
                    )
                    continue
                typing_ms = d
            elif key == "Theme":
                if value.startswith("{"):
                    try:
                        obj = json.loads(value)
                        theme_colors = (
                            {str(k): str(v) for k, v in obj.items()}
                            if isinstance(obj, dict)
                            else None
                        )
                    except (ValueError, RecursionError) as exc:
                        warn(lineno, f"Set Theme: the JSON theme is malformed ({exc})")
                else:
                    theme = _theme_name(value.strip("\"'"))
                    if theme is not None and names_a_theme_file(theme):
                        theme = _tape_path(theme, folder, "the theme file", lineno, warn, True)
                    elif theme is None:
                        warn(
                            lineno,
                            f"Set Theme {value}: unknown theme; use one of {', '.join(list_themes())} or a .json file",
                        )
            elif key == "CursorBlink":
                blink = value.lower() not in ("false", "0", "off", "no")
            elif key == "PlaybackSpeed":
                try:
                    factor = float(value)
                except ValueError:
                    warn(lineno, f"Set PlaybackSpeed {value!r}: expected a number")
                    continue
                if not (math.isfinite(factor) and LIMITS.min_speed <= factor <= LIMITS.max_speed):
                    warn(
                        lineno,
                        f"Set PlaybackSpeed {value}: give a speed between {LIMITS.min_speed:g} "
                        f"and {LIMITS.max_speed:g}; the setting is skipped.",
                        Severity.ERROR,
                    )
                    continue
                settings["PlaybackSpeed"] = str(factor)
            else:
                settings[key] = value
        elif cmd == "Type":
            strings = _strings(rest)
            if not strings:
                warn(lineno, 'Type needs quoted text, e.g. Type "ls -la"', Severity.ERROR)
                continue
            typed = "".join(strings)
            room = LIMITS.max_typed_chars - typed_total
            if len(typed) > room:
                warn(
                    lineno,
                    f"a tape types at most {LIMITS.max_typed_chars:,} characters; the rest of "
                    "this Type is left out. Split the tape into parts.",
                    Severity.ERROR,
                )
                typed = typed[: max(0, room)]
            typed_total += len(typed)
            cadence = Cadence(speed=1000 / max(1, speed_ms), seed=seed)
            cadence_count += 1
            for ch, d in zip(typed, cadence.delays(typed, salt=cadence_count), strict=True):
                emit(editor.insert(ch), d)
        elif cmd == "Sleep":
            d = parse_duration_ms(rest)
            if d is None:
                warn(
                    lineno, f"Sleep {rest!r}: expected a duration like 500ms or 2s", Severity.ERROR
                )
                continue
            emit("", d, key=False)
        elif cmd in KEYS:
            count = 1
            if rest:
                number = whole_number(rest)
                if number is None:
                    warn(lineno, f"{cmd} {rest!r}: the repeat count must be a whole number")
                    continue
                if number > LIMITS.max_repeat:
                    warn(
                        lineno,
                        f"{cmd} {rest}: a repeat count is at most {LIMITS.max_repeat}; "
                        "the line is skipped.",
                        Severity.ERROR,
                    )
                    continue
                count = number
            for _ in range(count):
                emit(_key(cmd, editor), speed_ms)
        elif "+" in cmd and cmd.split("+")[0] in ("Ctrl", "Alt", "Shift"):
            emit(_combo(cmd, editor), speed_ms)
        elif cmd == "Hide":
            hidden = True
        elif cmd == "Show":
            hidden = False
        elif cmd in IGNORED_COMMANDS:
            warn(
                lineno, f"{cmd} is not supported by Castline's tape import; skipped", Severity.INFO
            )
        else:
            warn(lineno, f"unknown command {cmd!r}; skipped")
    else:
        if ms > LIMITS.max_duration_ms or len(events) > LIMITS.max_events:
            _cut(events, lineno, ms, warn)
            ms = min(ms, LIMITS.max_duration_ms)
    if not started:
        events.append(Event(0, data=PROMPT))
    width = int(settings.get("Width", DEFAULTS["Width"]))
    height = int(settings.get("Height", DEFAULTS["Height"]))
    font = int(settings.get("FontSize", DEFAULTS["FontSize"]))
    pad = int(settings.get("Padding", DEFAULTS["Padding"]))
    cols = max(10, int((width - 2 * pad) / (0.6 * font)))
    rows = max(3, int((height - 2 * pad) / (1.25 * font)))
    if not within_size(cols, rows):
        warn(
            size_line,
            f"Width, Height, Padding and FontSize give {cols}x{rows} columns and rows; "
            f"{size_fix()}, so it is cut to that. Use a larger FontSize or a smaller Width.",
            Severity.ERROR,
        )
        cols, rows = min(cols, LIMITS.max_cols), min(rows, LIMITS.max_rows)
    session = Session(
        cols, rows, events=events, duration_ms=ms + 1000, title="", theme=theme,
        theme_colors=theme_colors, cursor_blink=blink, diagnostics=diags, settings=settings,
    )  # fmt: skip
    playback = float(settings.get("PlaybackSpeed", "1") or 1)
    if playback > 0 and playback != 1:
        session = replace(
            session,
            events=[replace(e, ms=round(e.ms / playback)) for e in events],
            duration_ms=max(1, round(session.duration_ms / playback)),
        )
    return session


def _tape_path(
    raw: str,
    folder: Path | None,
    what: str,
    line: int,
    warn: Callable[..., None],
    must_exist: bool = False,
) -> str | None:
    """A path the tape names, inside the tape's folder; an error diagnostic and None if not.

    Without a folder (tape text not read from a file) the path is kept as written once
    its spelling passes, for the caller to place.
    """
    try:
        found = inside_folder(
            raw, folder, what, where="a path", must_exist=must_exist, owner="tape"
        )
    except PathRefused as exc:
        warn(line, str(exc), Severity.ERROR)
        return None
    return str(found) if found is not None else raw


def _cut(events: list[Event], line: int, ms: int, warn: Callable[..., None]) -> None:
    """Stop a tape that ran past the time or event limit: report ``line``, drop the excess."""
    if ms > LIMITS.max_duration_ms:
        hours = LIMITS.max_duration_ms // 3_600_000
        warn(
            line,
            f"the tape runs {ms // 60_000:,} minutes by here, past the {hours}-hour limit; "
            "the rest is left out. Shorten the Sleep, TypingSpeed or repeat counts.",
            Severity.ERROR,
        )
    else:
        warn(
            line,
            f"the tape makes more than {LIMITS.max_events:,} events by here; the rest is "
            "left out. Split the tape into parts.",
            Severity.ERROR,
        )
    events[:] = [e for e in events if e.ms <= LIMITS.max_duration_ms][: LIMITS.max_events]


def _theme_name(value: str) -> str | None:
    """A bundled theme for a VHS theme name ("Catppuccin Mocha", "TokyoNight"), or a .json path."""
    if value.lower().endswith(".json"):
        return value
    squash = "".join(c for c in value.lower() if c.isalnum())
    for name in list_themes():
        if name.replace("-", "") == squash:
            return name
    return None


def _key(name: str, ed: _LineEditor) -> str:
    if name == "Enter":
        line = "".join(ed.buf)
        ed.clear()
        if _CLEAR.search(line):
            # Tapes often run "clear" while hidden; it is the one command whose effect
            # on the screen is known without running a shell.
            return "\x1b[H\x1b[2J" + PROMPT
        return "\r\n" + PROMPT
    if name == "Backspace":
        return ed.backspace()
    if name == "Space":
        return ed.insert(" ")
    if name == "Delete":
        return ed.delete()
    if name == "Left":
        return ed.left()
    if name == "Right":
        return ed.right()
    if name == "Home":
        return ed.home()
    if name == "End":
        return ed.end()
    return ""  # Tab without completions, history keys, Escape: nothing to show


def _combo(name: str, ed: _LineEditor) -> str:
    parts = name.split("+")
    key = parts[-1].lower()
    if "Ctrl" in parts:
        if key == "c":
            ed.clear()
            return "^C\r\n" + PROMPT
        if key == "l":
            return "\x1b[H\x1b[2J" + PROMPT + "".join(ed.buf) + "\b" * (len(ed.buf) - ed.pos)
        if key == "u":
            out = ed.home() + " " * len(ed.buf) + "\b" * len(ed.buf)
            ed.clear()
            return out
        if key == "a":
            return ed.home()
        if key == "e":
            return ed.end()
    return ""


def read_tape(path: Path, *, seed: int = 0) -> Session:
    """A session from a ``.tape`` file; an unreadable or oversized file is an error diagnostic."""
    text = read_import(path)
    if isinstance(text, Diagnostic):
        return Session(80, 24, duration_ms=1, diagnostics=[text])
    return parse_tape(text, seed=seed, file=str(path))


__all__ = ["parse_duration_ms", "parse_tape", "read_tape"]
