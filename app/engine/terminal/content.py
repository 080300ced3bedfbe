"""What a terminal or code block shows, cut down to a size a video can hold.

A block may hold a 200 KB log line or ten thousand lines of output. Shown in full they
would take minutes to type, hours to play and gigabytes to replay, and nobody could
read them anyway. The session builders and the window fitting both read a block
through this module, so the rows they count are the rows the emulator will show:

- a block of more than ``HEAD_LINES + TAIL_LINES`` lines keeps its first ``HEAD_LINES``
  and last ``TAIL_LINES`` with a "… N lines omitted …" line between;
- a line longer than ``LINE_WINDOWS`` window widths keeps that many characters and ends
  with "…".

Each cut is a warning naming the block's script line and what was left out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

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
from wcwidth import wcswidth

from app.engine.model import (
    BlockOptions,
    CodeBeat,
    Diagnostic,
    Severity,
    TerminalBeat,
    TerminalLine,
)

DEFAULT_PROMPT = "$ "
HEAD_LINES = 200
TAIL_LINES = 50
LINE_WINDOWS = 4
"""A long line keeps this many window widths of characters."""
MEASURE_CHARS = 1024
"""Widths are measured on at most this many characters: wider than any window."""
ELLIPSIS = "…"
OMITTED_SGR = "\x1b[0;3;90m"

_ESCAPE = re.compile(
    r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_]|[()][0-9A-Za-z])"
)
_OPEN_ESCAPE = re.compile(r"\x1b(?:\[[0-?]*[ -/]*|\][^\x07\x1b]*|[()])?$")
_USER_HOST = re.compile(r"[\w.-]+@[\w.-]+")


def display_width(text: str) -> int:
    """The cells ``text`` takes on a terminal row: escapes take none, tabs reach the next stop of 8."""
    plain = _ESCAPE.sub("", text[:MEASURE_CHARS]).expandtabs(8)
    width = wcswidth(plain)
    return width if width >= 0 else len(plain)


def rows_for(width: int, cols: int) -> int:
    """Rows a line ``width`` cells wide takes on a screen ``cols`` wide (it wraps)."""
    return max(1, -(-width // max(1, cols)))


def cut_line(text: str, limit: int) -> str:
    """``text`` kept to ``limit`` characters, the last one an ellipsis, when it is longer."""
    if len(text) <= limit:
        return text
    kept = _OPEN_ESCAPE.sub("", text[: max(0, limit - 1)])  # never end inside an escape
    return kept + ("\x1b[0m" if "\x1b" in kept else "") + ELLIPSIS


def omitted_text(n: int) -> str:
    return f"{ELLIPSIS} {n:,} lines omitted {ELLIPSIS}"


def _count_warning(kind: str, line: int, total: int) -> Diagnostic:
    return Diagnostic(
        line=line,
        severity=Severity.WARNING,
        message=f"{kind} block has {total:,} lines: showing the first {HEAD_LINES} and the last "
        f"{TAIL_LINES} ({total - HEAD_LINES - TAIL_LINES:,} lines omitted); put the rest in a file",
    )


def _length_warning(kind: str, line: int, cut: list[tuple[int, int]], limit: int) -> Diagnostic:
    index, length = max(cut, key=lambda c: c[1])
    if len(cut) > 1:
        what = f"{len(cut)} lines are too long (line {index + 1} of the block has {length:,} characters)"
        shown = f"the first {limit - 1:,} characters of each"
    else:
        what = f"line {index + 1} of the block has {length:,} characters"
        shown = f"its first {limit - 1:,}"
    return Diagnostic(
        line=line,
        severity=Severity.WARNING,
        message=f"{kind} block: {what}; showing {shown}, then {ELLIPSIS}",
    )


@dataclass
class TerminalContent:
    """A terminal block's prompt and lines, cut to what will be shown."""

    prompt: str
    lines: list[TerminalLine]
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @classmethod
    def of(cls, beat: TerminalBeat, line_limit: int | None) -> TerminalContent:
        """The block cut to ``line_limit`` characters a line (``None``: lines kept whole)."""
        opts = beat.options
        prompt = opts.prompt if opts.prompt is not None else DEFAULT_PROMPT
        lines = list(beat.lines)
        diags: list[Diagnostic] = []
        total = len(lines)
        if total > HEAD_LINES + TAIL_LINES:
            marker = TerminalLine(kind="output", text=omitted_text(total - HEAD_LINES - TAIL_LINES))
            lines = [*lines[:HEAD_LINES], marker, *lines[total - TAIL_LINES :]]
            diags.append(_count_warning("terminal", beat.line, total))
        if line_limit is not None:
            limit = max(2, line_limit)
            cut: list[tuple[int, int]] = []
            for i, ln in enumerate(lines):
                if len(ln.text) > limit:
                    index = (
                        i
                        if i < HEAD_LINES or total <= HEAD_LINES + TAIL_LINES
                        else total - len(lines) + i
                    )
                    cut.append((index, len(ln.text)))
                    lines[i] = ln.model_copy(update={"text": cut_line(ln.text, limit)})
            if cut:
                diags.append(_length_warning("terminal", beat.line, cut, limit))
        return cls(prompt, lines, diags)

    def widths(self) -> list[int]:
        """Each screen line's width before wrapping: commands at their prompt, output, the last prompt."""
        p = display_width(self.prompt)
        out = [display_width(ln.text) + (p if ln.kind == "command" else 0) for ln in self.lines]
        out.append(p)
        return out


def terminal_title(options: BlockOptions) -> str:
    """A title that gives nothing away: the ``title=`` option, the prompt's user@host, or "Terminal"."""
    if options.title:
        return options.title
    found = _USER_HOST.search(options.prompt or "")
    return found.group(0) if found else "Terminal"


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


def _lexer(language: str) -> Lexer | None:
    try:
        return get_lexer_by_name(language or "text", stripnl=False, ensurenl=False)
    except ClassNotFound:
        return None


def highlight_lines(code: str, language: str) -> list[list[tuple[str, str]]]:
    """Per line, runs of ``(sgr, text)`` from Pygments."""
    lines: list[list[tuple[str, str]]] = [[]]
    lexer = _lexer(language) or TextLexer(stripnl=False, ensurenl=False)
    for tok, value in lex(code, lexer):
        sgr = _sgr_for(tok) if tok is not Token.Text else "\x1b[0m"
        parts = value.split("\n")
        for j, part in enumerate(parts):
            if j > 0:
                lines.append([])
            if part:
                lines[-1].append((sgr, part))
    return lines


def code_title(beat: CodeBeat) -> str:
    """The ``title=`` option, else a file name for the language (``main.py``), else its name."""
    if beat.options.title:
        return beat.options.title
    lexer = _lexer(beat.language) if beat.language else None
    if lexer is None:
        return beat.language or "code"
    for pattern in lexer.filenames:
        if re.fullmatch(r"\*\.[\w+-]+", pattern):
            return f"main{pattern[1:]}"
        if re.fullmatch(r"[\w.+-]+", pattern):
            return pattern  # a whole file name: Dockerfile, Makefile
    return str(lexer.name)


@dataclass
class CodeLine:
    """One editor line: its number (``None`` for the omitted-lines marker) and coloured runs."""

    number: int | None
    runs: list[tuple[str, str]]

    @property
    def text(self) -> str:
        return "".join(t for _, t in self.runs)


@dataclass
class CodeContent:
    """A code block's lines, highlighted and cut to what will be shown."""

    lines: list[CodeLine]
    digits: int
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def gutter(self) -> int:
        """Columns before the code: a space, the line number, two spaces."""
        return self.digits + 3

    @classmethod
    def of(cls, beat: CodeBeat, line_limit: int | None) -> CodeContent:
        """The block cut to ``line_limit`` columns a line, gutter included (``None``: kept whole)."""
        raw = beat.code.expandtabs(4).rstrip("\n").split("\n")
        total = len(raw)
        digits = max(2, len(str(total)))
        gutter = digits + 3
        diags: list[Diagnostic] = []
        parts: list[tuple[int, list[str]]] = [(1, raw)]
        if total > HEAD_LINES + TAIL_LINES:
            parts = [(1, raw[:HEAD_LINES]), (total - TAIL_LINES + 1, raw[total - TAIL_LINES :])]
            diags.append(_count_warning("code", beat.line, total))
        cut: list[tuple[int, int]] = []
        lines: list[CodeLine] = []
        for k, (first, texts) in enumerate(parts):
            if k > 0:
                marker = omitted_text(first - HEAD_LINES - 1)
                lines.append(CodeLine(None, [(OMITTED_SGR, marker)]))
            if line_limit is not None:
                limit = max(2, line_limit - gutter)
                kept: list[str] = []
                for i, text in enumerate(texts):
                    if len(text) > limit:
                        cut.append((first - 1 + i, len(text)))
                        text = cut_line(text, limit)
                    kept.append(text)
                texts = kept
            runs = highlight_lines("\n".join(texts), beat.language)[: len(texts)]
            runs += [[] for _ in range(len(texts) - len(runs))]
            lines.extend(CodeLine(n, r) for n, r in enumerate(runs, start=first))
        if cut:
            diags.append(
                _length_warning("code", beat.line, cut, max(2, (line_limit or 0) - gutter))
            )
        return cls(lines, digits, diags)

    def widths(self) -> list[int]:
        """Each editor line's width before wrapping, gutter included."""
        return [self.gutter + display_width(ln.text) for ln in self.lines]
