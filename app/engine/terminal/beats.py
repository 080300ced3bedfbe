"""Script blocks to sessions: a terminal block typed at a prompt, a code block typed into an editor."""

from __future__ import annotations

import random
import zlib

from pygments import lex
from pygments.lexer import Lexer
from pygments.lexers import TextLexer, get_lexer_by_name
from pygments.token import (
    Comment,
    Keyword,
    Literal,
    Name,
    Number,
    Operator,
    String,
    Token,
    _TokenType,
)
from pygments.util import ClassNotFound

from app.engine.model import BlockOptions, CodeBeat, Diagnostic, Severity, TerminalBeat
from app.engine.terminal.session import REVEALS, Cadence, Pace, Reveal, Session, SessionWriter
from app.engine.terminal.themes import Theme

DEFAULT_SPEED = 18.0
DEFAULT_PROMPT = "$ "
PROMPT_STYLE = "\x1b[1;32m"


def _int_opt(opts: BlockOptions, key: str, default: int, lo: int, hi: int, diags: list[Diagnostic], line: int) -> int:
    raw = opts.extra.get(key)
    if raw is None:
        return default
    try:
        return max(lo, min(hi, int(raw)))
    except ValueError:
        diags.append(Diagnostic(line=line, severity=Severity.WARNING, message=f"{key}={raw!r} is not a whole number; using {default}"))
        return default


def _reveal(opts: BlockOptions, diags: list[Diagnostic], line: int) -> Reveal:
    raw = opts.extra.get("reveal", "instant").lower()
    if raw not in REVEALS:
        diags.append(Diagnostic(line=line, severity=Severity.WARNING, message=f"reveal={raw!r} is unknown; use one of {', '.join(REVEALS)}"))
        return "instant"
    return raw  # type: ignore[return-value]


def _cursor(opts: BlockOptions, default: str, diags: list[Diagnostic], line: int) -> str:
    raw = opts.extra.get("cursor", default).lower()
    if raw not in ("block", "bar", "underline"):
        diags.append(Diagnostic(line=line, severity=Severity.WARNING, message=f"cursor={raw!r} is unknown; use block, bar or underline"))
        return default
    return raw


def terminal_session(beat: TerminalBeat, theme: Theme, *, seed: int = 0, pace: Pace | None = None) -> Session:
    """A prompt, each command typed with a human cadence, then its output line by line."""
    pace = pace or Pace()
    opts = beat.options
    diags: list[Diagnostic] = []
    delay = _int_opt(opts, "delay", pace.first_output_ms, 0, 60_000, diags, beat.line)
    line_ms = _int_opt(opts, "line_delay", pace.line_ms, 0, 10_000, diags, beat.line)
    longest = max((len(ln.text) + 2 for ln in beat.lines), default=40)
    cols = _int_opt(opts, "cols", 80 if longest <= 80 else min(160, longest), 10, 400, diags, beat.line)
    rows = _int_opt(opts, "rows", 24, 2, 200, diags, beat.line)
    reveal = _reveal(opts, diags, beat.line)
    cadence = Cadence(speed=opts.speed or DEFAULT_SPEED, seed=seed)
    prompt = opts.prompt if opts.prompt is not None else DEFAULT_PROMPT
    prompt_text = f"{PROMPT_STYLE}{prompt}\x1b[0m"
    rng = random.Random(seed ^ zlib.crc32(beat.info.encode()))
    w = SessionWriter(cols, rows)
    prompt_shown = False
    first_output = True
    for i, ln in enumerate(beat.lines):
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
        w.emit(prompt_text, wait=pace.first_output_ms if beat.lines else 0)
    session = w.finish(pace.hold_ms)
    session.title = opts.title or (f"{prompt.strip()} {beat.commands[0]}" if beat.commands else "Terminal")
    session.theme = opts.theme
    session.cursor_style = _cursor(opts, "block", diags, beat.line)
    session.cursor_blink = opts.extra.get("blink", "on").lower() not in ("off", "false", "no", "0")
    session.diagnostics = diags
    return session


# Pygments token types to ANSI colour SGR: the code view uses the same themes as the terminal.
_TOKEN_SGR: list[tuple[_TokenType, str]] = [
    (Comment, "3;90"),
    (Keyword.Constant, "33"),
    (Keyword, "35"),
    (Name.Function, "34"),
    (Name.Class, "1;33"),
    (Name.Decorator, "33"),
    (Name.Builtin, "36"),
    (Name.Exception, "33"),
    (Name.Tag, "31"),
    (Name.Attribute, "33"),
    (String, "32"),
    (Number, "33"),
    (Literal, "33"),
    (Operator.Word, "35"),
    (Operator, "36"),
]


def _sgr_for(tok: _TokenType) -> str:
    for parent, sgr in _TOKEN_SGR:
        if tok in parent:
            return f"\x1b[0;{sgr}m"
    return "\x1b[0m"


def _lexer(language: str) -> Lexer:
    try:
        return get_lexer_by_name(language or "text", stripnl=False, ensurenl=False)
    except ClassNotFound:
        return TextLexer(stripnl=False, ensurenl=False)


def highlight_lines(code: str, language: str) -> list[list[tuple[str, str]]]:
    """Per line, runs of ``(sgr, text)`` from Pygments."""
    lines: list[list[tuple[str, str]]] = [[]]
    for tok, value in lex(code, _lexer(language)):
        sgr = _sgr_for(tok) if tok is not Token.Text else "\x1b[0m"
        parts = value.split("\n")
        for j, part in enumerate(parts):
            if j > 0:
                lines.append([])
            if part:
                lines[-1].append((sgr, part))
    return lines


def code_session(beat: CodeBeat, theme: Theme, *, seed: int = 0, pace: Pace | None = None) -> Session:
    """An editor view: line numbers, indentation placed at once, code typed with its colours."""
    pace = pace or Pace()
    opts = beat.options
    diags: list[Diagnostic] = []
    code = beat.code.expandtabs(4).rstrip("\n")
    hl = highlight_lines(code, beat.language)
    digits = max(2, len(str(len(hl))))
    gutter = digits + 3
    longest = max((len(line) for line in code.split("\n")), default=0)
    cols = _int_opt(opts, "cols", max(64, min(160, longest + gutter + 2)), 10, 400, diags, beat.line)
    rows = _int_opt(opts, "rows", max(12, min(30, len(hl) + 2)), 2, 200, diags, beat.line)
    cadence = Cadence(speed=opts.speed or DEFAULT_SPEED * 1.3, seed=seed)
    w = SessionWriter(cols, rows)
    for n, runs in enumerate(hl, start=1):
        number = f"\x1b[0;90m {n:>{digits}}  \x1b[0m"
        if n == 1:
            w.emit(number, wait=0)
        else:
            w.emit("\r\n" + number, wait=pace.before_enter_ms // 2, key=True)
        text = "".join(t for _, t in runs)
        indent = len(text) - len(text.lstrip(" "))
        if indent:
            w.emit(" " * indent, wait=60, key=True)  # an editor's auto-indent: all at once
        styles: list[str] = []
        typed: list[str] = []
        pos = 0
        for sgr, part in runs:
            for k, ch in enumerate(part):
                if pos >= indent:
                    typed.append(ch)
                    styles.append(sgr if k == 0 or pos == indent else "")
                pos += 1
        w.type_text("".join(typed), cadence, salt=n, styles=styles)
        w.emit("\x1b[0m")
    session = w.finish(pace.hold_ms)
    session.kind = "code"
    session.title = opts.title or f"{beat.language or 'code'}"
    session.theme = opts.theme
    session.cursor_style = _cursor(opts, "bar", diags, beat.line)
    session.cursor_blink = opts.extra.get("blink", "on").lower() not in ("off", "false", "no", "0")
    session.diagnostics = diags
    return session
