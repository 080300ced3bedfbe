"""Script blocks to sessions: a terminal block typed at a prompt, a code block typed into an editor."""

from __future__ import annotations

import random
import zlib

from app.engine.model import BlockOptions, CodeBeat, Diagnostic, Severity, TerminalBeat
from app.engine.terminal.content import (
    LINE_WINDOWS,
    MEASURE_CHARS,
    CodeContent,
    TerminalContent,
    code_title,
    terminal_title,
)
from app.engine.terminal.session import REVEALS, Cadence, Pace, Reveal, Session, SessionWriter
from app.engine.terminal.themes import Theme

DEFAULT_SPEED = 18.0
PROMPT_STYLE = "\x1b[1;32m"


def _int_opt(
    opts: BlockOptions, key: str, default: int, lo: int, hi: int, diags: list[Diagnostic], line: int
) -> int:
    raw = opts.extra.get(key)
    if raw is None:
        return default
    try:
        return max(lo, min(hi, int(raw)))
    except ValueError:
        diags.append(
            Diagnostic(
                line=line,
                severity=Severity.WARNING,
                message=f"{key}={raw!r} is not a whole number; using {default}",
            )
        )
        return default


def _reveal(opts: BlockOptions, diags: list[Diagnostic], line: int) -> Reveal:
    raw = opts.extra.get("reveal", "instant").lower()
    if raw not in REVEALS:
        diags.append(
            Diagnostic(
                line=line,
                severity=Severity.WARNING,
                message=f"reveal={raw!r} is unknown; use one of {', '.join(REVEALS)}",
            )
        )
        return "instant"
    return raw  # type: ignore[return-value]


def _cursor(opts: BlockOptions, default: str, diags: list[Diagnostic], line: int) -> str:
    raw = opts.extra.get("cursor", default).lower()
    if raw not in ("block", "bar", "underline"):
        diags.append(
            Diagnostic(
                line=line,
                severity=Severity.WARNING,
                message=f"cursor={raw!r} is unknown; use block, bar or underline",
            )
        )
        return default
    return raw


def terminal_session(
    beat: TerminalBeat,
    theme: Theme,
    *,
    seed: int = 0,
    pace: Pace | None = None,
    size: tuple[int, int] | None = None,
) -> Session:
    """A prompt, each command typed with a human cadence, then its output line by line.

    ``size`` is the screen's ``(cols, rows)`` (from :func:`fit_window`); without it the
    screen is 80x24, or wider for long lines, or what the block's ``cols=``/``rows=`` say.
    Very long blocks and lines are cut (see :mod:`content`) with a warning.
    """
    pace = pace or Pace()
    opts = beat.options
    diags: list[Diagnostic] = []
    delay = _int_opt(opts, "delay", pace.first_output_ms, 0, 60_000, diags, beat.line)
    line_ms = _int_opt(opts, "line_delay", pace.line_ms, 0, 10_000, diags, beat.line)
    longest = max((min(len(ln.text), MEASURE_CHARS) + 2 for ln in beat.lines), default=40)
    cols = _int_opt(
        opts, "cols", 80 if longest <= 80 else min(160, longest), 10, 400, diags, beat.line
    )
    rows = _int_opt(opts, "rows", 24, 2, 200, diags, beat.line)
    if size is not None:
        cols, rows = size
    content = TerminalContent.of(beat, LINE_WINDOWS * cols)
    diags.extend(content.diagnostics)
    reveal = _reveal(opts, diags, beat.line)
    cadence = Cadence(speed=opts.speed or DEFAULT_SPEED, seed=seed)
    prompt_text = f"{PROMPT_STYLE}{content.prompt}\x1b[0m"
    rng = random.Random(seed ^ zlib.crc32(beat.info.encode()))
    w = SessionWriter(cols, rows)
    prompt_shown = False
    first_output = True
    for i, ln in enumerate(content.lines):
        if ln.kind == "command":
            if not prompt_shown:
                w.emit(prompt_text, wait=0 if i == 0 else pace.first_output_ms)
            w.emit("", wait=pace.start_ms if i == 0 else pace.between_commands_ms, key=True)
            w.type_text(ln.text, cadence, salt=i)
            w.emit("", wait=pace.before_enter_ms, key=True)
            w.emit("\r\n")
            prompt_shown = False
            first_output = True
        else:
            wait = delay if first_output else line_ms
            w.reveal_line(ln.text, reveal, theme.foreground, theme.background, rng, wait=wait)
            w.emit("\r\n")
            first_output = False
    if not prompt_shown:
        w.emit(prompt_text, wait=pace.first_output_ms if content.lines else 0)
    session = w.finish(pace.hold_ms)
    session.title = terminal_title(opts)  # never the command: it would show before it is typed
    session.theme = opts.theme
    session.cursor_style = _cursor(opts, "block", diags, beat.line)
    session.cursor_blink = opts.extra.get("blink", "on").lower() not in ("off", "false", "no", "0")
    session.diagnostics = diags
    return session


def code_session(
    beat: CodeBeat,
    theme: Theme,
    *,
    seed: int = 0,
    pace: Pace | None = None,
    size: tuple[int, int] | None = None,
) -> Session:
    """An editor view: line numbers, indentation placed at once, code typed with its colours.

    ``size`` is the view's ``(cols, rows)``; a longer file scrolls as typing passes the
    bottom. Very long files and lines are cut (see :mod:`content`) with a warning.
    """
    pace = pace or Pace()
    opts = beat.options
    diags: list[Diagnostic] = []
    if size is None:
        measured = CodeContent.of(beat, None)
        longest = max(measured.widths(), default=0)
        cols = _int_opt(opts, "cols", max(64, min(160, longest + 2)), 10, 400, diags, beat.line)
        rows = _int_opt(
            opts, "rows", max(12, min(30, len(measured.lines) + 2)), 2, 200, diags, beat.line
        )
    else:
        _int_opt(opts, "cols", 0, 10, 400, diags, beat.line)  # still reported when written wrong
        _int_opt(opts, "rows", 0, 2, 200, diags, beat.line)
        cols, rows = size
    content = CodeContent.of(beat, LINE_WINDOWS * cols)
    diags.extend(content.diagnostics)
    digits = content.digits
    cadence = Cadence(speed=opts.speed or DEFAULT_SPEED * 1.3, seed=seed)
    w = SessionWriter(cols, rows)
    for k, line in enumerate(content.lines):
        gutter = " " * (digits + 3) if line.number is None else f" {line.number:>{digits}}  "
        number = f"\x1b[0;90m{gutter}\x1b[0m"
        if k == 0:
            w.emit(number, wait=0)
        else:
            w.emit("\r\n" + number, wait=pace.before_enter_ms // 2, key=True)
        if line.number is None:  # the omitted-lines marker appears at once
            w.emit("".join(sgr + t for sgr, t in line.runs) + "\x1b[0m", wait=pace.before_enter_ms)
            continue
        runs = line.runs
        text = line.text
        indent = len(text) - len(text.lstrip(" "))
        if indent:
            w.emit(" " * indent, wait=60, key=True)  # an editor's auto-indent: all at once
        styles: list[str] = []
        typed: list[str] = []
        pos = 0
        for sgr, part in runs:
            for j, ch in enumerate(part):
                if pos >= indent:
                    typed.append(ch)
                    styles.append(sgr if j == 0 or pos == indent else "")
                pos += 1
        w.type_text("".join(typed), cadence, salt=line.number, styles=styles)
        w.emit("\x1b[0m")
    session = w.finish(pace.hold_ms)
    session.kind = "code"
    session.title = code_title(beat)
    session.theme = opts.theme
    session.cursor_style = _cursor(opts, "bar", diags, beat.line)
    session.cursor_blink = opts.extra.get("blink", "on").lower() not in ("off", "false", "no", "0")
    session.diagnostics = diags
    return session
