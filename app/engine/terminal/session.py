"""Sessions: what a terminal shows and when, as timed events for the emulator.

Every source (a script's terminal or code block, an asciinema recording, a VHS tape)
becomes a :class:`Session`: integer-millisecond events of text fed to the emulator,
resizes and markers. The animation replays a session; it never runs anything.
"""

from __future__ import annotations

import random
import re
import zlib
from dataclasses import dataclass, field, replace
from typing import Literal

from app.engine.model import Diagnostic

Reveal = Literal["instant", "typewriter", "fade", "decrypt"]
REVEALS: tuple[str, ...] = ("instant", "typewriter", "fade", "decrypt")
Keystroke = Literal["key", "space", "enter"]

_ESCAPE = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|.)", re.S)
"""An escape sequence (SGR, cursor save/restore): styling, not a key the viewer hears."""


@dataclass(frozen=True)
class Event:
    """One change at ``ms``: text for the emulator, a resize, or a marker."""

    ms: int
    data: str = ""
    resize: tuple[int, int] | None = None
    """``(cols, rows)``."""
    marker: str | None = None
    key: bool = False
    """A keystroke: its wait belongs to typing (stretched by ``retimed``) and it wakes the cursor."""


@dataclass
class Session:
    """A replayable terminal session."""

    cols: int
    rows: int
    events: list[Event] = field(default_factory=list)
    duration_ms: int = 0
    title: str = ""
    theme: str | None = None
    theme_colors: dict[str, str] | None = None
    """An embedded xterm.js-style theme (from a recording) used when no theme is chosen."""
    cursor_style: str = "block"
    cursor_blink: bool = True
    kind: Literal["terminal", "code"] = "terminal"
    diagnostics: list[Diagnostic] = field(default_factory=list)
    settings: dict[str, str] = field(default_factory=dict)
    """Source settings the exporter may use (a tape's ``Output``, ``Width``, ``Height``)."""

    @property
    def markers(self) -> list[tuple[int, str]]:
        return [(e.ms, e.marker) for e in self.events if e.marker is not None]

    def keystrokes(self) -> list[tuple[int, Keystroke]]:
        """``(ms, kind)`` of every key pressed in the session, for the typing sound.

        A keystroke is a ``key`` event: a typed character (``space`` for a blank), a new
        line (``enter``: a code view's line break, a tape's Enter) or an editor's
        auto-indent (one ``space``). An empty key event is a pause before typing, except
        right before a block's ``\\r\\n``: that is the Enter of a typed command.
        """
        out: list[tuple[int, Keystroke]] = []
        events = self.events
        for i, e in enumerate(events):
            if not e.key:
                continue
            text = _ESCAPE.sub("", e.data)
            if not text:
                after = events[i + 1] if i + 1 < len(events) else None
                if (
                    after is not None
                    and not after.key
                    and after.ms == e.ms
                    and after.data.startswith("\r\n")
                ):
                    out.append((e.ms, "enter"))
            elif text[0] in "\r\n":
                out.append((e.ms, "enter"))
            elif text[0] == " ":
                out.append((e.ms, "space"))
            else:
                out.append((e.ms, "key"))
        return out

    def retimed(self, duration_ms: int) -> Session:
        """The same session lasting ``duration_ms``: keystroke waits stretch to fit.

        Waits before keystrokes are scaled so the total hits the target; when typing
        alone cannot absorb the change every wait is scaled instead. Times are rounded
        cumulatively so the total is exact and nothing drifts.
        """
        duration_ms = max(1, int(duration_ms))
        total = max(1, self.duration_ms)
        gaps: list[tuple[int, bool]] = []
        prev = 0
        for e in self.events:
            gaps.append((e.ms - prev, e.key))
            prev = e.ms
        typing = sum(g for g, k in gaps if k)
        fixed = total - typing
        if typing > 0 and duration_ms - fixed > 0:
            k_factor, f_factor = (duration_ms - fixed) / typing, 1.0
        else:
            k_factor = f_factor = duration_ms / total
        events: list[Event] = []
        acc = 0.0
        for e, (g, is_key) in zip(self.events, gaps, strict=True):
            acc += g * (k_factor if is_key else f_factor)
            events.append(replace(e, ms=min(duration_ms, round(acc))))
        return replace(self, events=events, duration_ms=duration_ms)


@dataclass(frozen=True)
class Cadence:
    """How a person types: ``speed`` characters a second with seeded human jitter."""

    speed: float = 18.0
    seed: int = 0

    def delays(self, text: str, salt: int = 0) -> list[int]:
        """Milliseconds to wait before each character of ``text``; same seed, same delays."""
        rng = random.Random((self.seed * 1_000_003) ^ zlib.crc32(text.encode()) ^ (salt * 7919))
        base = 1000.0 / max(0.5, self.speed)
        out: list[int] = []
        burst = 0
        prev = ""
        for ch in text:
            if burst > 0:
                d = base * rng.uniform(0.35, 0.6)
                burst -= 1
            else:
                d = base * rng.lognormvariate(0.0, 0.3)
                if rng.random() < 0.07:
                    burst = rng.randint(3, 6)
            if prev == " ":
                d += base * rng.uniform(0.3, 1.0)
            elif prev and prev in ".,;:!?/-|&>":
                d += base * rng.uniform(0.5, 1.6)
            if ch.isupper() or (not ch.isalnum() and ch not in " ."):
                d += base * rng.uniform(0.1, 0.4)  # reaching for shift or a symbol
            out.append(max(8, round(d)))
            prev = ch
        return out


@dataclass(frozen=True)
class Pace:
    """Delays around typing and output, in milliseconds."""

    start_ms: int = 500
    before_enter_ms: int = 350
    first_output_ms: int = 250
    line_ms: int = 60
    between_commands_ms: int = 700
    hold_ms: int = 1500


class SessionWriter:
    """Builds a session event by event on an integer clock."""

    def __init__(self, cols: int, rows: int) -> None:
        self.session = Session(cols, rows)
        self.ms = 0

    def emit(self, data: str, *, wait: int = 0, key: bool = False) -> None:
        self.ms += max(0, int(wait))
        self.session.events.append(Event(self.ms, data=data, key=key))

    def type_text(
        self, text: str, cadence: Cadence, salt: int = 0, styles: list[str] | None = None
    ) -> None:
        """Type ``text`` key by key; ``styles[i]`` is SGR text to put before character ``i``."""
        for i, (ch, d) in enumerate(zip(text, cadence.delays(text, salt), strict=True)):
            prefix = styles[i] if styles is not None else ""
            self.emit(prefix + ch, wait=d, key=True)

    def reveal_line(
        self,
        text: str,
        how: Reveal,
        fg: tuple[int, int, int],
        bg: tuple[int, int, int],
        rng: random.Random,
        *,
        wait: int,
    ) -> None:
        """Show one output line (without its newline) the way ``how`` says."""
        plain = "\x1b" not in text and len(text) < self.session.cols
        if how == "typewriter" and text:
            first = True
            for i in range(0, len(text), 2):
                self.emit(text[i : i + 2], wait=wait if first else 12)
                first = False
        elif how == "fade" and plain and text.strip():
            for i, t in enumerate((0.2, 0.45, 0.7, 0.9)):
                c = tuple(round(b + (f - b) * t) for f, b in zip(fg, bg, strict=True))
                pre = "\x1b7" if i == 0 else "\x1b8\x1b7"
                self.emit(
                    f"{pre}\x1b[38;2;{c[0]};{c[1]};{c[2]}m{text}\x1b[0m",
                    wait=wait if i == 0 else 50,
                )
            self.emit(f"\x1b8{text}", wait=50)
        elif how == "decrypt" and plain and text.strip():
            glyphs = "!<>-_\\/[]{}=+*^?#$%&@01ABCDEFXZ"
            order = [i for i, c in enumerate(text) if not c.isspace()]
            rng.shuffle(order)
            resolved: set[int] = set()
            n_steps = 8
            for s in range(n_steps):
                resolved.update(order[: len(order) * (s + 1) // (n_steps + 1)])
                shown = "".join(
                    c if (i in resolved or c.isspace()) else rng.choice(glyphs)
                    for i, c in enumerate(text)
                )
                pre = "\x1b7" if s == 0 else "\x1b8\x1b7"
                self.emit(
                    f"{pre}\x1b[90m{shown}\x1b[0m" if s < 3 else f"{pre}{shown}",
                    wait=wait if s == 0 else 45,
                )
            self.emit(f"\x1b8{text}", wait=45)
        else:
            self.emit(text, wait=wait)

    def finish(self, hold_ms: int) -> Session:
        self.session.duration_ms = self.ms + max(0, hold_ms)
        return self.session
