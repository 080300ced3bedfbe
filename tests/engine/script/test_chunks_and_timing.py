"""Request-size chunking per provider, and the duration estimates before voices exist."""

from __future__ import annotations

from app.engine.model.script import SpeechBeat
from app.engine.model.voice import Character, VoiceRef
from app.engine.script import parse_text
from app.engine.script.chunking import limits_for, provider_limit, split_speech
from app.engine.script.timing import count_words, speech_ms

SENTENCE = "Every packet is checked for tampering before it is trusted. "


def _character(voice: str, *fallback: str) -> Character:
    return Character(
        name="X", voice=VoiceRef.parse(voice), fallback=[VoiceRef.parse(f) for f in fallback]
    )


def test_chunks_are_whole_sentences_within_the_limit() -> None:
    text = (SENTENCE * 40).strip()
    chunks = split_speech(text, [provider_limit("local")])
    assert len(chunks) == 3
    assert all(len(c) <= 1000 and c.endswith("trusted.") for c in chunks)
    assert " ".join(chunks) == text


def test_google_counts_bytes_not_characters() -> None:
    text = ("Ünïcödé wörds cöst twö bytës äpiece in UTF-8 encoding. " * 80).strip()
    assert len(text) < 5000 < len(text.encode("utf-8"))
    chunks = split_speech(text, limits_for(_character("google/en-US-Neural2-D")))
    assert len(chunks) >= 2 and all(len(c.encode("utf-8")) <= 5000 for c in chunks)


def test_a_fallback_hard_limit_applies_to_the_pieces() -> None:
    character = _character("elevenlabs/abc", "google/en-US-Neural2-D")
    limits = limits_for(character)
    assert {lim.provider for lim in limits} == {"elevenlabs", "google"}
    text = (SENTENCE * 150).strip()  # ~9,000 characters: one ElevenLabs request, two for Google
    chunks = split_speech(text, limits)
    assert len(chunks) == 2 and all(len(c.encode()) <= 5000 for c in chunks)


def test_a_sentence_longer_than_the_limit_splits_at_clauses_then_words() -> None:
    clause = "and then another clause follows, "
    text = "It goes on " + clause * 60 + "until it stops."
    chunks = split_speech(text, [provider_limit("local")])
    assert all(len(c) <= 1000 for c in chunks) and len(chunks) >= 2
    assert all(c.endswith(",") for c in chunks[:-1])
    assert " ".join(chunks) == text
    no_spaces = "x" * 2500
    assert [len(c) for c in split_speech(no_spaces, [provider_limit("local")])] == [
        1000,
        1000,
        500,
    ]


def test_elevenlabs_speech_is_warned_only_past_ten_thousand() -> None:
    head = "---\ncharacters:\n  ALICE: { voice: elevenlabs/abc }\n---\n\n"
    medium = parse_text(head + "ALICE: " + SENTENCE * 100 + "\n")  # ~6,000 characters
    assert not any("split" in d.message for d in medium.diagnostics)
    (beat,) = medium.beats()
    assert isinstance(beat, SpeechBeat) and len(beat.chunks) == 1
    long = parse_text(head + "ALICE: " + SENTENCE * 200 + "\n")  # ~12,000 characters
    assert [d.line for d in long.diagnostics if "split" in d.message] == [6]
    (beat,) = long.beats()
    assert isinstance(beat, SpeechBeat) and len(beat.chunks) == 2


def test_words_are_what_a_listener_hears() -> None:
    assert count_words("Hello, world — it's 9 o'clock!") == 5
    assert count_words("— … ***") == 0


def test_speech_estimate_is_150_words_a_minute_scaled_by_speed() -> None:
    ten = "one two three four five six seven eight nine ten"
    assert speech_ms(ten) == 4000
    assert speech_ms(ten, 2.0) == 2000
    script = parse_text(
        "---\ncharacters:\n  FAST: { voice: local/joe, speed: 1.25 }\n---\n\n"
        f"FAST: {ten}\n\n{ten}\n"
    )
    fast, narrator = script.beats()
    assert (fast.estimated_ms, narrator.estimated_ms) == (3200, 4000)


def test_total_estimate_adds_every_beat() -> None:
    text = (
        "# T\n\n## A\n\none two three four five six seven eight nine ten\n\n[pause 1.5s]\n\n"
        "```terminal\n$ ls\na\nb\n```\n\n> visual: sky\n\n![x](x.png)\n\nfive words are said here\n\n"
        "```python\nprint(1)\n```\n\nEnd.\n"
    )
    script = parse_text(text)
    beats = script.beats()
    assert [b.estimated_ms for b in beats] == [
        4000,  # ten words at 150 wpm
        1500,  # the pause
        round(3 * 1000 / 20) + 800,  # "ls" + Enter at 20 cps, two output lines
        0,
        0,  # visuals take no time themselves
        2000,  # five words
        round(8 * 1000 / 30),  # print(1) at 30 cps
        400,  # one word
    ]
    assert script.estimated_ms == sum(b.estimated_ms for b in beats)
