"""Who writes what a provider is sent: the prompt for a generator, the terms for stock.

The offline writer needs nothing: the prompt is the ``> visual:`` line with the video's
``style:`` (what the parser already built), and the stock terms come from the scene's
narration by keyword extraction (:mod:`app.engine.llm.keywords`). The language
model's writer (:mod:`app.engine.llm.enhance`) answers the same question better and
falls back to this one when it cannot.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from app.engine.llm.keywords import extract_terms


@dataclass(frozen=True)
class Brief:
    """One visual as the writer sees it."""

    line: int
    prompt: str
    """The ``> visual:`` line as written."""
    styled_prompt: str
    """The line with the video's style appended (the parser's ``styled_prompt``)."""
    narration: str
    """What is said while the visual is on screen."""
    style: str
    """The video's ``style:`` text: one style block for every visual."""
    scene_title: str = ""
    aspect: str = "16:9"


@dataclass(frozen=True)
class Written:
    """What to send: the provider-ready prompt and 1 to 3 stock search terms."""

    prompt: str
    terms: tuple[str, ...]
    writer: str = "offline"
    notes: list[str] = field(default_factory=list)
    """Why a better writer was not used (a model that answered badly), for the report."""


class PromptWriter(Protocol):
    """Turns briefs into prompts and terms; the same brief always gives the same answer."""

    name: str

    def write(self, brief: Brief) -> Written: ...

    def close(self) -> None:
        """Release the network client, if any; whoever built the writer calls it."""


def offline_terms(brief: Brief, limit: int = 3) -> tuple[str, ...]:
    """1 to ``limit`` concrete terms from the narration (favouring the prompt's words), in narration order."""
    terms = extract_terms(brief.narration, limit, prefer=brief.prompt)
    if not terms:
        terms = extract_terms(brief.prompt, limit)
    return tuple(terms)


class OfflineWriter:
    """The styled prompt as written, and terms by keyword extraction: no model, no network."""

    name = "offline"

    def write(self, brief: Brief) -> Written:
        return Written(prompt=brief.styled_prompt or brief.prompt, terms=offline_terms(brief))

    def close(self) -> None:
        """Nothing to release: no model, no network."""
