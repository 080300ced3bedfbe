"""``batch``: render many scripts, in this process or on workers, and sum up how each went.

``python main.py batch SCRIPTS... -o OUTDIR [--workers URL] [--shared-dir DIR] [--publish]``
shows a bar per script and one for the batch on stderr, then a table on stdout: file,
duration, cost, time and status. A failing script never stops the others; the exit code
is 1 when any failed or the batch was cancelled (its unfinished rows say "cancelled").
The whole batch's cost is checked against the budget before anything is spent.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from app.cli import UserError, open_store
from app.commands.progressbar import ProgressBar
from app.commands.render import add_render_options
from app.engine.jobs.progress import Progress, ProgressState


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "batch",
        help="render many scripts at once, here or on workers (`castline worker`)",
        description="Render every script to OUTDIR/NAME.mp4 with its sidecars, one after another in "
        "this process, or all at once on Celery workers with --workers.",
    )
    parser.add_argument("scripts", type=Path, nargs="+", help="the scripts' .md files")
    parser.add_argument(
        "-o", "--output", type=Path, required=True, help="the folder for the videos"
    )
    parser.add_argument(
        "--workers",
        metavar="URL",
        default=None,
        help="render on the workers of this Redis (redis://HOST:PORT/DB)",
    )
    parser.add_argument(
        "--shared-dir",
        type=Path,
        default=None,
        help="with --workers: the folder every worker mounts (inputs and outputs pass through it)",
    )
    parser.add_argument(
        "--publish", action="store_true", help="upload each finished video to YouTube"
    )
    add_render_options(parser)
    parser.set_defaults(func=cmd_batch)


def _bar_closer(bar: ProgressBar) -> object:
    """Close a script's bar (leaving its last line) once the script is finished."""

    def listener(state: ProgressState) -> None:
        if state.total and state.done >= state.total:
            bar.close(state)

    return listener


def _one_line(error: str, limit: int = 160) -> str:
    """An error for the table: its first line (past a heading ending in ':'), cut short."""
    lines = [line.strip() for line in error.splitlines() if line.strip()] or ["failed"]
    text = lines[1] if len(lines) > 1 and lines[0].endswith(":") else lines[0]
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _seconds(ms: int) -> str:
    return f"{ms / 1000:.1f} s"


def summary_table(rows: Sequence[Sequence[str]]) -> str:
    """Left-aligned columns, two spaces apart."""
    widths = [max(len(r[c]) for r in rows) for c in range(len(rows[0]))]
    return "\n".join(
        "  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip() for r in rows
    )


def cmd_batch(args: argparse.Namespace) -> int:
    from app.engine.dist.batch import (
        BatchOptions,
        BatchProgress,
        BatchRefused,
        WorkersUnavailable,
        check_budget,
        plan_items,
        run_in_process,
        run_on_workers,
    )
    from app.engine.dist.shared import SharedDir

    if args.jobs < 1:
        raise UserError("--jobs must be at least 1")
    if args.shared_dir is not None and args.workers is None:
        raise UserError("--shared-dir is for --workers; without them the scripts render here")
    if args.shared_dir is not None and not args.shared_dir.is_dir():
        raise UserError(f"{args.shared_dir}: the shared folder does not exist (mount it first)")
    outdir: Path = args.output
    if outdir.exists() and not outdir.is_dir():
        raise UserError(f"{outdir} is a file; give a folder for the videos")
    try:
        outdir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"cannot create {outdir}: {exc.strerror or exc}") from exc
    options = BatchOptions(
        preset=args.preset, offline=args.offline, jobs=args.jobs, publish=args.publish
    )
    items = plan_items(args.scripts, outdir)
    store = open_store()
    try:
        check_budget(args.scripts, store, offline=args.offline)
    except BatchRefused as exc:
        store.close()
        raise UserError(str(exc)) from exc
    progress = BatchProgress(len(items))
    bars = []
    for item, item_progress in zip(items, progress.items, strict=True):
        bar = ProgressBar(item_progress, item.script.name[:24])
        item_progress.subscribe(_bar_closer(bar))  # type: ignore[arg-type]
        bars.append(bar)
    overall: Progress = progress.overall
    overall_bar = ProgressBar(overall, "batch")
    try:
        if args.workers is None:
            outcomes = run_in_process(items, options, progress, store=store)
        else:
            shared = SharedDir(args.shared_dir) if args.shared_dir is not None else None
            outcomes = run_on_workers(items, options, progress, args.workers, shared=shared)
    except WorkersUnavailable as exc:
        raise UserError(str(exc)) from exc
    finally:
        store.close()
        overall_bar.close(overall.state())
        for bar, item_progress in zip(bars, progress.items, strict=True):
            state = item_progress.state()
            if state.done < state.total:  # a finished script's bar closed itself
                bar.close()
    rows = [("file", "duration", "cost", "time", "status")]
    for o in outcomes:
        status = "ok" if o.ok else f"failed: {_one_line(o.error or '')}"
        if o.cancelled:
            status = "cancelled"
        if o.ok and o.url:
            status = f"ok, published {o.url}"
        if o.worker:
            status += f" ({o.worker})"
        rows.append(
            (
                Path(o.output).name if o.ok else Path(o.script).name,
                _seconds(o.duration_ms) if o.ok else "-",
                f"${o.cost_usd:.2f}",
                _seconds(o.elapsed_ms),
                status,
            )
        )
    print(summary_table(rows))
    failed = [o for o in outcomes if not o.ok]
    for o in failed:  # the whole message, which the table cut short
        if not o.cancelled:
            print(f"{o.script}: {o.error}", file=sys.stderr)
    rendered = f"{len(outcomes) - len(failed)} of {len(outcomes)} rendered to {outdir}"
    if any(o.cancelled for o in outcomes):
        rendered = f"the batch was cancelled (from a studio's jobs panel); {rendered}"
    print(rendered, file=sys.stderr)
    return 1 if failed else 0
