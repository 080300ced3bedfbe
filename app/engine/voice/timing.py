"""Word timings estimated from the audio, for providers that give no alignment.

The words' relative lengths (phoneme weights from Piper, or letters for cloud voices)
say roughly where each word falls; the audio's energy says where the pauses really are.
Pauses are matched to the word boundaries predicted nearest to them and pin those
boundaries; the words between two pins share the voiced time between them by weight,
and every remaining boundary is moved to the quietest point near it. On speech with
pauses between phrases this lands boundaries within a video frame of the truth.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable

import numpy as np

from app.engine.audio.dsp import frame_energy_db, speech_bounds
from app.engine.voice.base import WordTiming

HOP_MS = 5
MIN_GAP_MS = 60
"""A quiet run at least this long inside speech counts as a pause between words."""
SNAP_MS = 40
"""How far an unpinned boundary may move to reach a quieter point."""
DIP_DB = 8.0
DIP_MS = 20
UNMATCHED_SHORT = 1.0
UNMATCHED_LONG = 2.0
"""Cost of a pause that falls inside a word (relative to a match one word off)."""
LONG_GAP_MS = 110
_PUNCT_WEIGHT = {",": 2.0, ";": 3.0, ":": 3.0, ".": 4.0, "!": 4.0, "?": 4.0}


def letter_weights(words: list[str]) -> list[float]:
    """Spoken length guessed from spelling: letters and digits, with a floor per word."""
    weights = []
    for word in words:
        letters = len(re.sub(r"[\W_]", "", word))
        if word.isupper() and 1 < letters <= 5:
            letters *= 2  # acronyms are spelled out: S-S-H
        digits = sum(ch.isdigit() for ch in word)
        weights.append(max(1.0, letters + 2.0 * digits))
    return weights


def pause_after(word: str) -> float:
    """How strongly punctuation at the end of ``word`` predicts a pause after it."""
    stripped = word.rstrip("\"')]}”’")
    return _PUNCT_WEIGHT.get(stripped[-1:], 0.0) if stripped else 0.0


def _gaps(
    energy: np.ndarray, threshold: float, first: int, last: int, min_hops: int
) -> list[tuple[int, int]]:
    """Quiet runs (in hops) strictly inside [first, last)."""
    quiet = energy[first:last] <= threshold
    gaps: list[tuple[int, int]] = []
    start: int | None = None
    for i, q in enumerate(quiet):
        if q and start is None:
            start = i
        elif not q and start is not None:
            if i - start >= min_hops and start > 0:
                gaps.append((first + start, first + i))
            start = None
    return gaps


def estimate_word_timings(
    audio: np.ndarray,
    rate: int,
    words: list[str],
    weights: list[float] | None = None,
) -> list[WordTiming]:
    """Place ``words`` on ``audio`` (sample positions at ``rate``)."""
    if not words:
        return []
    if weights is None or len(weights) != len(words):
        weights = letter_weights(words)
    hop = max(1, rate * HOP_MS // 1000)
    start, end = speech_bounds(audio, rate)
    if end <= start:
        start, end = 0, max(audio.size, len(words))
    energy = frame_energy_db(audio, hop)
    first_hop, last_hop = start // hop, max(start // hop + 1, -(-end // hop))
    if energy.size:
        voiced = energy[first_hop:last_hop]
        floor = float(np.percentile(voiced, 10)) if voiced.size else -120.0
        peak = float(voiced.max()) if voiced.size else 0.0
        threshold = max(floor + 6.0, peak - 40.0)
        gaps = _gaps(energy, threshold, first_hop, last_hop, max(1, MIN_GAP_MS // HOP_MS))
    else:
        gaps = []

    # Predicted boundaries in "voiced time" (hops of sound, pauses removed).
    n = len(words)
    gap_hops = sum(b - a for a, b in gaps)
    total_voiced = max(1, (last_hop - first_hop) - gap_hops)
    cum = np.cumsum([0.0, *weights])
    predicted = cum[1:-1] / cum[-1] * total_voiced  # n-1 boundaries

    # Each pause's position in voiced time.
    gap_pos: list[float] = []
    removed = 0
    for a, b in gaps:
        gap_pos.append((a - first_hop) - removed)
        removed += b - a

    pins = _match_pauses(
        predicted, gap_pos, gaps, [pause_after(w) for w in words[:-1]], total_voiced / n
    )

    # Boundaries in hops: pinned ones at their pause, the others by weight between pins.
    starts = [0] * n
    ends = [0] * n
    starts[0] = first_hop
    ends[-1] = last_hop
    anchors = (
        [(-1, first_hop, first_hop)]
        + [(k, a, b) for k, (a, b) in sorted(pins.items())]
        + [(n - 1, last_hop, last_hop)]
    )
    for (k0, _a0, b0), (k1, a1, _b1) in itertools.pairwise(anchors):
        lo_word, hi_word = k0 + 1, k1  # words lo_word..hi_word share [b0, a1)
        if k1 < n - 1:
            ends[k1] = a1
        if k0 >= 0:
            starts[k0 + 1] = b0
        segment_weights = weights[lo_word : hi_word + 1]
        inner = _voiced_map(b0, a1, [g for g in gaps if g[0] >= b0 and g[1] <= a1])
        seg_cum = np.cumsum([0.0, *segment_weights])
        for i in range(1, len(segment_weights)):
            pos = inner(seg_cum[i] / seg_cum[-1])
            pos = _snap(energy, pos, b0, a1, max(1, SNAP_MS // HOP_MS))
            left, right = _dip(energy, pos, b0, a1)
            ends[lo_word + i - 1] = left
            starts[lo_word + i] = right

    timings: list[WordTiming] = []
    previous_end = start
    for i, word in enumerate(words):
        s = max(previous_end, starts[i] * hop, start)
        e = max(s + 1, min(ends[i] * hop, end))
        timings.append(WordTiming(word, int(s), int(e)))
        previous_end = e
    return timings


def _unmatched_cost(gap: tuple[int, int]) -> float:
    """What leaving a pause inside a word costs: little for a short one, a lot for a long one."""
    return UNMATCHED_SHORT if (gap[1] - gap[0]) * HOP_MS < LONG_GAP_MS else UNMATCHED_LONG


def _match_pauses(
    predicted: np.ndarray,
    gap_pos: list[float],
    gaps: list[tuple[int, int]],
    punctuation: list[float],
    avg_word: float,
) -> dict[int, tuple[int, int]]:
    """Match pauses to word boundaries in order, at least total cost (dynamic programming).

    Matching costs the squared distance (in average words) less a bonus where the text
    has punctuation; leaving a pause unmatched (a stop consonant's closure, say) costs
    more the longer it is (a stop consonant's closure is short, a breath is long); a
    boundary may have no pause at no cost.
    """
    nb, ng = len(predicted), len(gaps)
    if not nb or not ng:
        return {}
    inf = float("inf")
    cost = np.full((nb + 1, ng + 1), inf)
    move = np.zeros((nb + 1, ng + 1), dtype=np.int8)  # 0 skip boundary, 1 skip gap, 2 match
    unmatched = [_unmatched_cost(g) for g in gaps]
    cost[0, :] = np.concatenate([[0.0], np.cumsum(unmatched)])
    cost[:, 0] = 0.0
    move[0, 1:] = 1
    for i in range(1, nb + 1):
        for j in range(1, ng + 1):
            options = [cost[i - 1, j], cost[i, j - 1] + unmatched[j - 1]]
            distance = abs(predicted[i - 1] - gap_pos[j - 1]) / max(avg_word, 1e-9)
            match = (
                inf
                if distance > 2.0
                else cost[i - 1, j - 1] + distance**2 - 1.0 * punctuation[i - 1]
            )
            options.append(match)
            best = int(np.argmin(options))
            cost[i, j] = options[best]
            move[i, j] = best
    pins: dict[int, tuple[int, int]] = {}
    i, j = nb, ng
    while i > 0 and j > 0:
        step = move[i, j]
        if step == 2:
            pins[i - 1] = gaps[j - 1]
            i, j = i - 1, j - 1
        elif step == 1:
            j -= 1
        else:
            i -= 1
    return pins


def _voiced_map(a: int, b: int, gaps: list[tuple[int, int]]) -> Callable[[float], int]:
    """A function from a fraction of the voiced time in [a, b) to a hop position."""
    total = max(1, (b - a) - sum(g1 - g0 for g0, g1 in gaps))

    def at(fraction: float) -> int:
        target = fraction * total
        pos = a
        for g0, g1 in gaps:
            if pos + target <= g0:
                break
            target -= g0 - pos
            pos = g1
        return round(pos + target)

    return at


def _dip(energy: np.ndarray, pos: int, lo: int, hi: int) -> tuple[int, int]:
    """The quiet stretch around a boundary: where one word fades and the next begins.

    Spreads from ``pos`` while the level stays within ``DIP_DB`` of the quietest point,
    at most ``DIP_MS`` each way, so the next word starts at its onset, not mid-silence.
    """
    if pos <= lo or pos >= hi or pos >= energy.size:
        return pos, pos
    limit = float(energy[pos]) + DIP_DB
    reach = max(1, DIP_MS // HOP_MS)
    left = pos
    while left - 1 > lo and pos - (left - 1) <= reach and energy[left - 1] <= limit:
        left -= 1
    right = pos
    while (
        right + 1 < min(hi, energy.size)
        and (right + 1) - pos <= reach
        and energy[right + 1] <= limit
    ):
        right += 1
    return left, right + 1 if right > pos else right


def _snap(energy: np.ndarray, pos: int, lo: int, hi: int, radius: int) -> int:
    """The quietest hop within ``radius`` of ``pos`` (inside [lo, hi])."""
    left, right = max(lo + 1, pos - radius), min(hi - 1, pos + radius)
    if right <= left or right > energy.size:
        return pos
    window = energy[left : right + 1]
    # prefer the centre on ties so flat stretches keep the weighted guess
    bias = np.abs(np.arange(left, right + 1) - pos) * 0.05
    return int(left + int(np.argmin(window + bias)))
