"""``render``: a script in, a finished YouTube-ready video (and its sidecars) out.

``python main.py render SCRIPT.md -o OUT.mp4 [--preset NAME] [--offline] [--jobs N]
[--workers redis://HOST:PORT/DB [--shared-dir DIR]]``
shows progress with an ETA on stderr; Ctrl+C or SIGTERM stops cleanly and leaves no half
file and no temporary one (exit 130 or 143).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from app.cli import UserError
from app.commands.progressbar import ProgressBar
from app.engine.jobs.progress import Cancelled, Progress
from app.engine.render.presets import DEFAULT_PRESET, preset_names

if TYPE_CHECKING:
    from app.engine.dist.segmented import WorkerFarm


def add_render_options(parser: argparse.ArgumentParser) -> None:
    """``--preset``, ``--offline`` and ``--jobs``: how a script renders (``render`` and ``batch``)."""
    parser.add_argument(
        "--preset",
        default=DEFAULT_PRESET,
        choices=sorted(preset_names()),
        help=f"export preset (default {DEFAULT_PRESET}; a 9:16 script renders as shorts)",
    )
    parser.add_argument(
        "--offline",
        action="store_true",
        help="use only the local voice, procedural backgrounds and your own media: no keys, no network",
    )
    parser.add_argument(
        "--jobs", type=int, default=os.cpu_count() or 2, help="encoder threads (default: CPU count)"
    )


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "render",
        help="render a script to a finished video with captions, chapters and a thumbnail",
        description="Synthesize the voices (cached), lay the script out and encode it. Beside the "
        "video: .srt and .vtt captions, .chapters.txt for the YouTube description and a .jpg thumbnail.",
    )
    parser.add_argument("script", type=Path, help="the script's .md file")
    parser.add_argument("-o", "--output", type=Path, required=True, help="the video file to write")
    add_render_options(parser)
    parser.add_argument(
        "--burn-captions", action="store_true", help="draw the captions into the picture too"
    )
    parser.add_argument(
        "--watermark", type=Path, default=None, help="an image drawn in the bottom-right corner"
    )
    parser.add_argument(
        "--workers",
        metavar="URL",
        default=None,
        help="draw the video's segments in parallel on the workers of this Redis "
        "(redis://HOST:PORT/DB; start them with `castline worker`)",
    )
    parser.add_argument(
        "--shared-dir",
        type=Path,
        default=None,
        help="with --workers: the folder every worker mounts (the render's files pass through it)",
    )
    parser.set_defaults(func=cmd_render)


def segment_farm(args: argparse.Namespace) -> WorkerFarm | None:
    """The workers that draw the segments with ``--workers``, else None (this process)."""
    from app.engine.dist.segmented import WorkerFarm
    from app.engine.dist.shared import SharedDir
    from app.engine.dist.waiting import WorkersUnavailable

    if args.workers is None:
        if args.shared_dir is not None:
            raise UserError("--shared-dir is for --workers; without them the video renders here")
        return None
    if args.shared_dir is not None and not args.shared_dir.is_dir():
        raise UserError(f"{args.shared_dir}: the shared folder does not exist (mount it first)")
    shared = SharedDir(args.shared_dir) if args.shared_dir is not None else None
    try:
        return WorkerFarm(args.workers, shared=shared)
    except WorkersUnavailable as exc:
        raise UserError(str(exc)) from exc


def cmd_render(args: argparse.Namespace) -> int:
    from app.engine.dist.segmented import SegmentFailed
    from app.engine.dist.waiting import WorkersUnavailable
    from app.engine.pictures import VisualError
    from app.engine.render.encoder import EncodeError
    from app.engine.render.hardware import showing_fallback_notes, take_fallback_note
    from app.engine.render.mix import MixError
    from app.engine.render.pipeline import RenderError
    from app.engine.render.project import render_script

    if args.jobs < 1:
        raise UserError("--jobs must be at least 1")
    farm = segment_farm(args)
    output: Path = args.output
    if output.exists() and output.is_dir():
        raise UserError(f"{output} is a folder; give a file name such as {output / 'video.mp4'}")
    voice_progress = Progress()
    visual_progress = Progress()
    render_progress = Progress()
    voice_bar = ProgressBar(voice_progress, "voices")
    visual_bar: ProgressBar | None = None
    render_bar: ProgressBar | None = None

    def voices_done() -> None:
        nonlocal visual_bar
        voice_bar.close(voice_progress.state())
        visual_bar = ProgressBar(visual_progress, "visuals")

    def visuals_done() -> None:
        nonlocal render_bar
        if visual_bar is not None:
            visual_bar.close(visual_progress.state())
        render_bar = ProgressBar(render_progress, "render")

    try:
        with showing_fallback_notes():
            done = render_script(
                args.script,
                output,
                preset=args.preset,
                offline=args.offline,
                voice_progress=voice_progress,
                progress=render_progress,
                jobs=args.jobs,
                burn_captions=args.burn_captions,
                watermark=args.watermark,
                on_voices_done=voices_done,
                visual_progress=visual_progress,
                on_visuals_done=visuals_done,
                farm=farm,
            )
    except (
        RenderError,
        VisualError,
        MixError,
        EncodeError,
        SegmentFailed,
        WorkersUnavailable,
    ) as exc:
        raise UserError(str(exc)) from exc
    except Cancelled:
        raise KeyboardInterrupt from None
    except OSError as exc:
        raise UserError(f"cannot write {exc.filename or output}: {exc.strerror or exc}") from exc
    finally:
        if render_bar is not None:
            render_bar.close(render_progress.state())
        elif visual_bar is not None:
            visual_bar.close()
        else:
            voice_bar.close()
    for warning in done.warnings:
        print(warning.format(str(args.script)), file=sys.stderr)
    if note := take_fallback_note():
        print(note, file=sys.stderr)
    r = done.render
    print(f"wrote {r.output} ({r.width}x{r.height}, {r.duration_ms / 1000:.1f} s, {r.preset})")
    print(
        f"  voices: {done.lines} lines, {done.synthesized} synthesized, {done.cache_hits} from the cache"
    )
    if done.visuals is not None and (done.visuals.visuals or done.visuals.drawn):
        v = done.visuals
        print(
            f"  visuals: {len(v.visuals) + len(v.drawn)} lines, {v.generated} fetched or generated, "
            f"{v.cache_hits} from the cache, {len(v.drawn)} drawn; ${v.cost_usd:.2f}"
        )
    print(f"  audio:  {r.loudness_lufs:.1f} LUFS integrated, true peak {r.true_peak_dbtp:.1f} dBTP")
    print(
        f"  speed:  {r.speed:.2f} video seconds per second ({r.composited_frames} of {r.frames} frames drawn)"
    )
    if farm is not None:
        print(f"  workers:  {', '.join(sorted(farm.workers))} ({len(farm.segment_s)} segments)")
    for kind, path in r.sidecars.items():
        print(f"  {kind + ':':<10}{path}")
    if r.chapters_note:
        print(f"  {r.chapters_note}")
    return 0
