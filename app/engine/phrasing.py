"""Where text may break: the one set of phrase rules for captions, spoken words and cues.

A line or a caption should end where a reader would pause (after a sentence, a clause, a
comma), never right after a word that belongs with the next ("the", "of", "your"), and
preferably before a word that starts a phrase ("and", "which", "to"). Captions on screen,
the large spoken words and the ``.srt``/``.vtt`` cues all cut text by these rules.
"""

from __future__ import annotations

import re

SENTENCE_END = re.compile(r"[.!?…]['\"”’)\]]*$")
CLAUSE_END = re.compile(r"[;:]['\"”’)\]]*$")
PHRASE_END = re.compile(r"(?:[,—–]['\"”’)\]]*|^[-—–])$")
JOINERS = frozenset(
    {
        "and",
        "but",
        "or",
        "nor",
        "so",
        "yet",
        "because",
        "although",
        "though",
        "while",
        "whereas",
        "if",
        "unless",
        "until",
        "when",
        "whenever",
        "where",
        "which",
        "who",
        "whom",
        "whose",
        "that",
        "than",
        "as",
        "to",
        "of",
        "in",
        "on",
        "at",
        "for",
        "with",
        "from",
        "by",
        "about",
        "into",
        "onto",
        "over",
        "under",
        "after",
        "before",
        "between",
        "through",
        "during",
        "without",
        "within",
        "against",
        "like",
    }
)
"""Words a new line (or cue) may start with: a phrase begins there."""
CLINGERS = frozenset(
    {
        "a",
        "an",
        "the",
        "to",
        "of",
        "and",
        "or",
        "but",
        "in",
        "on",
        "at",
        "for",
        "with",
        "from",
        "by",
        "my",
        "your",
        "his",
        "her",
        "its",
        "our",
        "their",
        "this",
        "these",
        "those",
        "that",
        "is",
        "are",
        "was",
        "were",
        "be",
        "not",
        "no",
        "very",
    }
)
"""Words that belong with the next word: never the last word on a line or in a cue."""


def bare(word: str) -> str:
    return word.strip("\"'“”‘’()[]").lower()


def boundary_cost(before: str, after: str) -> float:
    """How bad a break between two words is (a line break or a cue break): 0 is ideal."""
    if SENTENCE_END.search(before):
        return 0.0
    if CLAUSE_END.search(before):
        return 1.0
    if PHRASE_END.search(before):
        return 2.0
    if bare(before) in CLINGERS:
        return 12.0
    if bare(after) in JOINERS:
        return 4.0
    return 6.0


__all__ = [
    "CLAUSE_END",
    "CLINGERS",
    "JOINERS",
    "PHRASE_END",
    "SENTENCE_END",
    "bare",
    "boundary_cost",
]
