"""The parser's limits: time and memory linear in the script, and every limit a diagnostic.

The complexity tests compare CPU time (the best of a few runs, so a busy neighbour does
not count) on an input and on one ten times larger: linear work grows about tenfold,
quadratic work a hundredfold. They are ratios, not wall-clock limits.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest

from app.engine.model.script import PauseBeat, SpeechBeat, TerminalBeat
from app.engine.script import parse_text
from app.engine.script.limits import LIMITS
from app.engine.script.timing import terminal_ms
from app.engine.timeline import TerminalSource, auto_layout
from tests.bench.bench_parse import nested_brackets
from tests.bench.common import traced_peak_bytes

GROWTH = 10
MOST_RATIO = 20
"""Ten times the input may cost at most twenty times the CPU: linear, with room for noise."""
MOST_BYTES_PER_BYTE = 200
"""Peak traced memory of a parse per byte of script. Measured: 74 to 109 for the nested
brackets below, 62 for the bench's generated script (markdown-it's tokens alone take about
half)."""


def _best_cpu(fn: Callable[[], object], runs: int = 3) -> float:
    best = float("inf")
    for _ in range(runs):
        start = time.process_time()
        fn()
        best = min(best, time.process_time() - start)
    return best


def _assert_linear(make: Callable[[int], Callable[[], object]], small: int) -> None:
    """``make(size)`` gives the work for an input of ``size``; ten times it must stay linear."""
    little = _best_cpu(make(small))
    big = _best_cpu(make(small * GROWTH))
    assert big < MOST_RATIO * max(little, 1e-3), (little, big)


def _punctuation(size: int) -> str:
    return "# T\n\n## S\n\n" + "!?.,;:-" * (size // 7) + " and a word.\n"


@pytest.mark.parametrize("path", ["parse", "parse and lay out"])
def test_counting_words_in_punctuation_is_linear(path: str) -> None:
    def make(size: int) -> Callable[[], object]:
        text = _punctuation(size)
        if path == "parse":
            return lambda: parse_text(text)
        return lambda: auto_layout(parse_text(text))

    script = parse_text(_punctuation(4_000))
    (speech,) = [b for b in script.beats() if isinstance(b, SpeechBeat)]
    assert speech.estimated_ms == 3 * 400  # three words heard, at 150 a minute
    _assert_linear(make, 4_000)


@pytest.mark.parametrize("sep", ["\n", "\x0b", "\u2028"], ids=["newline", "vt", "u2028"])
def test_nested_brackets_across_a_line_break_parse_in_linear_time(sep: str, tmp_path: Path) -> None:
    path = str(tmp_path / "s.md")

    def make(size: int) -> Callable[[], object]:
        text = nested_brackets(size, sep)
        return lambda: parse_text(text, path=path)

    script = parse_text(nested_brackets(24_000, sep), path=path)
    assert sum(d.is_error for d in script.diagnostics) > 100  # the images really are read
    _assert_linear(make, 24_000)


@pytest.mark.parametrize("sep", ["\n", "\x0b", "\u2028"], ids=["newline", "vt", "u2028"])
def test_parse_memory_has_a_bound_per_byte(sep: str, tmp_path: Path) -> None:
    text = nested_brackets(240_000, sep)
    peak = traced_peak_bytes(lambda: parse_text(text, path=str(tmp_path / "s.md")))
    assert peak / len(text.encode()) < MOST_BYTES_PER_BYTE


def test_many_bold_phrases_stay_linear_and_past_the_limit_are_warned() -> None:
    def text(size: int) -> str:
        return "# T\n\n## S\n\n" + " ".join(f"**w{i}**" for i in range(size)) + "\n"

    _assert_linear(lambda size: lambda: parse_text(text(size)), 1_500)
    script = parse_text(text(100))
    (speech,) = script.beats()
    assert isinstance(speech, SpeechBeat)
    assert speech.emphasis == [f"w{i}" for i in range(LIMITS.emphasis_per_speech)]
    (warning,) = script.diagnostics
    assert warning.line == 5 and f"first {LIMITS.emphasis_per_speech}" in warning.message


@pytest.mark.parametrize("written", ["9999999s", "99999999s", "9" * 5_000 + "ms"])
def test_a_pause_past_the_limit_is_clamped_with_one_diagnostic(written: str) -> None:
    script = parse_text(f"# T\n\n## S\n\nHello.\n\n[pause {written}]\n")
    pause = script.beats()[-1]
    assert isinstance(pause, PauseBeat) and pause.duration_ms == LIMITS.pause_ms
    (warning,) = script.diagnostics
    assert warning.line == 7 and warning.severity == "warning"
    assert f"cut to {LIMITS.pause_words}" in warning.message
    assert len(warning.message) < 200  # the line is quoted, not copied


def test_pauses_keep_their_exact_milliseconds() -> None:
    script = parse_text("# T\n\n## S\n\n[pause 1.5s]\n\n[pause 0800ms]\n\n[pause 600s]\n")
    assert [b.duration_ms for b in script.beats() if isinstance(b, PauseBeat)] == [
        1_500,
        800,
        600_000,
    ]
    assert script.diagnostics == []


def test_sync_next_past_another_block_plays_on_its_own_in_estimate_and_layout() -> None:
    """The parser counted any later speech in the scene as "the next" one (estimate 0,
    no warning); the layout, rightly, only one before another block takes the screen."""
    text = (
        "# T\n\n## S\n\nHello there.\n\n```terminal sync=next\n$ ls\nfile\n```\n\n"
        "```python\nx = 1\n```\n\nNow we speak.\n"
    )
    script = parse_text(text)
    terminal = next(b for b in script.beats() if isinstance(b, TerminalBeat))
    assert terminal.estimated_ms == terminal_ms(["ls"], 1, None) > 0
    assert any(d.line == 7 and "sync=next" in d.message for d in script.diagnostics)
    timeline = auto_layout(script)
    first_view = next(c for _, c in timeline.clips() if isinstance(c.source, TerminalSource))
    assert isinstance(first_view.source, TerminalSource) and not first_view.source.retimed
