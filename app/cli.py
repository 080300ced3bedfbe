"""The command line: ``python main.py SUBCOMMAND``; no subcommand opens the studio.

Each subcommand lives in its own module under ``app/commands`` and registers itself;
this module owns argument parsing, exit codes and the promise that no traceback
reaches the user.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence

from app import __version__

# Modules under app.commands that each define ``register(subparsers)``.
COMMAND_MODULES: tuple[str, ...] = ("parse", "voices", "terminal", "studio", "render")

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


class UsageError(Exception):
    """Bad arguments that argparse could not catch; exit code 2."""


class UserError(Exception):
    """A problem the user can act on; printed as one line, exit code 1."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="castline",
        description="Castline turns a Markdown script into a narrated video. "
        "Run with no subcommand to open the studio.",
    )
    parser.add_argument("--version", action="version", version=f"Castline {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log more detail to stderr")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        module = importlib.import_module(f"app.commands.{name}")
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command and return its exit code."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    try:
        args = parser.parse_args(args_list)
    except SystemExit as exc:  # argparse: --help/--version exit 0, bad usage exits 2
        return int(exc.code) if isinstance(exc.code, int) else EXIT_USAGE
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    func = getattr(args, "func", None)
    if func is None:
        if "app.commands.studio" in sys.modules or "studio" in COMMAND_MODULES:
            return main(["studio"])
        parser.print_help()
        return EXIT_USAGE
    try:
        return int(func(args) or 0)
    except KeyboardInterrupt:
        print("castline: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except UsageError as exc:
        print(f"castline: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except UserError as exc:
        print(f"castline: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:  # last line of defence: a message, never a traceback
        logging.getLogger("castline").debug("unexpected failure", exc_info=True)
        print(
            f"castline: internal error: {type(exc).__name__}: {exc}\n"
            "Run again with --verbose for details, and please report it.",
            file=sys.stderr,
        )
        return EXIT_ERROR
