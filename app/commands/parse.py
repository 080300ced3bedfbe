"""``parse``: read a script and report its scenes, beats, timing and problems.

Exit 0 when the script is fine, 1 when any diagnostic is an error (a missing or
unreadable file included), 2 for wrong arguments.
"""

from __future__ import annotations

import argparse
import io
import json
import sys
from collections import Counter
from pathlib import Path

from app.cli import EXIT_ERROR, EXIT_OK
from app.engine.model.script import Script
from app.engine.script import NARRATOR, parse_file, script_to_json


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "parse",
        help="check a script: scenes, beats, estimated length and problems",
        description="Read a Markdown script and print its scenes, beats and diagnostics. "
        "Exits 1 when the script has errors.",
    )
    parser.add_argument("script", type=Path, help="the script's .md file")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead")
    parser.set_defaults(func=cmd_parse)


def _safe_streams() -> None:
    """Never fail on a character the terminal cannot show."""
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="replace")


def _count(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def _clock(ms: int) -> str:
    seconds = ms // 1000
    return f"{seconds // 60}:{seconds % 60:02d}"


def summary(script: Script) -> str:
    """A few lines a writer reads at a glance."""
    out = [script.title]
    if script.path:
        out[0] += f"  ({script.path})"
    total = script.estimated_ms
    out.append(
        f"  about {total / 1000:.1f} s ({_clock(total)}), {_count(len(script.scenes), 'scene')}, "
        f"{_count(len(script.characters), 'character')}"
    )
    if script.characters:
        out.append("Characters:")
        width = max(len(c.name) for c in script.characters)
        for c in script.characters:
            line = f"  {c.name:<{width}}  {c.voice}"
            if c.fallback:
                line += " (fallback " + ", ".join(str(f) for f in c.fallback) + ")"
            if not c.declared:
                line += "  [default narrator]" if c.name == NARRATOR else "  [not in front matter]"
            out.append(line)
    if script.scenes:
        out.append("Scenes:")
        start = 0
        for scene in script.scenes:
            counts = Counter(b.kind for b in scene.beats)
            detail = ", ".join(f"{n} {kind}" for kind, n in counts.items()) or "empty"
            out.append(f"  {_clock(start)}  {scene.title} (line {scene.line}): {detail}")
            start += scene.estimated_ms
    return "\n".join(out)


def cmd_parse(args: argparse.Namespace) -> int:
    _safe_streams()
    script = parse_file(args.script)
    if args.json:
        sys.stdout.write(json.dumps(script_to_json(script), ensure_ascii=False, indent=2) + "\n")
    else:
        unread = not script.scenes and script.has_errors and not script.settings.title
        if not unread:  # a file that could not be read has nothing to summarise
            print(summary(script))
        if script.diagnostics:
            errors = sum(1 for d in script.diagnostics if d.is_error)
            others = len(script.diagnostics) - errors
            for d in script.diagnostics:
                print(d.format(str(args.script)), file=sys.stderr)
            print(
                f"{_count(errors, 'error')}, {_count(others, 'warning or note', 'warnings or notes')}",
                file=sys.stderr,
            )
    sys.stdout.flush()
    return EXIT_ERROR if script.has_errors else EXIT_OK
