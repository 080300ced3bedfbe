"""Inline Markdown inside a paragraph: speakers, pauses, directions and plain text.

markdown-it gives a paragraph as a flat list of inline tokens. This module cuts that
list at line breaks (a ``[pause 1s]`` must be alone on its line), recognises the
speaker prefix, and renders the rest as text to speak and text to caption.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from fractions import Fraction

from markdown_it.token import Token

SPEAKER_CAPS = re.compile(r"^([A-Z0-9_-]+(?: [A-Z0-9_-]+){0,2}):(?=\s|$)")
"""``NAME:`` at the start of a paragraph: 1 to 3 words of capitals, digits, ``_`` or ``-``."""
_NAME_WORD = r"\w[\w.'’-]*"
"""A word of a bold speaker name: any letters or digits, with ``.``, ``'`` or ``-`` in it
(``Dr.``, ``O'Brien``, ``Smith-Jones``)."""
_BOLD_NAME = rf"{_NAME_WORD}(?: {_NAME_WORD}){{0,2}}"
SPEAKER_BOLD = re.compile(rf"^\s*({_BOLD_NAME})\s*:\s*$")
"""The name inside ``**Name:**``: 1 to 3 words."""
SPEAKER_BOLD_NAME = re.compile(rf"^\s*({_BOLD_NAME})\s*$")
"""The name inside ``**Name**:`` (colon outside the bold)."""
PAUSE = re.compile(r"^\[\s*pause\s+(\d+)(?:\.(\d{1,3}))?\s*(ms|s)\s*\]$", re.IGNORECASE)
"""``[pause 1.5s]``: any number of digits, so a huge pause is clamped, not misread."""
_PAUSE_DIGITS = 15
"""Whole-number digits worth converting: more is far past any limit (and ``int()`` of
thousands of digits is refused by Python)."""
LOOKS_LIKE_PAUSE = re.compile(r"^\[\s*pause\b[^\]]*\]$", re.IGNORECASE)
DIRECTION_START = re.compile(r"^\(([^()]*)\)\s*")
DIRECTION_END = re.compile(r"\s*\(([^()]*)\)$")
_SPACES = re.compile(r"[ \t\f\v\u00a0]+")
_UNUSUAL_SPACE = re.compile(r"[\n\t\f\v\u00a0]")


@dataclass
class InlineLine:
    """The tokens of one source line of a paragraph."""

    line: int
    tokens: list[Token] = field(default_factory=list)
    break_after: str = "softbreak"


def split_lines(children: list[Token], first_line: int) -> list[InlineLine]:
    """Cut inline tokens at soft and hard breaks, tracking 1-based source lines."""
    lines = [InlineLine(first_line)]
    line = first_line
    for tok in children:
        if tok.type in ("softbreak", "hardbreak"):
            lines[-1].break_after = tok.type
            line += 1
            lines.append(InlineLine(line))
            continue
        lines[-1].tokens.append(tok)
        if tok.type in ("html_inline", "code_inline"):
            # Inline HTML keeps its newlines; a code span turns them into spaces but
            # the source lines still passed.
            line += tok.content.count("\n")
    return lines


def plain(tokens: list[Token]) -> str:
    """The text a listener hears: markup dropped, links as their text, code as its text."""
    parts: list[str] = []
    for tok in tokens:
        if tok.type in ("text", "code_inline", "text_special"):
            parts.append(tok.content)
        elif tok.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    return "".join(parts)


def squash(text: str) -> str:
    """Collapse runs of spaces within lines and trim; newlines are kept for captions."""
    if "  " not in text and not _UNUSUAL_SPACE.search(text):
        return text.strip()  # the common case, without a regex pass
    lines = [_SPACES.sub(" ", part).strip() for part in text.split("\n")]
    return "\n".join(p for p in lines if p)


def pause_ms(text: str) -> int | None:
    """Milliseconds of a ``[pause 1.5s]`` / ``[pause 800ms]`` line, else ``None``.

    Counted in integers (a float would round a long pause); a pause written with more
    digits than any sensible length comes back as ``10**15`` ms, still far past the limit
    the parser clamps it to.
    """
    m = PAUSE.match(text.strip())
    if not m:
        return None
    whole, fraction, unit = m.group(1).lstrip("0"), m.group(2) or "", m.group(3).lower()
    if len(whole) > _PAUSE_DIGITS:
        return 10**_PAUSE_DIGITS
    thousandths = int(whole or "0") * 1000 + int(fraction.ljust(3, "0"))
    return thousandths if unit == "s" else round(Fraction(thousandths, 1000))


@dataclass
class Speaker:
    name: str
    form: str
    """``caps`` for ``NAME:``, ``bold`` for ``**Name:**``."""


def take_speaker(tokens: list[Token]) -> tuple[Speaker | None, list[Token]]:
    """Recognise a speaker prefix and return the tokens that follow it."""
    idx = 0
    while idx < len(tokens) and tokens[idx].type == "text" and not tokens[idx].content.strip():
        idx += 1
    rest = tokens[idx:]
    if not rest:
        return None, tokens
    first = rest[0]
    if first.type == "strong_open" and len(rest) >= 3 and rest[1].type == "text":
        inner = rest[1].content
        if rest[2].type == "strong_close":
            m = SPEAKER_BOLD.match(inner)
            if m and _has_letter(m.group(1)):
                return Speaker(m.group(1), "bold"), rest[3:]
            m = SPEAKER_BOLD_NAME.match(inner)
            if (
                m
                and _has_letter(m.group(1))
                and len(rest) >= 4
                and rest[3].type == "text"
                and rest[3].content.startswith(":")
            ):
                after = Token("text", "", 0)
                after.content = rest[3].content[1:]
                return Speaker(m.group(1), "bold"), [after, *rest[4:]]
    if first.type == "text":
        content = first.content.lstrip()
        m = SPEAKER_CAPS.match(content)
        if m and _has_letter(m.group(1)):
            after = Token("text", "", 0)
            after.content = content[m.end() :]
            return Speaker(m.group(1), "caps"), [after, *rest[1:]]
    return None, tokens


def _has_letter(name: str) -> bool:
    """A speaker name needs a letter, so ``2024:`` and ``**42:**`` stay narration."""
    return any(ch.isalpha() for ch in name)


def looks_like_speaker(tokens: list[Token]) -> str | None:
    """The name when a line inside a paragraph starts like a new speaker."""
    speaker, _ = take_speaker(tokens)
    return speaker.name if speaker else None


def take_directions(text: str) -> tuple[str, list[str]]:
    """Remove ``(text)`` at the start and end of a speech; return what is left and the hints."""
    directions: list[str] = []
    m = DIRECTION_START.match(text)
    if m:
        directions.append(m.group(1).strip())
        text = text[m.end() :]
    m = DIRECTION_END.search(text)
    if m:
        directions.append(m.group(1).strip())
        text = text[: m.start()]
    return text.strip(), [d for d in directions if d]


def strong_phrases(lines: list[list[Token]]) -> list[str]:
    """The plain text of each ``**strong**`` (or ``__strong__``) span, in order, without repeats.

    ``lines`` are a speech's tokens line by line, the speaker prefix already taken off, so
    ``**Name:**`` is never counted. A span may cross a line break (it is joined with a
    space); one left open at the end of the speech runs to the end. ``*em*`` is not counted.
    """
    phrases: dict[str, None] = {}
    """In order, without repeats, each looked up in constant time."""
    depth = 0
    span: list[str] = []

    def close() -> None:
        phrase = squash("".join(span).replace("\n", " "))
        if phrase:
            phrases.setdefault(phrase)

    for toks in lines:
        for tok in toks:
            if tok.type == "strong_open":
                if depth == 0:
                    span = []
                depth += 1
            elif tok.type == "strong_close":
                if depth > 0:
                    depth -= 1
                    if depth == 0:
                        close()
            elif depth > 0 and tok.type in ("text", "code_inline", "text_special"):
                span.append(tok.content)
        if depth > 0:
            span.append(" ")
    if depth > 0:
        close()
    return list(phrases)
