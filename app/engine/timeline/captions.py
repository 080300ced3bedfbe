"""Caption helpers: word timings estimated before voices exist, and phrase splitting.

A long spoken line is captioned phrase by phrase (sentence ends, then commas, then a
length limit) so a caption never fills the screen.
"""

from __future__ import annotations

import re

from app.engine.phrasing import boundary_cost
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


def _size(words: list[tuple[str, int, int]]) -> int:
    return sum(len(w[0]) for w in words) + max(0, len(words) - 1)


def caption_phrases(
    timed: list[tuple[str, int, int]], max_chars: int
) -> list[list[tuple[str, int, int]]]:
    """Group timed words into phrases of at most ``max_chars`` (a longer single word stands
    alone), cut where a reader pauses.

    Dynamic programming over the cut points: breaks after a sentence's end cost nothing,
    after a comma little, before a conjunction or preposition a bit more, and right after
    an article or "and" a lot; nearly empty phrases (an orphaned "software.") cost more
    still, so the words are shared out evenly instead.
    """
    n = len(timed)
    if n == 0:
        return []
    sizes = [len(w[0]) for w in timed]
    inf = float("inf")
    best = [inf] * (n + 1)
    back = [0] * (n + 1)
    best[0] = 0.0
    for i in range(1, n + 1):
        length = -1
        for j in range(i - 1, -1, -1):
            length += sizes[j] + 1
            if length > max_chars and j < i - 1:
                break
            slack = max(0, max_chars - length) / max_chars
            cost = best[j] + slack * slack
            if not (j == 0 and i == n):
                if length < max_chars // 4:
                    cost += 3.0
                elif length < max_chars // 3:
                    cost += 1.0
            if i < n:
                cost += boundary_cost(timed[i - 1][0], timed[i][0]) / 3
            if cost < best[i]:
                best[i], back[i] = cost, j
    phrases: list[list[tuple[str, int, int]]] = []
    i = n
    while i > 0:
        j = back[i]
        phrases.append(timed[j:i])
        i = j
    phrases.reverse()
    return phrases
