"""Script parsing speed: a generated ~1 MB script, the example, and a hostile front matter.

The baseline is markdown-it-py tokenising the same text on its own, measured in the same
run, so the script engine's own overhead (beats, speakers, chunks, estimates) is visible.
"""

from __future__ import annotations

import gc
from collections.abc import Callable

from markdown_it import MarkdownIt
from mdit_py_plugins.front_matter import front_matter_plugin

from app.engine.script import parse_file, parse_text
from tests.bench.common import Figure, cpu_median, traced_peak_bytes
from tests.conftest import EXAMPLES

FRONT = """---
title: A very long generated script
style: cinematic, soft light
characters:
  NARRATOR: { voice: local/joe }
  ALICE: { voice: elevenlabs/abc, fallback: local/joe, speed: 1.1 }
---

# A very long generated script

"""

SCENE = """## Scene {n}

> visual: a quiet harbour at dawn, boats number {n}

Every scene begins with a little *narration* that explains what happens, and why it
matters, in a [linked](https://example.com/{n}) sentence or two with `code` in it.

ALICE: Wait, what about scene {n}? (curious)

**Alice:** And one more thing to ask about it.

[pause 1.5s]

```terminal theme=dracula speed=25
$ echo scene {n}
scene {n}
$ ls -la
total 0
```

<!-- a note for the writer about scene {n} -->

```python
def scene_{n}():
    return {n}
```

![A picture](images/picture-{n}.png)

The scene ends with a sentence that is spoken over the picture.

"""


def generated_script(target_bytes: int = 1_000_000) -> str:
    parts = [FRONT]
    size = len(FRONT)
    n = 0
    while size < target_bytes:
        n += 1
        block = SCENE.format(n=n)
        parts.append(block)
        size += len(block.encode("utf-8"))
    return "".join(parts)


def nested_brackets(size: int, sep: str = "\n") -> str:
    """About ``size`` bytes of brackets nested across ``sep`` (a line break, ``\\x0b`` or
    ``\\u2028``): one deep run, then many nested images. Once quadratic in the parser (a word
    count restarting inside every bracket, the errors recounted for every image)."""
    unit = "![" * 4 + "a" + sep + "](x.png)" * 4 + " [[" + sep + "]] " + sep
    deep = "[" * (size // 8) + sep + "]" * (size // 8)
    return "# T\n\n## S\n\n" + deep + "\n\n" + unit * (size * 3 // 4 // len(unit.encode()))


def _paused(fn: Callable[[], object]) -> object:
    """The baseline under the same conditions as the engine, which pauses the cyclic collector."""
    gc.disable()
    try:
        return fn()
    finally:
        gc.enable()


def run() -> list[Figure]:
    text = generated_script()
    mb = len(text.encode("utf-8")) / 1_000_000
    md = MarkdownIt("commonmark").use(front_matter_plugin)

    script = parse_text(text)
    assert not script.has_errors, script.diagnostics[:3]
    beats = len(script.beats())

    ours = cpu_median(lambda: parse_text(text), repeat=3)
    base = cpu_median(lambda: _paused(lambda: md.parse(text)), repeat=3)

    example = EXAMPLES / "how-ssh-works" / "script.md"
    example_text = example.read_text(encoding="utf-8")
    ex_ours = cpu_median(lambda: parse_file(example), repeat=20)
    ex_base = cpu_median(lambda: _paused(lambda: md.parse(example_text)), repeat=20)

    laughs = (
        "---\n"
        + "".join(
            f"{c}: &{c} [" + ",".join([f"*{p}"] * 9 if p else ['"lol"'] * 9) + "]\n"
            for p, c in zip([None, "a", "b", "c", "d", "e"], "abcdef", strict=True)
        )
        + "---\n\nWords.\n"
    )
    refused = parse_text(laughs)
    assert refused.has_errors
    laughs_s = cpu_median(lambda: parse_text(laughs), repeat=10)

    nested = nested_brackets(240_000)
    nested_mb = len(nested.encode("utf-8")) / 1_000_000
    per_byte = traced_peak_bytes(lambda: parse_text(nested, path="/no/such/dir/s.md"))
    base_per_byte = traced_peak_bytes(lambda: md.parse(nested))
    nested_ours = cpu_median(lambda: parse_text(nested, path="/no/such/dir/s.md"), repeat=3)
    nested_base = cpu_median(lambda: _paused(lambda: md.parse(nested)), repeat=3)

    label = "markdown-it-py tokenising only"
    return [
        Figure(
            "parse nested brackets across line breaks, CPU per MB",
            nested_ours / nested_mb,
            "s/MB",
            nested_base / nested_mb,
            label,
            "linear: the same per MB at any size",
        ),
        Figure(
            "parse nested brackets, peak memory per byte",
            per_byte / len(nested.encode("utf-8")),
            "B/B",
            base_per_byte / len(nested.encode("utf-8")),
            label,
            "< 200 (tests/engine/script/test_limits.py)",
        ),
        Figure(
            f"parse a {mb:.2f} MB script ({beats} beats), CPU",
            ours,
            "s",
            base,
            label,
            "well under 1 s",
        ),
        Figure("parse throughput", mb / ours, "MB/s", mb / base, label, "> 1 MB/s"),
        Figure(
            "parse the example script (parse_file), CPU",
            ex_ours * 1000,
            "ms",
            ex_base * 1000,
            label,
            "< 50 ms, fast enough to re-parse while typing",
        ),
        Figure(
            "refuse a billion-laughs front matter, CPU", laughs_s * 1000, "ms", goal="milliseconds"
        ),
    ]
