"""Caption helpers: word timings estimated before voices exist, and phrase splitting.

A long spoken line is captioned phrase by phrase (sentence ends, then commas, then a
length limit) so a caption never fills the screen.
"""

from __future__ import annotations

import re

from app.engine.timeline.sources import WordSpan

_WORD_RE = re.compile(r"\S+")


def estimated_words(text: str, num_samples: int) -> list[WordSpan]:
    """Spread the words over the estimated audio by their length (no voice yet)."""
    tokens = _WORD_RE.findall(text)
    if not tokens or num_samples <= 0:
        return []
    weights = [len(t) + 1 for t in tokens]
    total = sum(weights)
    out: list[WordSpan] = []
    acc = 0
    for token, weight in zip(tokens, weights, strict=True):
        start = acc * num_samples // total
        acc += weight
        end = acc * num_samples // total
        out.append(WordSpan(text=token, start_sample=start, end_sample=end))
    return out


_BREAK_AFTER = re.compile(r"[.!?…:;]['\")\]]*$")
_SOFT_BREAK = re.compile(r"[,—–-]['\")\]]*$")


def _size(words: list[tuple[str, int, int]]) -> int:
    return sum(len(w[0]) for w in words) + max(0, len(words) - 1)


def _best_cut(words: list[tuple[str, int, int]], max_chars: int) -> int:
    """Where to end a full phrase: after its last sentence end, else its last comma."""
    for pattern in (_BREAK_AFTER, _SOFT_BREAK):
        for i in range(len(words) - 1, 0, -1):
            if pattern.search(words[i - 1][0]) and _size(words[:i]) >= max_chars // 3:
                return i
    return len(words)


def caption_phrases(
    timed: list[tuple[str, int, int]], max_chars: int
) -> list[list[tuple[str, int, int]]]:
    """Group timed words into phrases of at most ``max_chars`` (a longer single word stands
    alone), ending at sentence ends when the phrase is not tiny, else at the best earlier
    punctuation when the next word would not fit."""
    phrases: list[list[tuple[str, int, int]]] = []
    current: list[tuple[str, int, int]] = []
    for word in timed:
        if current and _size(current) + 1 + len(word[0]) > max_chars:
            cut = _best_cut(current, max_chars)
            phrases.append(current[:cut])
            current = current[cut:]
            if current and _size(current) + 1 + len(word[0]) > max_chars:
                phrases.append(current)
                current = []
        current.append(word)
        if _BREAK_AFTER.search(word[0]) and _size(current) >= max_chars // 3:
            phrases.append(current)
            current = []
    if current:
        phrases.append(current)
    return phrases
