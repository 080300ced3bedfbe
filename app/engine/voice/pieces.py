"""A line spoken in pieces: the parser's request chunks, and their answers joined.

The parser splits each speech line into chunks that fit its voices' request limits
(:mod:`app.engine.script.chunking`, the one splitter). A voice chosen later (in the
studio) may take less; its pieces are then split again by the same splitter. Each
piece's answer keeps its own word timings (or gets them estimated from its own audio),
so joining them keeps every word where it is spoken.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from app.engine.audio.dsp import resample, to_mono
from app.engine.model.speech import WordTiming
from app.engine.model.voice import RequestLimit
from app.engine.script.chunking import split_speech
from app.engine.voice.base import ProviderAudio
from app.engine.voice.timing import estimate_word_timings

GAP_DIVISOR = 4
"""A quarter of a second (the rate over this) of silence between pieces: a breath."""


def pieces_for(text: str, chunks: Sequence[str], limit: RequestLimit) -> list[str]:
    """The parser's chunks where each fits ``limit``; otherwise ``text`` split for it."""
    if chunks and all(limit.fits(c) for c in chunks):
        return list(chunks)
    if not limit.hard and limit.fits(text):
        return [text]
    return split_speech(text, [limit]) or [text]


def _words(answer: ProviderAudio, text: str, audio: np.ndarray, rate: int) -> list[WordTiming]:
    """A piece's word timings at ``rate``: the provider's, else estimated from its audio."""
    if answer.words:
        scale = rate / answer.sample_rate
        return [
            WordTiming(w.text, round(w.start_sample * scale), round(w.end_sample * scale))
            for w in answer.words
        ]
    return estimate_word_timings(audio, rate, text.split(), answer.word_weights)


def join_pieces(answers: Sequence[ProviderAudio], texts: Sequence[str]) -> ProviderAudio:
    """One answer from the answers to a line's pieces, in order, with a breath between."""
    if len(answers) == 1:
        return answers[0]
    rate = answers[0].sample_rate
    gap = np.zeros(rate // GAP_DIVISOR, dtype=np.float32)
    joined: list[np.ndarray] = []
    words: list[WordTiming] = []
    position = 0
    for i, (answer, text) in enumerate(zip(answers, texts, strict=True)):
        if i:
            joined.append(gap)
            position += gap.size
        audio = to_mono(np.asarray(answer.samples, dtype=np.float32))
        if answer.sample_rate != rate:
            audio = resample(audio, answer.sample_rate, rate)
        words.extend(w.shifted(position) for w in _words(answer, text, audio, rate))
        joined.append(audio)
        position += audio.size
    return ProviderAudio(
        samples=np.concatenate(joined),
        sample_rate=rate,
        model=answers[0].model,
        billed_units=sum(a.billed_units for a in answers),
        cost_usd=sum(a.cost_usd for a in answers),
        request_id=",".join(a.request_id for a in answers if a.request_id) or None,
        words=words,
    )
