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
from typing import TYPE_CHECKING

from app import __version__

if TYPE_CHECKING:
    from app.engine.store import Store

# Modules under app.commands that each define ``register(subparsers)``.
COMMAND_MODULES: tuple[str, ...] = (
    "parse",
    "voices",
    "visuals",
    "draft",
    "terminal",
    "frames",
    "studio",
    "render",
    "publish",
    "batch",
    "worker",
)

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


class UsageError(Exception):
    """Bad arguments that argparse could not catch; exit code 2."""


class UserError(Exception):
    """A problem the user can act on; printed as one line, exit code 1."""


def open_store() -> Store:
    """The project database, or a one-line :class:`UserError` when it cannot be opened.

    A locked, damaged or unwritable database is the user's to fix, not a traceback.
    Imported late so commands that never touch the store do not pay for SQLAlchemy.
    """
    from app.engine.store import Store

    try:
        return Store.open()
    except Exception as exc:
        raise UserError(f"the project database could not be opened: {exc}") from exc


# Commands registered by a module of another name (``speak`` lives in ``voices``).
COMMAND_ALIASES: dict[str, str] = {"speak": "voices", "synth": "voices"}


def _module_for(args: Sequence[str]) -> str | None:
    """The one command module a command line needs, so start-up imports only that.

    The studio, for one, should not pay for scipy and PyAV imports of other commands.
    ``None`` (no command word, or an unknown one) loads them all for help and usage.
    """
    first = next((a for a in args if not a.startswith("-")), None)
    if first is None:
        return None
    name = COMMAND_ALIASES.get(first, first)
    return name if name in COMMAND_MODULES else None


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="castline",
        description="Castline turns a Markdown script into a narrated video. "
        "Run with no subcommand to open the studio.",
    )
    parser.add_argument("--version", action="version", version=f"Castline {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log more detail to stderr")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in (only,) if only else COMMAND_MODULES:
        module = importlib.import_module(f"app.commands.{name}")
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command and return its exit code."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    wants_info = any(a in ("-h", "--help", "--version") for a in args_list)
    if "studio" in COMMAND_MODULES and not wants_info and all(a.startswith("-") for a in args_list):
        args_list.append("studio")  # no command: open the studio
    elif "studio" in COMMAND_MODULES and args_list and args_list[0].lower().endswith(".md"):
        args_list.insert(0, "studio")  # `castline script.md` opens it in the studio
    parser = build_parser(_module_for(args_list))
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
