"""Typing has sound: key clicks on every keystroke the picture shows, quiet under speech."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from app.engine.audio.clicks import click_length, render_clicks
from app.engine.model import CodeBeat, TerminalBeat
from app.engine.model.time import SAMPLE_RATE, frames_to_samples, ms_to_samples
from app.engine.render.mix import (
    TYPING_DUCK_DB,
    loudness,
    master,
    mix_timeline,
    music_bus,
    true_peak_dbtp,
    typing_bus,
    voice_bus,
)
from app.engine.script import parse_text
from app.engine.store import Store
from app.engine.terminal import build_animation
from app.engine.terminal.beats import code_session, terminal_session
from app.engine.terminal.themes import load_theme
from app.engine.timeline import Clip, SpeechSource, TerminalSource, Timeline, auto_layout
from app.engine.voice.service import SynthesisService

SCRIPT = """---
title: Clicks
characters:
  NARRATOR: { voice: local/joe }
---

## Typing

Here is a command to try.

```terminal
$ echo hello world
hello world
$ ls
notes.txt
```

And now some code, typed while I talk about it for a while.

```python sync=next
def f():
    return 1
```

The code types while this line is spoken, slowly and calmly.
"""

WINDOW = SAMPLE_RATE // 50  # 20 ms


def _db(x: np.ndarray) -> float:
    rms = float(np.sqrt(np.mean(np.square(x, dtype=np.float64)))) if x.size else 0.0
    return 20 * math.log10(rms) if rms > 0 else -200.0


def _terminals(tl: Timeline) -> list[tuple[Clip, TerminalSource]]:
    return [
        (c, c.source)
        for t in tl.tracks
        if t.kind == "terminal"
        for c in t.clips
        if isinstance(c.source, TerminalSource)
    ]


def _key_events(tl: Timeline, clip: Clip, src: TerminalSource) -> tuple[list[int], list[int]]:
    """From the animation the picture plays: samples of visible key events (characters, new
    lines, indents) and of every key event (those plus the silent waits before typing)."""
    anim = build_animation(src.beat, width=320, height=180, theme=src.theme, seed=src.seed)
    if src.play_ms != anim.duration_ms:
        anim = anim.retimed(src.play_ms)
    at = frames_to_samples(clip.start, tl.fps)
    keys = [e for e in anim.session.events if e.key]
    visible = [at + ms_to_samples(e.ms) for e in keys if e.data]
    every = [at + ms_to_samples(e.ms) for e in keys]
    return visible, every


def _silent_gaps(every: list[int], after: int) -> list[tuple[int, int]]:
    """Stretches between key events, starting ``after`` samples past one (its sound gone)."""
    spans = []
    for a, b in itertools.pairwise(every):
        if b - (a + after) > WINDOW:
            spans.append((a + after, b - SAMPLE_RATE // 200))
    return spans


# ----------------------------------------------------------------------------- keystrokes


def test_terminal_keystrokes_are_keys_spaces_and_the_enter() -> None:
    beat = parse_text("```terminal\n$ echo hello world\nhello world\n$ ls\n```\n").beats()[0]
    assert isinstance(beat, TerminalBeat)
    session = terminal_session(beat, load_theme(None), seed=3)
    kinds = [k for _, k in session.keystrokes()]
    assert kinds == ["key"] * 4 + ["space"] + ["key"] * 5 + ["space"] + ["key"] * 5 + ["enter"] + [
        "key"
    ] * 2 + ["enter"]
    typed = [e.ms for e in session.events if e.key and e.data]
    enters = [e.ms for e in session.events if e.data == "\r\n"]
    times = [ms for ms, _ in session.keystrokes()]
    assert (
        sorted(typed + enters[:1] + [enters[2]]) == times
    )  # the output line's new line is not a key
    assert times == sorted(times)


def test_code_keystrokes_count_new_lines_and_one_space_per_indent() -> None:
    beat = parse_text("```python\ndef f():\n    return 1\n```\n").beats()[0]
    assert isinstance(beat, CodeBeat)
    keys = code_session(beat, load_theme(None), seed=1).keystrokes()
    kinds = [k for _, k in keys]
    # "def f():" 8 keys (one space), Enter, the indent (one space), "return 1" (one space).
    assert kinds.count("enter") == 1
    assert kinds.count("space") == 3
    assert kinds.count("key") == 7 + 7
    assert kinds[8:10] == ["enter", "space"]


def test_retimed_keystrokes_stretch_with_the_typing() -> None:
    beat = parse_text("```terminal\n$ make test\n```\n").beats()[0]
    assert isinstance(beat, TerminalBeat)
    session = terminal_session(beat, load_theme(None))
    slow = session.retimed(session.duration_ms * 2).keystrokes()
    assert [k for _, k in slow] == [k for _, k in session.keystrokes()]
    assert slow[-1][0] > session.keystrokes()[-1][0] * 1.5


# ----------------------------------------------------------------------------- the sounds


def test_clicks_are_deterministic_and_not_a_machine_gun() -> None:
    times = [(i * 4800, "key") for i in range(8)]
    a = render_clicks(times, 8 * 4800, seed=5)
    assert np.array_equal(a, render_clicks(times, 8 * 4800, seed=5))
    assert not np.array_equal(a, render_clicks(times, 8 * 4800, seed=6))
    bursts = a.reshape(8, 4800)
    levels = [_db(b) for b in bursts]
    for x, y in itertools.pairwise(bursts):
        corr = float(np.dot(x, y) / (np.linalg.norm(x) * np.linalg.norm(y)))
        assert corr < 0.9  # each press sounds a little different
    assert max(levels) - min(levels) < 8  # but all at about the same level


def test_space_and_enter_are_deeper_and_longer_than_a_key() -> None:
    n = click_length("enter") + 1000
    freqs = np.fft.rfftfreq(n, 1 / SAMPLE_RATE)

    def centroid_and_length(kind: str) -> tuple[float, float]:
        centroids, lengths = [], []
        for seed in range(6):
            x = render_clicks([(0, kind)], n, seed=seed)
            spec = np.abs(np.fft.rfft(x))
            centroids.append(float(np.sum(freqs * spec) / np.sum(spec)))
            left = np.cumsum(np.square(x[::-1], dtype=np.float64))[::-1]  # energy still to come
            lengths.append(float(np.flatnonzero(left > left[0] * 1e-4)[-1]))
        return float(np.mean(centroids)), float(np.mean(lengths))

    key, space, enter = (centroid_and_length(k) for k in ("key", "space", "enter"))
    assert enter[0] < space[0] < key[0]
    assert enter[1] > space[1] > key[1]


# ----------------------------------------------------------------------------- in the mix


@pytest.fixture(scope="module")
def unspoken() -> Timeline:
    """The script laid out before voices exist: speech renders as silence."""
    return auto_layout(parse_text(SCRIPT), None, fps=30, width=640, height=360)


def test_every_typed_key_is_heard_and_the_waits_are_silent(unspoken: Timeline) -> None:
    mono = mix_timeline(unspoken).mono
    terminals = _terminals(unspoken)
    assert len(terminals) == 2
    for clip, src in terminals:
        visible, every = _key_events(unspoken, clip, src)
        assert len(visible) > 10
        for at in visible:
            assert _db(mono[at : at + WINDOW]) > -50, f"no click at sample {at}"
        gaps = _silent_gaps(every, click_length("enter") + SAMPLE_RATE // 100)
        assert gaps, "the session has waits longer than a click"
        for a, b in gaps:
            assert _db(mono[a:b]) < -90, f"sound between keystrokes at {a}..{b}"
    first = frames_to_samples(terminals[0][0].start, unspoken.fps)
    assert _db(mono[:first]) < -90  # before any typing: nothing


def test_typing_sound_off_gives_silence() -> None:
    script = parse_text(SCRIPT.replace("title: Clicks\n", "title: Clicks\ntyping_sound: off\n"))
    quiet = auto_layout(script, None, fps=30, width=640, height=360)
    assert len(_terminals(quiet)) == 2 and all(not src.clicks for _, src in _terminals(quiet))
    assert not mix_timeline(quiet).mono.any()  # no voices yet and no clicks: nothing at all


def test_only_keystrokes_inside_a_trimmed_clip_sound(unspoken: Timeline) -> None:
    trimmed = unspoken.model_copy(deep=True)
    track = next(t for t in trimmed.tracks if t.kind == "terminal")
    clip = track.clips[0]
    src = clip.source
    assert isinstance(src, TerminalSource)
    visible, _ = _key_events(unspoken, clip, src)
    # Trim the front past the third key (start and source_in move together, so every kept
    # key stays where it was) and end the clip just after the tenth key.
    cut = -(-(visible[2] + 1 - frames_to_samples(clip.start, unspoken.fps)) * 30 // SAMPLE_RATE)
    start = clip.start + cut
    end = -(-(visible[9] + WINDOW) * 30 // SAMPLE_RATE)  # the frame after the tenth key's window
    track.clips[0] = clip.model_copy(
        update={"start": start, "source_in": cut, "length": end - start}
    )
    lo, hi = frames_to_samples(start, trimmed.fps), frames_to_samples(end, trimmed.fps)
    kept = [a for a in visible if lo <= a < hi]
    assert kept == visible[3:10]
    bus = typing_bus(trimmed, frames_to_samples(trimmed.duration, trimmed.fps))
    for at in kept:
        assert _db(bus[at : at + WINDOW]) > -60, f"no click at sample {at}"
    assert not bus[:lo].any()  # keys typed before the trim are gone
    following = frames_to_samples(track.clips[1].start, trimmed.fps)  # the code view
    assert not bus[hi + click_length("enter") : following].any()  # and so are those after the clip


# ----------------------------------------------------------------------------- with a real voice


@pytest.fixture(scope="module")
def spoken(tmp_path_factory: pytest.TempPathFactory) -> Timeline:
    """The script spoken by the offline Piper voice."""
    base = tmp_path_factory.mktemp("click-voices")
    script = parse_text(SCRIPT)
    store = Store.open(f"sqlite:///{base / 'castline.db'}", assets_dir=base / "assets")
    try:
        with SynthesisService(store) as service:
            result = service.synthesize_script(script)
    finally:
        store.close()
    assert not result.failed, result.failed
    return auto_layout(script, result, fps=30, width=640, height=360)


def _speech_spans(tl: Timeline) -> list[tuple[int, int]]:
    return [
        (frames_to_samples(c.start, tl.fps), frames_to_samples(c.end, tl.fps))
        for t in tl.tracks
        if t.kind == "voice"
        for c in t.clips
        if isinstance(c.source, SpeechSource)
    ]


def _away_from_speech(tl: Timeline, keys: list[int]) -> list[int]:
    """The keys typed at least half a second from any speech (the duck fully open)."""
    half = SAMPLE_RATE // 2
    return [
        k for k in keys if all(k + WINDOW < s - half or k > e + half for s, e in _speech_spans(tl))
    ]


def test_clicks_sit_well_under_speech_and_the_master_still_meets_youtube(spoken: Timeline) -> None:
    out = mix_timeline(spoken)
    assert abs(out.loudness_lufs + 14) <= 1 and abs(loudness(out.audio) + 14) <= 1
    assert out.true_peak_dbtp <= -1.0 and true_peak_dbtp(out.audio) <= -1.0
    mono = out.mono
    speech = _speech_spans(spoken)
    standalone, src = next((c, s) for c, s in _terminals(spoken) if not s.retimed)
    visible, _ = _key_events(spoken, standalone, src)
    alone = _away_from_speech(spoken, visible)
    assert len(alone) > 5
    for at in alone:
        assert _db(mono[at : at + WINDOW]) > -50, f"no click at sample {at}"
    typing = mono[alone[0] : alone[-1] + WINDOW]
    assert not any(s < alone[-1] + WINDOW and alone[0] < e for s, e in speech)  # no speech in there
    talk = _db(mono[speech[0][0] : speech[0][1]])
    clicks = _db(typing)
    assert talk - clicks > 15, f"speech {talk:.1f} dBFS, typing {clicks:.1f} dBFS"


def test_clicks_duck_under_speech(spoken: Timeline) -> None:
    total = frames_to_samples(spoken.duration, spoken.fps)
    voice = voice_bus(spoken, total)
    ducked, plain = typing_bus(spoken, total, voice), typing_bus(spoken, total)
    synced, src = next((c, s) for c, s in _terminals(spoken) if s.retimed)
    visible, _ = _key_events(spoken, synced, src)
    a, b = visible[len(visible) // 4], visible[3 * len(visible) // 4]  # well inside the speech
    assert any(s <= a and b <= e for s, e in _speech_spans(spoken))
    assert abs((_db(ducked[a:b]) - _db(plain[a:b])) - TYPING_DUCK_DB) < 1.0
    standalone, src = next((c, s) for c, s in _terminals(spoken) if not s.retimed)
    alone = _away_from_speech(spoken, _key_events(spoken, standalone, src)[0])
    lo, hi = alone[0], alone[-1] + WINDOW
    assert abs(_db(ducked[lo:hi]) - _db(plain[lo:hi])) < 0.1  # no speech there: no duck


def test_a_mix_without_clicks_is_exactly_todays_mix(spoken: Timeline) -> None:
    silent = spoken.model_copy(deep=True)
    for track in silent.tracks:
        if track.kind == "terminal":
            track.clips = [
                c.model_copy(update={"source": c.source.model_copy(update={"clicks": False})})
                for c in track.clips
            ]
    total = frames_to_samples(silent.duration, silent.fps)
    voice = voice_bus(silent, total)
    today = master(voice + music_bus(silent, total, voice))
    assert np.array_equal(mix_timeline(silent).mono, today.mono)
    assert not np.array_equal(mix_timeline(spoken).mono, today.mono)
