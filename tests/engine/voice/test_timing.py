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


SENTENCES = [
    "Agree, verify, then trust the server completely.",
    "The client and the server trade version strings, then agree on a key exchange.",
    "At 22 past nine, the build finished and the logs went quiet.",
]


def start_errors_ms(profile: str) -> tuple[np.ndarray, np.ndarray]:
    """Word-start errors (ms) against Piper's exact timings for another voice profile.

    The profile (pitch, formants, rate, rhythm and brightness all changed) stands in for
    a cloud voice; its own phoneme alignment is the truth. Returns the reference
    alignment's errors and, as the baseline, the energy-only estimate's.
    """
    from app.engine.voice.align import reference_word_timings
    from app.engine.voice.base import SynthesisRequest
    from app.engine.voice.providers.local import LocalProvider

    provider = LocalProvider()
    aligned: list[float] = []
    energy: list[float] = []
    for text in SENTENCES:
        raw = provider.synthesize(SynthesisRequest(f"joe:{profile}", text))
        assert raw.words is not None
        truth = np.array([w.start_sample for w in raw.words])
        got = reference_word_timings(raw.samples, raw.sample_rate, text)
        assert got is not None and [w.text for w in got] == text.split()
        old = estimate_word_timings(raw.samples, raw.sample_rate, text.split())
        aligned += list(
            np.abs(np.array([w.start_sample for w in got]) - truth) * 1000 / raw.sample_rate
        )
        energy += list(
            np.abs(np.array([w.start_sample for w in old]) - truth) * 1000 / raw.sample_rate
        )
    return np.array(aligned), np.array(energy)


def test_reference_alignment_lands_word_starts_within_a_frame() -> None:
    frame_ms = 1000 / 30
    for profile in ("deep", "bright"):
        aligned, energy = start_errors_ms(profile)
        assert np.mean(aligned <= frame_ms) >= 0.9, (profile, aligned)
        assert np.median(aligned) <= 20.0, (profile, aligned)
        assert np.median(aligned) < np.median(energy)  # and it beats the energy-only estimate


def test_audio_that_is_not_the_text_falls_back() -> None:
    from app.engine.voice.align import reference_word_timings

    audio, _ = bursts([0.3, 0.5, 0.2, 0.6, 0.35, 0.25], [0.08, 0.12, 0.07, 0.2, 0.09])
    assert (
        reference_word_timings(audio, RATE, "Agree, verify, then trust the server completely.")
        is None
    )
    assert reference_word_timings(audio, RATE, "   ") is None
