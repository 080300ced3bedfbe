"""asciinema ``.cast`` import (versions 2 and 3) into a :class:`Session`.

v2: a JSON header line (``width``/``height``) then ``[time, code, data]`` lines with
absolute times. v3: header with ``term.cols``/``term.rows`` and times relative to the
previous event, ``#`` comment lines allowed. Codes: ``o`` output, ``r`` resize
(``COLSxROWS``), ``m`` marker; ``i`` (input) and ``x`` (exit) change nothing on screen.
Bad lines become diagnostics with their line numbers; nothing here raises.
"""

from __future__ import annotations

import json
import math
from fractions import Fraction
from pathlib import Path
from typing import Any

from app.engine.model import Diagnostic, Severity
from app.engine.terminal.limits import LIMITS, read_import, size_fix, whole_number, within_size
from app.engine.terminal.session import Event, Session
from app.engine.terminal.themes import ANSI_KEYS

END_HOLD_MS = 1000


def _diag(line: int, msg: str, severity: Severity = Severity.WARNING) -> Diagnostic:
    return Diagnostic(line=line, severity=severity, message=msg)


def _theme_colors(theme: Any) -> dict[str, str] | None:
    """An asciinema header theme (``fg``, ``bg``, ``palette`` "c1:c2:...") as xterm.js keys."""
    if not isinstance(theme, dict):
        return None
    palette = str(theme.get("palette", "")).split(":")
    if len(palette) < 8 or "fg" not in theme or "bg" not in theme:
        return None
    if len(palette) < 16:
        palette = palette[:8] * 2
    colors = dict(zip(ANSI_KEYS, palette[:16], strict=True))
    colors.update(foreground=str(theme["fg"]), background=str(theme["bg"]))
    return colors


def _seconds_to_ms(value: Any) -> Fraction:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(f"{value!r} is not a time in seconds")
    # Decimal text keeps the recording's exact microseconds (no float drift).
    return Fraction(str(value)) * 1000


def parse_cast(
    text: str, *, idle_limit_s: float | None = None, speed: float = 1.0, file: str | None = None
) -> Session:
    """A session from the text of a ``.cast`` file.

    ``idle_limit_s`` caps every pause (default: the header's ``idle_time_limit``);
    ``speed`` divides all times (2.0 plays twice as fast).
    """
    diags: list[Diagnostic] = []
    lines = [ln.rstrip("\r") for ln in text.split("\n")]
    header: dict[str, Any] | None = None
    start = 0
    for i, raw in enumerate(lines):
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        start = i + 1
        try:
            obj = json.loads(raw)
        except (ValueError, RecursionError) as exc:
            diags.append(
                _diag(
                    i + 1,
                    f"the header is not JSON ({getattr(exc, 'msg', exc)}); a .cast starts with a JSON object line",
                    Severity.ERROR,
                )
            )
            break
        if not isinstance(obj, dict):
            diags.append(
                _diag(
                    i + 1,
                    'the first line must be the JSON header object ({"version": 2, ...})',
                    Severity.ERROR,
                )
            )
            break
        header = obj
        break
    if header is None:
        if not diags:
            diags.append(_diag(1, "empty recording: no header line", Severity.ERROR))
        return Session(80, 24, diagnostics=_with_file(diags, file), duration_ms=1)
    version = header.get("version")
    if version not in (2, 3):
        diags.append(
            _diag(
                start,
                f"unsupported asciinema version {version!r}; versions 2 and 3 are read",
                Severity.ERROR,
            )
        )
        return Session(80, 24, diagnostics=_with_file(diags, file), duration_ms=1)
    term = header.get("term") if version == 3 else header
    term = term if isinstance(term, dict) else {}
    cols = _positive(term.get("cols" if version == 3 else "width"), 80, start, "width", diags)
    rows = _positive(term.get("rows" if version == 3 else "height"), 24, start, "height", diags)
    if not within_size(cols, rows):
        diags.append(
            _diag(
                start,
                f"the header's terminal is {cols}x{rows}; {size_fix()}, so it is cut to that. "
                "Record in a smaller terminal.",
                Severity.ERROR,
            )
        )
        cols, rows = min(cols, LIMITS.max_cols), min(rows, LIMITS.max_rows)
    theme_src = term.get("theme") if version == 3 else header.get("theme")
    limit = idle_limit_s if idle_limit_s is not None else header.get("idle_time_limit")
    limit_ms: Fraction | None = None
    if isinstance(limit, int | float) and not isinstance(limit, bool) and limit > 0:
        limit_ms = Fraction(str(limit)) * 1000
    if not (math.isfinite(speed) and LIMITS.min_speed <= speed <= LIMITS.max_speed):
        diags.append(
            _diag(
                start,
                f"speed {speed} is out of bounds; give a speed between {LIMITS.min_speed:g} "
                f"and {LIMITS.max_speed:g}. Using 1.",
                Severity.ERROR,
            )
        )
        speed = 1.0
    spd = Fraction(str(speed))
    events: list[Event] = []
    recorded = Fraction(0)  # time in the recording
    shown = Fraction(0)  # time on screen, after the idle cap
    for lineno, raw in enumerate(lines[start:], start=start + 1):
        if not raw.strip() or (version == 3 and raw.lstrip().startswith("#")):
            continue
        try:
            ev = json.loads(raw)
        except (ValueError, RecursionError) as exc:
            diags.append(
                _diag(lineno, f"not a JSON event line ({getattr(exc, 'msg', exc)}); skipped")
            )
            continue
        if not isinstance(ev, list) or len(ev) < 3 or not isinstance(ev[1], str):
            diags.append(_diag(lineno, "an event is [time, code, data]; skipped"))
            continue
        try:
            t = _seconds_to_ms(ev[0])
        except ValueError as exc:
            diags.append(_diag(lineno, f"{exc}; skipped"))
            continue
        if t < 0:
            diags.append(_diag(lineno, "negative time; skipped"))
            continue
        gap = t if version == 3 else t - recorded
        if gap < 0:
            diags.append(_diag(lineno, "time goes backwards; treated as no pause"))
            gap = Fraction(0)
        if version == 2:
            recorded = max(recorded, t)
        if limit_ms is not None and gap > limit_ms:
            gap = limit_ms
        shown += gap
        ms = round(shown / spd)
        if ms > LIMITS.max_duration_ms:
            hours = LIMITS.max_duration_ms // 3_600_000
            diags.append(
                _diag(
                    lineno,
                    f"this event comes {ms // 60_000:,} minutes in, past the {hours}-hour "
                    "limit on an imported recording; the rest is left out. Cap the pauses "
                    "(--idle-limit 2) or cut the recording.",
                    Severity.ERROR,
                )
            )
            break
        if len(events) >= LIMITS.max_events:
            diags.append(
                _diag(
                    lineno,
                    f"the recording has more than {LIMITS.max_events:,} events; the rest "
                    "is left out. Cut the recording into parts.",
                    Severity.ERROR,
                )
            )
            break
        code, data = ev[1], ev[2]
        if not isinstance(data, str):
            diags.append(_diag(lineno, "event data must be a string; skipped"))
            continue
        if code == "o":
            events.append(Event(ms, data=data))
        elif code == "r":
            size = _parse_size(data)
            if size is None:
                diags.append(_diag(lineno, f"resize {data[:40]!r} is not COLSxROWS; skipped"))
            elif not within_size(*size):
                diags.append(
                    _diag(
                        lineno,
                        f"resize to {data[:40]}: {size_fix()}; this resize is skipped. "
                        "Record in a smaller terminal.",
                        Severity.ERROR,
                    )
                )
            else:
                events.append(Event(ms, resize=size))
        elif code == "m":
            events.append(Event(ms, marker=data))
        elif code in ("i", "x"):
            continue
        else:
            diags.append(_diag(lineno, f"unknown event code {code!r}; skipped", Severity.INFO))
    duration = (events[-1].ms if events else 0) + END_HOLD_MS
    title = str(header.get("title") or "")
    if len(title) > LIMITS.max_title_chars:
        diags.append(
            _diag(
                start,
                f"the title is {len(title):,} characters; it is cut to the first "
                f"{LIMITS.max_title_chars}",
            )
        )
        title = title[: LIMITS.max_title_chars]
    return Session(
        cols, rows, events=events, duration_ms=duration, title=title,
        theme_colors=_theme_colors(theme_src), diagnostics=_with_file(diags, file),
    )  # fmt: skip


def _positive(value: Any, default: int, line: int, name: str, diags: list[Diagnostic]) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    diags.append(
        _diag(line, f"header {name} {value!r} is not a positive whole number; using {default}")
    )
    return default


def _parse_size(data: str) -> tuple[int, int] | None:
    cols, sep, rows = data.strip().lower().partition("x")
    c, r = whole_number(cols), whole_number(rows)
    if not sep or c is None or r is None or c < 1 or r < 1:
        return None
    return c, r


def _with_file(diags: list[Diagnostic], file: str | None) -> list[Diagnostic]:
    return [d.model_copy(update={"file": file}) for d in diags] if file else diags


def read_cast(path: Path, *, idle_limit_s: float | None = None, speed: float = 1.0) -> Session:
    """A session from a ``.cast`` file; an unreadable or oversized file is an error diagnostic."""
    text = read_import(path)
    if isinstance(text, Diagnostic):
        return Session(80, 24, duration_ms=1, diagnostics=[text])
    return parse_cast(text, idle_limit_s=idle_limit_s, speed=speed, file=str(path))
