"""Word timings estimated from audio land on the words."""

from __future__ import annotations

import numpy as np

from app.engine.voice.timing import estimate_word_timings, letter_weights

RATE = 48_000
FRAME = RATE // 30


def bursts(lengths: list[float], gaps: list[float]) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """Voiced bursts separated by silences, with the true sample spans of each."""
    parts = [np.zeros(int(0.1 * RATE), dtype=np.float32)]
    truth, pos = [], parts[0].size
    for i, seconds in enumerate(lengths):
        n = int(seconds * RATE)
        t = np.arange(n) / RATE
        parts.append((0.3 * np.sin(2 * np.pi * (120 + 25 * i) * t)).astype(np.float32))
        truth.append((pos, pos + n))
        pos += n
        if i < len(gaps):
            parts.append(np.zeros(int(gaps[i] * RATE), dtype=np.float32))
            pos += parts[-1].size
    parts.append(np.zeros(int(0.1 * RATE), dtype=np.float32))
    return np.concatenate(parts), truth


def test_pauses_pin_word_boundaries_within_a_frame() -> None:
    audio, truth = bursts([0.3, 0.5, 0.2, 0.6, 0.35, 0.25], [0.08, 0.12, 0.07, 0.2, 0.09])
    words = ["alpha", "beta", "c", "delta,", "eps", "z."]  # letter counts only roughly match
    timings = estimate_word_timings(audio, RATE, words)
    assert [t.text for t in timings] == words
    for (start, end), got in zip(truth, timings, strict=True):
        assert abs(got.start_sample - start) <= FRAME
        assert abs(got.end_sample - end) <= FRAME


def test_without_pauses_words_share_time_by_weight() -> None:
    audio, truth = bursts([1.0], [])
    timings = estimate_word_timings(audio, RATE, ["one", "two", "three", "four"], [1, 1, 1, 1])
    starts = [t.start_sample for t in timings]
    assert starts == sorted(starts)
    assert abs(timings[0].start_sample - truth[0][0]) <= FRAME
    assert abs(timings[-1].end_sample - truth[0][1]) <= FRAME
    assert abs((timings[2].start_sample - truth[0][0]) - RATE // 2) <= FRAME


def test_silence_and_no_words() -> None:
    assert estimate_word_timings(np.zeros(1000, dtype=np.float32), RATE, []) == []
    timings = estimate_word_timings(np.zeros(1000, dtype=np.float32), RATE, ["a", "b"])
    assert len(timings) == 2 and timings[0].end_sample <= timings[1].start_sample


def test_acronyms_weigh_more_than_their_letters() -> None:
    assert letter_weights(["SSH"])[0] > letter_weights(["ssh"])[0]
