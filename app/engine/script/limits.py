"""Every limit the script engine puts on its input, in one place.

A script is prose that a person writes, so each limit sits far above anything a real
script needs; it exists so that a huge or hostile file costs a bounded amount of time and
memory. Passing one is never an internal error: the reader or parser reports it as a
diagnostic on the line where it happens and goes on (or, for the size caps, stops) as the
message says.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ScriptLimits:
    """The limits, each with the unit in its name."""

    script_bytes: int = 16 * 1024 * 1024
    """A larger file is refused: a script is prose, not data."""
    front_matter_bytes: int = 64 * 1024
    """Front matter larger than this is refused: settings never need more."""
    front_matter_depth: int = 16
    """Deepest nesting of mappings and lists allowed (characters need three levels)."""
    front_matter_aliases: int = 64
    """How many ``*alias`` references one front matter may use."""
    front_matter_nodes: int = 20_000
    """Node budget when aliases are counted as expanded copies."""
    pause_ms: int = 600_000
    """Longest pause; a longer one (however many digits it is written with) is cut to this."""
    typing_cps: float = 1_000.0
    """Fastest typing speed a terminal or code block may ask for (``speed=``)."""
    quoted_chars: int = 60
    """How much of a line a message quotes: a diagnostic names the line, so a huge line
    is cut (``[pause 99999…]``) rather than copied into every message."""
    emphasis_per_speech: int = 32
    """Bold phrases of one speech drawn as key phrases; later ones are only spoken.

    Each is looked up in the speech's text, so without a bound a speech made of
    thousands of bold words took time in the square of its length.
    """

    @property
    def pause_words(self) -> str:
        """The longest pause as a writer reads it (``10 minutes``)."""
        seconds = self.pause_ms / 1000
        return f"{seconds / 60:g} minutes" if seconds >= 60 else f"{seconds:g} seconds"

    def quote(self, text: str) -> str:
        """``text`` for a message, cut to :attr:`quoted_chars` with an ellipsis."""
        if len(text) <= self.quoted_chars:
            return text
        return text[: self.quoted_chars - 1] + "…"


LIMITS = ScriptLimits()
"""The limits every reader and parser uses."""

__all__ = ["LIMITS", "ScriptLimits"]
