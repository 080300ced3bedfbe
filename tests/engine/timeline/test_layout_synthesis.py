"""Auto-layout with real synthesized voices: audio lengths, word timings and sync replace estimates."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from app.engine.audio.io import read_wav, write_wav
from app.engine.model.script import Script, SpeechBeat
from app.engine.model.time import frames_to_ms, ms_to_frames, samples_to_frames
from app.engine.script import parse_file
from app.engine.store import Store
from app.engine.timeline import CaptionSource, SpeechSource, TerminalSource, Timeline, auto_layout
from app.engine.voice.base import WordTiming
from app.engine.voice.service import SpokenLine, SynthesisResult, SynthesisService
from tests.engine.timeline.test_layout import OPT, check_layout_rules

FIXTURE = Path(__file__).resolve().parents[3] / "tests" / "fixtures" / "timeline" / "voices.md"


@pytest.fixture(scope="module")
def script() -> Script:
    s = parse_file(FIXTURE)
    assert not s.has_errors, [d.format() for d in s.diagnostics]
    return s


@pytest.fixture(scope="module")
def synthesis(script: Script, tmp_path_factory: pytest.TempPathFactory) -> SynthesisResult:
    """The fixture spoken by the offline Piper voice (about a second per line)."""
    base = tmp_path_factory.mktemp("voices")
    store = Store.open(f"sqlite:///{base / 'castline.db'}", assets_dir=base / "assets")
    try:
        with SynthesisService(store) as service:
            result = service.synthesize_script(script)
    finally:
        store.close()
    assert not result.failed, result.failed
    return result


@pytest.fixture(scope="module")
def timeline(script: Script, synthesis: SynthesisResult) -> Timeline:
    return auto_layout(script, synthesis, fps=30, width=640, height=360)


def _voice(tl: Timeline) -> dict[int, object]:
    return {c.script_line: c for c in tl.tracks_of("voice")[0].clips}


def test_layout_rules_hold_with_real_voices(script: Script, timeline: Timeline) -> None:
    check_layout_rules(script, timeline)


def test_speech_clips_are_as_long_as_their_audio(
    synthesis: SynthesisResult, timeline: Timeline
) -> None:
    voice = timeline.tracks_of("voice")[0].clips
    assert len(voice) == len(synthesis.lines) == 3
    for clip in voice:
        spoken = synthesis.lines[clip.script_line]  # type: ignore[index]
        src = clip.source
        assert isinstance(src, SpeechSource)
        assert not src.estimated
        assert src.audio_path == str(spoken.audio_path)
        audio, rate = read_wav(src.audio_path)
        assert rate == 48_000 and len(audio) == src.num_samples == spoken.num_samples
        assert float(np.max(np.abs(audio))) > 0.01  # real speech, not silence
        assert clip.length == samples_to_frames(spoken.num_samples, timeline.fps)
        assert [(w.text, w.start_sample, w.end_sample) for w in src.words] == [
            (w.text, w.start_sample, w.end_sample) for w in spoken.words
        ]
        assert (src.provider, src.voice) == (spoken.provider, spoken.voice)


def test_caption_words_follow_the_spoken_words(
    synthesis: SynthesisResult, timeline: Timeline
) -> None:
    for clip in timeline.tracks_of("caption")[0].clips:
        assert isinstance(clip.source, CaptionSource)
        spoken = synthesis.lines[clip.script_line]  # type: ignore[index]
        speech = _voice(timeline)[clip.script_line]
        offset = clip.start - speech.start  # type: ignore[attr-defined]
        for word, timing in zip(clip.source.words, spoken.words, strict=False):
            assert word.start + offset == samples_to_frames(timing.start_sample, timeline.fps)


def test_sync_next_terminal_is_stretched_to_the_real_speech(timeline: Timeline) -> None:
    (term,) = timeline.tracks_of("terminal")[0].clips
    speech = _voice(timeline)[25]
    assert term.start == speech.start  # type: ignore[attr-defined]
    assert isinstance(term.source, TerminalSource)
    assert term.source.play_ms == frames_to_ms(speech.length, timeline.fps)  # type: ignore[attr-defined]


def test_pause_and_gaps_with_real_voices(timeline: Timeline) -> None:
    v = _voice(timeline)
    fps = timeline.fps
    assert v[16].start - v[14].end == ms_to_frames(OPT.speaker_change_gap_ms, fps)  # type: ignore[attr-defined]
    assert v[25].start - v[16].end == ms_to_frames(800, fps)  # type: ignore[attr-defined]


def test_a_line_missing_from_synthesis_falls_back_to_its_estimate(
    script: Script, tmp_path: Path
) -> None:
    beats = [b for b in script.beats() if isinstance(b, SpeechBeat)]
    wav = write_wav(tmp_path / "one.wav", np.full(24_000, 0.1, dtype=np.float32))
    first = SpokenLine(
        line=beats[0].line,
        speaker=beats[0].speaker,
        text=beats[0].text,
        caption=beats[0].caption,
        provider="local",
        voice="joe",
        audio_path=wav,
        num_samples=24_000,
        words=[WordTiming("Hello", 0, 12_000), WordTiming("there,", 12_000, 24_000)],
        cached=False,
    )
    partial = SynthesisResult(lines={first.line: first})
    tl = auto_layout(script, partial, fps=30, width=640, height=360)
    check_layout_rules(script, tl)
    voice = tl.tracks_of("voice")[0].clips
    assert voice[0].length == 15 and not voice[0].source.estimated  # type: ignore[union-attr]
    assert all(c.source.estimated for c in voice[1:])  # type: ignore[union-attr]
    # an empty clip from a provider is not trusted either
    empty = SynthesisResult(lines={first.line: replace(first, num_samples=0, words=[])})
    tl2 = auto_layout(script, empty, fps=30, width=640, height=360)
    assert tl2.tracks_of("voice")[0].clips[0].source.estimated  # type: ignore[union-attr]
