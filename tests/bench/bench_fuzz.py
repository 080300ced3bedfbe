"""Fuzzing the readers: seeded mutated scripts, ``.cast`` and ``.tape`` files never crash.

Each input is a corpus script or terminal fixture mutated by a seeded generator (lines
dropped, repeated, swapped, spliced with hostile lines, characters flipped). A child
process reads each one the way Castline does (a script is parsed and its blocks turned
into sessions; a recording or tape is imported, animated and replayed to its end) under
two limits per input that are not wall-clock checks: one gigabyte of address space above
the child's own start (``RLIMIT_AS``; a breach is a MemoryError) and five seconds of CPU
(``ITIMER_PROF``; a breach is a hang). The figures are counts of crashes (any exception:
readers report problems as diagnostics, never raise), hangs and memory breaches, plus
the slowest input and the peak memory, which are reported, never asserted.
"""

from __future__ import annotations

import json
import random
import resource
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from tests.bench.common import Figure

ROOT = Path(__file__).resolve().parents[2]
SEEDS_MD = [
    *sorted((ROOT.parent / "shared" / "corpus").glob("*.md")),
    *sorted((ROOT / "tests" / "fixtures" / "scripts").rglob("*.md")),
    ROOT / "tests" / "fixtures" / "terminal" / "blocks.md",
]
SEEDS_TERMINAL = sorted((ROOT / "tests" / "fixtures" / "terminal").glob("*.cast")) + sorted(
    (ROOT / "tests" / "fixtures" / "terminal").glob("*.tape")
)
CPU_LIMIT_S = 5
MEMORY_LIMIT_BYTES = 1 << 30

HOSTILE_MD = [
    "```terminal theme=../../x.json cols=99999 rows=99999 speed=1e-300",
    "```", "~~~", "---", "![x](../../../etc/passwd)", "![y](/etc/hosts)", "music: /dev/zero",
    "[pause 99999999999s]", "[pause -1ms]", "> visual: " + "sky " * 2000, ">" * 400 + " deep",
    "- " * 400 + "list", "#" * 7 + " not a heading", "## " + "H" * 5000, "NAME: " + "word " * 20000,
    "**Bob:** (" + "(" * 500, "<!-- never closed", "$ " + "x" * 50000, "\x00\x1b[999999;999999H",
    "\u202e\u200d\ufeff", "thumbnail: 99:99:99", "fps: 1e308", "aspect: 9999:1",
    "characters: {A: {voice: nowhere/none, speed: 1e308, avatar: ../a.png}}",
]  # fmt: skip
HOSTILE_CAST = [
    '{"version": 2, "width": 1000000000000000000, "height": 24}',
    '{"version": 3, "term": {"cols": -5, "rows": 99999999}}',
    '{"version": 2, "width": 80, "height": 24, "title": "' + "t" * 100_000 + '"}',
    '[1e9, "o", "late"]', '[1e400, "o", "inf"]', '[-1, "o", "neg"]', '[0.1, "r", "99999999999999999999x1"]',
    '[0.1, "r", "0x0"]', '[0.2, "o", "\\u001b[999999;999999H\\u001b[?1049h"]', '[0.3, "m", null]',
    '[0.1, "o", "' + "\\u001b[38;2;1;2;3m" * 2000 + '"]', '[' * 5000, '["a", "o", "x"]',
    '[0.1, "o", "' + "\\u4e2d" * 20000 + '"]',
]  # fmt: skip
HOSTILE_TAPE = [
    "Set Width 100000", "Set Height 0", "Set FontSize 1", "Set Padding 99999999", "Enter 999999999",
    "Sleep 99999999m", "Set PlaybackSpeed 1e-12", "Set PlaybackSpeed nan", "Set TypingSpeed 0ms",
    'Type "' + "x" * 200_000 + '"', "Backspace 1000", "Left 1000", 'Type@0ms "fast"',
    "Output ../../escaped.mp4", "Output /tmp/abs.mp4", 'Set Theme "../../x.json"',
    "Set Theme {" + '"a":' * 3000, "Ctrl+L", "Ctrl+U", "Hide", "Show", "Enter ²",
]  # fmt: skip


def _mutate(text: str, hostile: list[str], rng: random.Random) -> str:
    """``text`` with a few seeded line and character mutations."""
    lines = text.split("\n")
    for _ in range(rng.randint(1, 6)):
        op = rng.randrange(6)
        i = rng.randrange(len(lines) + 1)
        if op == 0 and lines:
            del lines[min(i, len(lines) - 1)]
        elif op == 1 and lines:
            j = min(i, len(lines) - 1)
            lines[j:j] = [lines[j]] * rng.randint(1, 50)
        elif op == 2 and len(lines) > 1:
            a, b = rng.randrange(len(lines)), rng.randrange(len(lines))
            lines[a], lines[b] = lines[b], lines[a]
        elif op == 3:
            lines.insert(i, rng.choice(hostile))
        elif op == 4 and lines:
            j = min(i, len(lines) - 1)
            chars = list(lines[j])
            for _ in range(rng.randint(1, 8)):
                k = rng.randrange(len(chars) + 1)
                chars.insert(k, rng.choice("`~>#*[]()!:$=\"'{},\\\t\x1b\x00é中\u0301"))
            lines[j] = "".join(chars)
        else:
            del lines[i:]
    return "\n".join(lines)


def make_inputs(folder: Path, scripts: int, terminals: int, seed: int = 0) -> list[Path]:
    """Write the seeded inputs into ``folder``; the same counts and seed give the same files."""
    rng = random.Random(seed)
    md_seeds = [p.read_text("utf-8", "replace") for p in SEEDS_MD if p.is_file()]
    term_seeds = [(p.suffix, p.read_text(encoding="utf-8")) for p in SEEDS_TERMINAL]
    out: list[Path] = []
    for n in range(scripts):
        path = folder / f"s{n:05d}.md"
        path.write_text(_mutate(rng.choice(md_seeds), HOSTILE_MD, rng), encoding="utf-8")
        out.append(path)
    for n in range(terminals):
        suffix, text = rng.choice(term_seeds)
        hostile = HOSTILE_CAST if suffix == ".cast" else HOSTILE_TAPE
        path = folder / f"t{n:05d}{suffix}"
        path.write_text(_mutate(text, hostile, rng), encoding="utf-8")
        out.append(path)
    return out


# ------------------------------------------------------------------ the child process


class _Hang(Exception):
    """The input used more than :data:`CPU_LIMIT_S` of CPU time."""


def _on_cpu_limit(_sig: int, _frame: Any) -> None:
    raise _Hang


def _read(path: Path) -> None:
    """Read one input as Castline does; raises only if a reader breaks its contract."""
    if path.suffix == ".md":
        from app.engine.script import parse_file
        from app.engine.timeline.layout import block_diagnostics

        block_diagnostics(parse_file(path))
        return
    from app.engine.terminal.animation import animate_session
    from app.engine.terminal.cast import read_cast
    from app.engine.terminal.tape import read_tape

    session = read_cast(path) if path.suffix == ".cast" else read_tape(path)
    anim = animate_session(session, width=320, height=180)
    anim.text_at(anim.duration_ms)


def _vm_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[0]) * resource.getpagesize()


def worker(paths: list[Path]) -> None:
    """Read each input under the limits; one JSON line per input on stdout."""
    _read(SEEDS_TERMINAL[0])  # import and warm everything before measuring the base
    base = _vm_bytes()
    resource.setrlimit(resource.RLIMIT_AS, (base + MEMORY_LIMIT_BYTES, resource.RLIM_INFINITY))
    signal.signal(signal.SIGPROF, _on_cpu_limit)
    for path in paths:
        outcome = "ok"
        start = time.process_time()
        signal.setitimer(signal.ITIMER_PROF, CPU_LIMIT_S)
        try:
            _read(path)
        except _Hang:
            outcome = "hang"
        except MemoryError:
            outcome = "memory"
        except Exception as exc:
            outcome = f"crash: {type(exc).__name__}: {str(exc)[:200]}"
        finally:
            signal.setitimer(signal.ITIMER_PROF, 0)
        cpu = time.process_time() - start
        rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps({"input": path.name, "outcome": outcome, "cpu_s": cpu, "rss_mb": rss_mb}))
        sys.stdout.flush()


# ------------------------------------------------------------------ the bench


def fuzz(scripts: int, terminals: int, seed: int = 0) -> list[dict[str, Any]]:
    """Make the inputs and read them all in a limited child; one result per input."""
    with tempfile.TemporaryDirectory(prefix="castline-fuzz-") as tmp:
        inputs = make_inputs(Path(tmp), scripts, terminals, seed)
        proc = subprocess.run(
            [sys.executable, "-m", "tests.bench.bench_fuzz", "--worker", *map(str, inputs)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
    results = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    if proc.returncode != 0 or len(results) != len(inputs):
        done = {r["input"] for r in results}
        lost = next((p.name for p in inputs if p.name not in done), "?")
        results.append({"input": lost, "outcome": f"child died: {proc.stderr[-500:]}",
                        "cpu_s": 0.0, "rss_mb": 0.0})  # fmt: skip
    return results


def figures(results: list[dict[str, Any]], wall_s: float) -> list[Figure]:
    def count(prefix: str) -> float:
        return float(sum(1 for r in results if r["outcome"].startswith(prefix)))

    return [
        Figure("inputs read", float(len(results)), "inputs"),
        Figure("crashes (an exception out of a reader)", count("crash") + count("child"), "inputs", goal="0"),
        Figure(f"hangs (over {CPU_LIMIT_S} s of CPU)", count("hang"), "inputs", goal="0"),
        Figure("over 1 GB of memory", count("memory"), "inputs", goal="0"),
        Figure("slowest input", max((r["cpu_s"] for r in results), default=0.0), "s CPU"),
        Figure("peak memory of the reader process", max((r["rss_mb"] for r in results), default=0.0), "MB"),
        Figure("inputs a second", len(results) / max(wall_s, 1e-9), "/s"),
    ]  # fmt: skip


def run(scripts: int = 10_000, terminals: int = 1_000) -> list[Figure]:
    start = time.perf_counter()
    results = fuzz(scripts, terminals)
    for r in results:
        if r["outcome"] != "ok":
            print(f"  {r['input']}: {r['outcome']}")
    return figures(results, time.perf_counter() - start)


if __name__ == "__main__" and sys.argv[1:2] == ["--worker"]:
    worker([Path(p) for p in sys.argv[2:]])
