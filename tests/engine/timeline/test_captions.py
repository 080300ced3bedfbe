"""Caption helpers: estimated word timings and phrase splitting."""

from __future__ import annotations

import itertools

from app.engine.timeline.captions import caption_phrases, estimated_words


def test_estimated_words_cover_the_audio_in_order_without_gaps() -> None:
    words = estimated_words("A longer word then a b", 48_000)
    assert [w.text for w in words] == ["A", "longer", "word", "then", "a", "b"]
    assert words[0].start_sample == 0 and words[-1].end_sample == 48_000
    for a, b in itertools.pairwise(words):
        assert a.end_sample == b.start_sample
    longer, short = words[1], words[0]
    assert longer.end_sample - longer.start_sample > short.end_sample - short.start_sample


def test_estimated_words_of_nothing_is_empty() -> None:
    assert estimated_words("   ", 48_000) == []
    assert estimated_words("hello", 0) == []


def _timed(text: str) -> list[tuple[str, int, int]]:
    return [(w, i * 10, i * 10 + 9) for i, w in enumerate(text.split())]


def test_phrases_break_at_sentence_ends_and_stay_short() -> None:
    text = (
        "The server signs the exchange with its host key. Your client checks that key, "
        "against the file called known hosts, and only then does it trust the server at all."
    )
    phrases = caption_phrases(_timed(text), 60)
    joined = [" ".join(w for w, _, _ in p) for p in phrases]
    assert " ".join(joined) == text
    assert all(len(p) <= 60 for p in joined)
    assert joined[0] == "The server signs the exchange with its host key."
    assert joined[1] == "Your client checks that key,"  # the comma, not mid-phrase
    # word order and timings are kept
    flat = [w for p in phrases for w in p]
    assert flat == _timed(text)


def test_a_single_long_word_is_its_own_phrase() -> None:
    word = "x" * 90
    assert caption_phrases(_timed(f"a {word} b"), 40) == [
        [("a", 0, 9)],
        [(word, 10, 19)],
        [("b", 20, 29)],
    ]
