"""Splitting long speech at sentence boundaries so each piece fits one provider request."""

from __future__ import annotations

import re
from collections.abc import Callable

from app.engine.model.voice import DEFAULT_VOICE, Character, RequestLimit, VoiceRef

__all__ = [
    "DEFAULT_LIMIT",
    "RequestLimit",
    "exceeded",
    "limits_for",
    "provider_limit",
    "split_speech",
    "warn_limits",
]


DEFAULT_LIMIT = RequestLimit(3_000, "chars", True, "default")
"""The conservative limit for any provider that does not state its own."""


def provider_limit(provider: str) -> RequestLimit:
    """The limit ``provider`` declares in the voice registry (the default when it is unknown).

    The registry sits above the script layer (each provider registers itself), so it is
    imported here lazily, the way the parser checks visual provider names.
    """
    from app.engine.voice.registry import request_limit

    return request_limit(provider) or DEFAULT_LIMIT


_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"'”’)\]]*\s+|(?<=[。！？])[」』”)]*\s*")
"""A sentence ends at a stop and a space, or at a full-width stop (no space follows it)."""
_FULL_WIDTH_ENDS = frozenset("。！？」』”)")
_CLAUSE_END = re.compile(r"(?<=[,;:—–])\s+")


def limits_for(character: Character | None) -> list[RequestLimit]:
    """Every limit a piece must meet: the primary voice's own, plus each hard one in the chain.

    A fallback voice may end up speaking the same pieces, so its hard limit applies too.
    """
    if character is None:
        return [provider_limit(VoiceRef.parse(DEFAULT_VOICE).provider)]
    limits = [provider_limit(character.voice.provider)]
    for ref in character.fallback:
        other = provider_limit(ref.provider)
        if other.hard and other not in limits:
            limits.append(other)
    return limits


def warn_limits(limits: list[RequestLimit]) -> list[RequestLimit]:
    """Limits past which a writer is warned; a chain with no hard limit warns at the conservative size."""
    hard = [lim for lim in limits if lim.hard]
    return hard or [DEFAULT_LIMIT]


def exceeded(text: str, limits: list[RequestLimit]) -> RequestLimit | None:
    """The first limit ``text`` is over, if any."""
    for lim in limits:
        if not lim.fits(text):
            return lim
    return None


def _split_by(pattern: re.Pattern[str], text: str) -> list[str]:
    return [p for p in pattern.split(text) if p]


def _joiner(before: str) -> str:
    """What rejoins two pieces: nothing after a full-width stop (no space was there)."""
    return "" if before[-1:] in _FULL_WIDTH_ENDS else " "


def _pack(pieces: list[str], fits: Callable[[str], bool]) -> list[str]:
    chunks: list[str] = []
    current = ""
    for piece in pieces:
        candidate = f"{current}{_joiner(current)}{piece}" if current else piece
        if fits(candidate):
            current = candidate
        else:
            if current:
                chunks.append(current)
            current = piece
    if current:
        chunks.append(current)
    return chunks


def _hard_split(text: str, fits: Callable[[str], bool]) -> list[str]:
    """Split text with no usable boundary at the longest prefix that fits."""
    out: list[str] = []
    rest = text
    while rest:
        lo, hi = 1, len(rest)
        while lo < hi:  # binary search the longest fitting prefix
            mid = (lo + hi + 1) // 2
            if fits(rest[:mid]):
                lo = mid
            else:
                hi = mid - 1
        out.append(rest[:lo])
        rest = rest[lo:]
    return out


def split_speech(text: str, limits: list[RequestLimit]) -> list[str]:
    """Pieces of ``text`` each within ``limit``: whole sentences where possible, then clauses, words."""
    text = text.strip()
    if not text:
        return []

    def fits(s: str) -> bool:
        return all(lim.fits(s) for lim in limits)

    if fits(text):
        return [text]
    chunks: list[str] = []
    for sentence_group in _pack(_split_by(_SENTENCE_END, text), fits):
        if fits(sentence_group):
            chunks.append(sentence_group)
            continue
        for clause_group in _pack(_split_by(_CLAUSE_END, sentence_group), fits):
            if fits(clause_group):
                chunks.append(clause_group)
                continue
            for word_group in _pack(clause_group.split(), fits):
                chunks.extend([word_group] if fits(word_group) else _hard_split(word_group, fits))
    return chunks
