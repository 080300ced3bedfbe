"""``frames``: still pictures of a script at given times, without encoding a video.

``python main.py frames SCRIPT.md --at 4 12.5 30 [-o DIR] [--style NAME] [--width N]``
voices the script (cached), lays it out and draws the frames with the same compositor
the export uses, so a writer can check a moment, try another style, or make a README
picture in seconds.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from app.cli import UserError


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "frames",
        help="draw still frames of a script at given times (PNG), without encoding a video",
        description="Voice the script (cached), lay it out and draw the pictures at the given "
        "times exactly as the export would, one PNG each.",
    )
    parser.add_argument("script", type=Path, help="the script's .md file")
    parser.add_argument(
        "--at", type=float, nargs="+", required=True, metavar="SECONDS", help="times to draw"
    )
    parser.add_argument(
        "-o", "--output", type=Path, default=Path("."), help="folder for the PNGs (default: here)"
    )
    parser.add_argument("--style", help="draw in this bundled style instead of the script's own")
    parser.add_argument(
        "--width", type=int, default=None, help="picture width (default: the video's own)"
    )
    parser.add_argument(
        "--offline", action="store_true", help="local voice, procedural and your own media only"
    )
    parser.set_defaults(func=cmd_frames)


def cmd_frames(args: argparse.Namespace) -> int:
    import cv2

    from app.engine.files import write_bytes
    from app.engine.model.script import LookSpec
    from app.engine.model.time import ms_to_frames
    from app.engine.pictures import VisualError
    from app.engine.render.compositor import Compositor
    from app.engine.render.pipeline import RenderError
    from app.engine.render.project import prepare_script
    from app.engine.styles import style_names

    look = None
    if args.style is not None:
        if args.style.lower() not in style_names():
            raise UserError(
                f"no style called {args.style!r}; choose one of {', '.join(style_names())}"
            )
        look = LookSpec(name=args.style.lower())
    if args.width is not None and not 16 <= args.width <= 7680:
        raise UserError("--width must be between 16 and 7680 pixels")
    if args.output.exists() and not args.output.is_dir():
        raise UserError(f"{args.output} is a file; give a folder for the pictures")
    try:
        prepared = prepare_script(args.script, offline=args.offline, look=look)
    except (RenderError, VisualError) as exc:
        raise UserError(str(exc)) from exc
    timeline = prepared.timeline
    last = max(0, timeline.duration - 1)
    comp = Compositor(timeline, width=args.width)
    stem = args.script.stem if args.script.stem != "script" else args.script.parent.name
    suffix = f"-{look.name}" if look is not None else ""
    try:
        for seconds in args.at:
            frame = min(last, max(0, ms_to_frames(round(seconds * 1000), timeline.fps)))
            rgb = comp.rgb(frame)
            ok, png = cv2.imencode(".png", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
            if not ok:
                raise UserError("the picture could not be encoded as PNG")
            out = args.output / f"{stem}{suffix}-{seconds:g}s.png"
            write_bytes(out, png.tobytes())
            print(out)
    except VisualError as exc:
        raise UserError(str(exc)) from exc
    finally:
        comp.close()
    return 0
