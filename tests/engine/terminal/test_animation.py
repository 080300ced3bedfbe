"""Typing cadence, determinism of frame_at, retiming, reveals, effects and cuts."""

from __future__ import annotations

import hashlib
import statistics
from pathlib import Path

import numpy as np

from app.engine.terminal import SequenceAnimation, SessionAnimation, build_animation
from app.engine.terminal.effects import parse_effects
from app.engine.terminal.effects.crt import CRT
from app.engine.terminal.effects.glitch import Glitch
from app.engine.terminal.effects.scanlines import Scanlines
from app.engine.terminal.inputs import load_input
from app.engine.terminal.session import Cadence

from .conftest import code_beat, terminal_beat

BEAT = [
    "$ git commit -m 'Fix the parser, again.'",
    "[main 1a2b3c4] Fix the parser, again.",
    " 1 file changed",
]


def _digest(frame: np.ndarray) -> str:
    return hashlib.sha256(frame.tobytes()).hexdigest()


def test_seeded_typing_is_identical_across_runs_and_differs_by_seed() -> None:
    a = build_animation(terminal_beat(BEAT), width=320, height=180, seed=7)
    b = build_animation(terminal_beat(BEAT), width=320, height=180, seed=7)
    c = build_animation(terminal_beat(BEAT), width=320, height=180, seed=8)
    assert a.session.events == b.session.events
    assert [e.ms for e in a.session.events] != [e.ms for e in c.session.events]
    times = range(0, a.duration_ms, 97)
    assert [_digest(a.frame_at(t)) for t in times] == [_digest(b.frame_at(t)) for t in times]


def test_cadence_is_human_speed_with_pauses_after_spaces_and_punctuation() -> None:
    text = "the quick brown fox jumps over the lazy dog, then rests. " * 4
    delays = Cadence(speed=20, seed=3).delays(text)
    assert len(delays) == len(text)
    mean_cps = 1000 / statistics.mean(delays)
    assert 10 <= mean_cps <= 25
    assert len(set(delays)) > 20  # jitter, not one fixed speed
    after_space = [d for d, prev in zip(delays[1:], text, strict=False) if prev == " "]
    after_letter = [
        d
        for d, prev, ch in zip(delays[1:], text, text[1:], strict=False)
        if prev.isalpha() and ch.isalpha()
    ]
    assert statistics.mean(after_space) > statistics.mean(after_letter)
    after_punct = [d for d, prev in zip(delays[1:], text, strict=False) if prev in ",."]
    assert statistics.mean(after_punct) > statistics.mean(after_letter)
    # Bursts: some keys come much faster than the base interval.
    assert min(after_letter) < 0.65 * (1000 / 20)
    faster = Cadence(speed=40, seed=3).delays(text)
    assert sum(faster) < sum(delays)


def test_frame_at_is_a_pure_function_of_ms() -> None:
    anim = build_animation(terminal_beat(BEAT), width=320, height=180)
    forward = {t: _digest(anim.frame_at(t)) for t in range(0, anim.duration_ms + 1, 150)}
    # Scrubbing backwards and jumping around gives the same frames.
    for t in sorted(forward, reverse=True)[::3]:
        assert _digest(anim.frame_at(t)) == forward[t]
    fresh = build_animation(terminal_beat(BEAT), width=320, height=180)
    mid = sorted(forward)[len(forward) // 2]
    assert _digest(fresh.frame_at(mid)) == forward[mid]
    # The command is typed progressively.
    typed = [anim.text_at(t)[0] for t in range(0, anim.duration_ms, 50)]
    lengths = [len(s) for s in typed]
    assert (
        lengths
        == sorted(lengths[: lengths.index(max(lengths)) + 1])
        + lengths[lengths.index(max(lengths)) + 1 :]
    )
    assert typed[-1] == "$ git commit -m 'Fix the parser, again.'"
    assert anim.text_at(anim.duration_ms)[1:3] == [
        "[main 1a2b3c4] Fix the parser, again.",
        " 1 file changed",
    ]


def test_retimed_stretches_typing_to_fit_exactly() -> None:
    anim = build_animation(terminal_beat(BEAT), width=320, height=180)
    target = anim.duration_ms * 2
    slow = anim.retimed(target)
    assert slow.duration_ms == target
    assert slow.text_at(target) == anim.text_at(anim.duration_ms)

    # Output timing stays, typing takes the extra time.
    def output_gap(a: object) -> int:
        ev = a.session.events  # type: ignore[attr-defined]
        i = next(k for k, e in enumerate(ev) if e.data.startswith("[main"))
        return int(ev[i].ms - ev[i - 1].ms)

    assert output_gap(slow) == output_gap(anim)
    fast = anim.retimed(anim.duration_ms // 2)
    assert fast.duration_ms == anim.duration_ms // 2
    assert fast.text_at(fast.duration_ms) == anim.text_at(anim.duration_ms)


def test_reveals_end_on_the_real_text() -> None:
    for how in ("typewriter", "fade", "decrypt"):
        anim = build_animation(terminal_beat(BEAT, reveal=how), width=320, height=180, seed=2)
        assert anim.diagnostics == []
        end = anim.text_at(anim.duration_ms)
        assert end[1:3] == ["[main 1a2b3c4] Fix the parser, again.", " 1 file changed"], how
    dec = build_animation(terminal_beat(BEAT, reveal="decrypt"), width=320, height=180, seed=2)
    first_out = next(e.ms for e in dec.session.events if "\x1b7" in e.data)
    scrambled = dec.text_at(first_out)[1]
    assert (
        len(scrambled) == len("[main 1a2b3c4] Fix the parser, again.")
        and scrambled != "[main 1a2b3c4] Fix the parser, again."
    )
    bad = build_animation(terminal_beat(BEAT, reveal="sparkle"), width=320, height=180)
    assert "reveal='sparkle'" in bad.diagnostics[0].message


def test_effects_compose_in_order_and_are_deterministic() -> None:
    effects, diags = parse_effects("glitch:0.9, scanlines, crt, wobble", seed=4, line=12)
    assert [type(e) for e in effects] == [Glitch, Scanlines, CRT]
    assert diags[0].line == 12 and "wobble" in diags[0].message
    plain = build_animation(terminal_beat(BEAT), width=320, height=180)
    fx = build_animation(terminal_beat(BEAT, effects="scanlines,crt"), width=320, height=180)
    t = plain.duration_ms
    a, b = plain.frame_at(t), fx.frame_at(t)
    assert a.shape == b.shape and not np.array_equal(a, b)
    assert np.array_equal(b, fx.frame_at(t))
    # CRT curvature pulls the picture in: the corners go black where the margin was.
    assert a[0, 0, :3].max() > 0 and tuple(b[0, 0, :3]) == (0, 0, 0)
    lines = Scanlines(strength=0.5).apply(a, t)
    period = max(2, a.shape[0] // 360)
    dark = lines[period - 1 :: period, :, :3].astype(int)
    assert (
        np.array_equal(lines[0], a[0])
        and (dark <= a[period - 1 :: period, :, :3].astype(int) // 2 + 1).all()
    )
    g = Glitch(intensity=1.0, every_ms=1000, burst_ms=200, seed=1)
    hits = [ms for ms in range(0, 3000, 10) if g.strength_at(ms) > 0]
    assert 40 <= len(hits) <= 70  # about 200 ms of every second
    quiet = next(ms for ms in range(0, 3000, 10) if g.strength_at(ms) == 0)
    glitched = g.apply(a, hits[0])
    assert not np.array_equal(glitched, a)
    assert np.array_equal(glitched, g.apply(a, hits[0]))
    assert g.apply(a, quiet) is a


def test_sequence_cuts_with_a_glitch_transition() -> None:
    one = build_animation(terminal_beat(["$ ls", "a b"]), width=320, height=180)
    two = build_animation(code_beat("x = 1\n"), width=320, height=180)
    seq = SequenceAnimation([one, two], cut_ms=200, seed=1)
    assert seq.duration_ms == one.duration_ms + two.duration_ms
    cut = one.duration_ms
    assert np.array_equal(seq.frame_at(cut - 500), one.frame_at(cut - 500))
    assert not np.array_equal(seq.frame_at(cut + 20), two.frame_at(20))  # glitched
    assert np.array_equal(seq.frame_at(cut + 400), two.frame_at(400))
    assert np.array_equal(seq.frame_at(cut + 20), seq.frame_at(cut + 20))
    longer = seq.retimed(seq.duration_ms + 1000)
    assert longer.duration_ms == seq.duration_ms + 1000


def test_bad_block_options_become_diagnostics() -> None:
    anim = build_animation(
        terminal_beat(["$ ls"], theme="nope", cursor="star", cols="wide"),
        width=320,
        height=180,
        theme="nord",
    )
    messages = " | ".join(d.message for d in anim.diagnostics)
    assert (
        "unknown theme 'nope'" in messages
        and "cursor='star'" in messages
        and "cols='wide'" in messages
    )
    assert anim.theme.name == "nord"
    assert all(d.line == 3 for d in anim.diagnostics)


def test_script_blocks_play_in_order_with_their_options(term_fixtures: Path) -> None:
    loaded = load_input(term_fixtures / "blocks.md", width=320, height=180)
    seq = loaded.animation
    assert isinstance(seq, SequenceAnimation) and len(seq.parts) == 2
    term, code = seq.parts
    assert isinstance(term, SessionAnimation) and isinstance(code, SessionAnimation)
    assert term.theme.name == "nord" and term.session.title == "demo"
    assert term.text_at(term.duration_ms)[:4] == ["$ echo hello", "hello", "$ ls", "a.txt  b.txt"]
    assert code.session.kind == "code" and code.session.title == "hello.py"
    assert code.text_at(code.duration_ms)[1] == '  2      return f"Hello, {name}!"'
    override = load_input(
        term_fixtures / "blocks.md", width=320, height=180, theme="monokai"
    ).animation
    assert isinstance(override, SequenceAnimation)
    assert {p.theme.name for p in override.parts} == {"monokai"}  # type: ignore[attr-defined]
