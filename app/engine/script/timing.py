"""Duration estimates before any voice exists: words, pauses and typing speed.

Every figure is integer milliseconds; the rules are written down in
docs/script-language-notes.md.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from app.engine.model.script import Beat, CodeBeat, SpeechBeat, TerminalBeat

WORDS_PER_MINUTE = 150
"""Speaking rate at speed 1.0."""
TERMINAL_CPS = 20.0
"""Default typing speed for terminal commands, characters per second."""
CODE_CPS = 30.0
"""Default typing speed for code blocks, characters per second."""
OUTPUT_LINE_MS = 400
"""How long each line of terminal output takes to appear."""
HELD_VISUAL_MS = 2_000
"""A visual with nothing after it in its scene is held this long (the estimate, its
warning and the timeline layout all use this one figure)."""
SHOWN_ALONE_MS = 1_500
"""A table or callout with no speech after it in its scene is shown this long.

With speech after it, it costs no time of its own: it is shown over that speech.
"""

_PIECE = re.compile(r"\S+")
"""A whitespace-separated piece of text."""
_HEARD = re.compile(r"[^\W_]")
"""A letter or digit: a piece with one in it is heard as a word."""


def count_words(text: str) -> int:
    """Words as a listener hears them: whitespace-separated pieces with a letter or digit.

    Each piece is found once and searched only within itself, so the count is linear in
    the text: one pattern that looked for "a piece with a letter in it" restarted at every
    character of a long run of punctuation, which made 40,000 of them take seconds.
    """
    return sum(
        1 for m in _PIECE.finditer(text) if _HEARD.search(text, m.start(), m.end()) is not None
    )


def speech_ms(text: str, speed: float = 1.0) -> int:
    """150 words a minute, scaled by the character's speed."""
    speed = speed if speed > 0 else 1.0
    return round(count_words(text) * 60_000 / (WORDS_PER_MINUTE * speed))


def typing_ms(characters: int, cps: float) -> int:
    """Time to type ``characters`` at ``cps`` characters per second."""
    cps = cps if cps > 0 else TERMINAL_CPS
    return round(characters * 1000 / cps)


def terminal_ms(commands: list[str], output_lines: int, cps: float | None) -> int:
    """Typing every command (plus Enter) and letting each output line appear."""
    typed = sum(len(c) + 1 for c in commands)
    return typing_ms(typed, cps or TERMINAL_CPS) + output_lines * OUTPUT_LINE_MS


def code_ms(code: str, cps: float | None) -> int:
    """Typing the code, leading indentation included (an editor view types it too)."""
    return typing_ms(len(code), cps or CODE_CPS)


def speech_next(beats: Sequence[Beat]) -> list[bool]:
    """For each beat of a scene, whether a speech follows it before any terminal or code block.

    This is what "the next speech" means, for a ``sync=next`` block (it plays during that
    speech) and for a table or callout (shown over it): another block would take the
    screen first, so past one there is no next speech. The parser's estimates and the
    timeline layout both ask this one function, in one pass from the end.
    """
    out = [False] * len(beats)
    follows = False
    for i in range(len(beats) - 1, -1, -1):
        out[i] = follows
        beat = beats[i]
        if isinstance(beat, SpeechBeat):
            follows = True
        elif isinstance(beat, TerminalBeat | CodeBeat):
            follows = False
    return out
