"""``castline terminal INPUT -o OUT``: render a .cast, .tape or script's blocks to video or frames."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from app.cli import UserError
from app.commands.progressbar import ProgressBar
from app.engine.jobs.progress import Progress
from app.engine.model import has_errors
from app.engine.model.time import fps_fraction
from app.engine.render.terminal_export import (
    ExportError,
    export_animation,
    frame_count,
    output_kind,
)
from app.engine.terminal.inputs import load_input
from app.engine.terminal.themes import ThemeError, list_themes, load_theme, parse_color


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "terminal",
        help="render a terminal recording, tape or script blocks to video",
        description="Render an asciinema .cast, a VHS .tape, or the terminal and code blocks of a "
        "script .md to .mp4 (H.264), .mov (ProRes 4444 with alpha), .webm (VP9 with alpha) "
        "or a folder of PNG frames.",
    )
    p.add_argument("input", type=Path, help="a .cast, .tape or .md file")
    p.add_argument(
        "-o", "--output", type=Path, help="OUT.mp4, OUT.mov, OUT.webm or a folder for PNG frames"
    )
    p.add_argument(
        "--theme", help=f"a theme name ({', '.join(list_themes())}) or an xterm.js theme .json"
    )
    p.add_argument("--size", default=None, help="WIDTHxHEIGHT in pixels (default 1920x1080)")
    p.add_argument("--fps", default="30", help="frames per second (default 30)")
    p.add_argument(
        "--transparent",
        action="store_true",
        help="leave everything outside the window fully transparent",
    )
    p.add_argument(
        "--margin-color",
        help="colour around the window, e.g. #1e1e2e (default: the theme's background, darker)",
    )
    p.add_argument(
        "--no-chrome", action="store_true", help="no window title bar, shadow or rounded corners"
    )
    p.add_argument("--effects", help="effects in order, e.g. glitch,scanlines,crt")
    p.add_argument("--seed", type=int, default=0, help="typing cadence and effect seed (default 0)")
    p.add_argument("--speed", type=float, default=1.0, help="playback speed factor for .cast input")
    p.add_argument(
        "--idle-limit", type=float, default=None, help="cap pauses in a .cast to this many seconds"
    )
    p.set_defaults(func=run)


def _size(text: str) -> tuple[int, int]:
    w, sep, h = text.lower().partition("x")
    if (
        not sep
        or not w.isdigit()
        or not h.isdigit()
        or not (16 <= int(w) <= 8192 and 16 <= int(h) <= 8192)
    ):
        raise UserError(f"--size {text!r}: expected WIDTHxHEIGHT such as 1920x1080")
    return int(w), int(h)


def run(args: argparse.Namespace) -> int:
    src: Path = args.input
    if not src.is_file():
        raise UserError(f"{src}: no such file")
    if args.theme:
        try:
            load_theme(args.theme)
        except ThemeError as exc:
            raise UserError(str(exc)) from None
    try:
        fps = fps_fraction(args.fps)
    except (ValueError, ZeroDivisionError):
        raise UserError(f"--fps {args.fps!r}: expected a number such as 30 or 30000/1001") from None
    if not (0 < fps <= 240):
        raise UserError(f"--fps {args.fps}: expected a rate between 1 and 240")
    width, height = _size(args.size) if args.size else (1920, 1080)
    margin = None
    if args.margin_color:
        try:
            margin = parse_color(args.margin_color)
        except ValueError as exc:
            raise UserError(f"--margin-color: {exc}") from None
    loaded = load_input(
        src, width=width, height=height, theme=args.theme, seed=args.seed, chrome=not args.no_chrome,
        transparent=args.transparent, effects=args.effects, speed=args.speed, idle_limit_s=args.idle_limit,
        margin_color=margin,
    )  # fmt: skip
    for d in loaded.diagnostics:
        print(d.format(str(src)), file=sys.stderr)
    if loaded.animation is None:
        raise UserError(f"{src}: nothing to render (see the messages above)")
    if src.suffix.lower() in (".cast", ".tape") and has_errors(loaded.diagnostics):
        raise UserError(f"{src}: fix the errors above, then render again")
    out: Path | None = args.output
    if out is None and "Output" in loaded.settings:
        out = src.parent / loaded.settings["Output"]
    if out is None:
        raise UserError(
            "say where to write the result with -o OUT.mp4 (or .mov, .webm, or a folder)"
        )
    try:
        kind = output_kind(out)
    except ExportError as exc:
        raise UserError(str(exc)) from None
    if args.transparent and kind == ".mp4":
        print(
            "castline: warning: .mp4 has no alpha channel; use .mov or .webm for transparency",
            file=sys.stderr,
        )
    anim = loaded.animation
    progress = Progress(frame_count(anim, fps), "rendering")
    bar = ProgressBar(progress, "terminal")
    try:
        export_animation(anim, out, fps=fps, progress=progress)
    except ExportError as exc:
        raise UserError(str(exc)) from None
    except OSError as exc:
        raise UserError(f"{out}: cannot write ({exc.strerror})") from None
    finally:
        bar.close(progress.state())
    print(
        f"wrote {out} ({frame_count(anim, fps)} frames, {anim.duration_ms / 1000:.2f} s, {width}x{height})"
    )
    return 0
