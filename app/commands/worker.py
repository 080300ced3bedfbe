"""``worker``: run Castline's engine tasks for batches sent from other machines.

``python main.py worker --broker redis://HOST:PORT/DB [--concurrency N] [--shared-dir DIR]``
runs a Celery worker until Ctrl+C (it finishes its current task first; a second Ctrl+C
stops at once, and the task then runs again on another worker).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from app.cli import UserError


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "worker",
        help="run the engine's tasks (voice, visuals, render, publish) for batches on other machines",
        description="Start a Celery worker on this machine. Batches sent with "
        "`castline batch --workers URL` are rendered here.",
    )
    parser.add_argument(
        "--broker", required=True, help="the Redis to take work from: redis://HOST:PORT/DB"
    )
    parser.add_argument(
        "--concurrency",
        type=int,
        default=1,
        help="tasks run at once (default 1: a render uses every core)",
    )
    parser.add_argument(
        "--name", default="castline", help="this worker's name in results (default castline)"
    )
    parser.add_argument(
        "--shared-dir",
        type=Path,
        default=None,
        help="the folder shared by every machine (e.g. an NFS mount): inputs, outputs and assets",
    )
    parser.add_argument(
        "--visibility-timeout",
        type=int,
        default=None,
        help="seconds after which a task taken by a vanished worker runs elsewhere (default 3600; "
        "keep it longer than your longest render)",
    )
    parser.set_defaults(func=cmd_worker)


def cmd_worker(args: argparse.Namespace) -> int:
    from app.engine.dist.worker import run_worker

    if args.concurrency < 1:
        raise UserError("--concurrency must be at least 1")
    if args.shared_dir is not None and not args.shared_dir.is_dir():
        raise UserError(f"{args.shared_dir}: the shared folder does not exist (mount it first)")
    if args.visibility_timeout is not None and args.visibility_timeout < 1:
        raise UserError("--visibility-timeout must be at least 1 second")
    try:
        run_worker(
            args.broker,
            concurrency=args.concurrency,
            name=args.name,
            shared_dir=args.shared_dir,
            visibility_timeout=args.visibility_timeout,
        )
    except ValueError as exc:
        raise UserError(str(exc)) from exc
    return 0
