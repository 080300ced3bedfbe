"""asciinema ``.cast`` import (versions 2 and 3) into a :class:`Session`.

v2: a JSON header line (``width``/``height``) then ``[time, code, data]`` lines with
absolute times. v3: header with ``term.cols``/``term.rows`` and times relative to the
previous event, ``#`` comment lines allowed. Codes: ``o`` output, ``r`` resize
(``COLSxROWS``), ``m`` marker; ``i`` (input) and ``x`` (exit) change nothing on screen.
Bad lines become diagnostics with their line numbers; nothing here raises.
"""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path
from typing import Any

from app.engine.model import Diagnostic, Severity
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
        except json.JSONDecodeError as exc:
            diags.append(
                _diag(
                    i + 1,
                    f"the header is not JSON ({exc.msg}); a .cast starts with a JSON object line",
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
    theme_src = term.get("theme") if version == 3 else header.get("theme")
    limit = idle_limit_s if idle_limit_s is not None else header.get("idle_time_limit")
    limit_ms: Fraction | None = None
    if isinstance(limit, int | float) and not isinstance(limit, bool) and limit > 0:
        limit_ms = Fraction(str(limit)) * 1000
    if speed <= 0:
        diags.append(_diag(start, f"speed {speed} must be above 0; using 1"))
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
        except json.JSONDecodeError as exc:
            diags.append(_diag(lineno, f"not a JSON event line ({exc.msg}); skipped"))
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
        code, data = ev[1], ev[2]
        if not isinstance(data, str):
            diags.append(_diag(lineno, "event data must be a string; skipped"))
            continue
        if code == "o":
            events.append(Event(ms, data=data))
        elif code == "r":
            size = _parse_size(data)
            if size is None:
                diags.append(_diag(lineno, f"resize {data!r} is not COLSxROWS; skipped"))
            else:
                events.append(Event(ms, resize=size))
        elif code == "m":
            events.append(Event(ms, marker=data))
        elif code in ("i", "x"):
            continue
        else:
            diags.append(_diag(lineno, f"unknown event code {code!r}; skipped", Severity.INFO))
    duration = (events[-1].ms if events else 0) + END_HOLD_MS
    title = header.get("title")
    return Session(
        cols, rows, events=events, duration_ms=duration, title=str(title) if title else "",
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
    if not sep or not cols.isdigit() or not rows.isdigit() or int(cols) < 1 or int(rows) < 1:
        return None
    return int(cols), int(rows)


def _with_file(diags: list[Diagnostic], file: str | None) -> list[Diagnostic]:
    return [d.model_copy(update={"file": file}) for d in diags] if file else diags


def read_cast(path: Path, *, idle_limit_s: float | None = None, speed: float = 1.0) -> Session:
    """A session from a ``.cast`` file; an unreadable file is an error diagnostic."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        return Session(
            80,
            24,
            duration_ms=1,
            diagnostics=[
                Diagnostic(
                    line=1,
                    severity=Severity.ERROR,
                    message=f"cannot read: {exc.strerror}",
                    file=str(path),
                )
            ],
        )
    return parse_cast(text, idle_limit_s=idle_limit_s, speed=speed, file=str(path))
