"""The command line: ``python main.py SUBCOMMAND``; no subcommand opens the studio.

Each subcommand lives in its own module under ``app/commands`` and registers itself;
this module owns argument parsing, exit codes and the promise that no traceback
reaches the user.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import signal
import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING

from app import __version__
from app.engine.jobs.progress import reset_shutdown, shut_down

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
EXIT_TERMINATED = 143


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


class Stopped(KeyboardInterrupt):
    """Ctrl+C or SIGTERM: the process stops every job, then exits with ``code``."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.code = EXIT_TERMINATED if signum == signal.SIGTERM else EXIT_INTERRUPTED


Terminated = Stopped
"""What a command sees when stopped by SIGTERM or Ctrl+C (one stop, one exception)."""


def _stop(signum: int, _frame: object) -> None:
    """Cancel all work first (every worker thread and request sees it at its next
    check), then unwind the main thread: a pool waiting for its workers finds them done."""
    shut_down()
    raise Stopped(signum)


_previous_handlers: dict[int, object] = {}


def stop_on_sigterm() -> None:
    """SIGTERM stops like Ctrl+C, for a program that runs the engine without
    :func:`main` (``main`` already does this for every command but the studio)."""
    signal.signal(signal.SIGTERM, _stop)


def _restore_signals() -> None:
    for sig, handler in _previous_handlers.items():
        signal.signal(sig, handler)  # type: ignore[arg-type]
    _previous_handlers.clear()


@contextmanager
def _signals_stop_work() -> Iterator[None]:
    """While a command runs, Ctrl+C and SIGTERM stop all of its work, in every thread."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    reset_shutdown()
    for sig in (signal.SIGINT, signal.SIGTERM):
        _previous_handlers[sig] = signal.signal(sig, _stop)
    try:
        yield
    finally:
        _restore_signals()


def _is_store_error(exc: BaseException) -> bool:
    """True for the store's own one-line errors (a damaged database, a full disk).

    Looked up only if the store was imported: a command that never opened it cannot
    have raised one, and the CLI does not pay for importing SQLAlchemy.
    """
    base = sys.modules.get("app.engine.store.base")
    return base is not None and isinstance(exc, base.StoreError)


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command and return its exit code; Ctrl+C or SIGTERM at any moment, even
    while the command's modules load, stops it cleanly with 130 or 143."""
    try:
        with _signals_stop_work():
            return _main(argv)
    except KeyboardInterrupt as exc:
        shut_down()
        print(
            "castline: interrupted"
            if not isinstance(exc, Stopped) or exc.code == EXIT_INTERRUPTED
            else "castline: terminated",
            file=sys.stderr,
        )
        return exc.code if isinstance(exc, Stopped) else EXIT_INTERRUPTED


def _main(argv: Sequence[str] | None) -> int:
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
    from app.engine.secrets import RedactingStream, install_redaction

    # Every command: log records, tracebacks and everything printed hide every known key.
    install_redaction()
    streams = sys.stdout, sys.stderr
    if sys.stdout is not None and sys.stderr is not None:  # a windowed bundle has neither
        sys.stdout, sys.stderr = RedactingStream(sys.stdout), RedactingStream(sys.stderr)  # type: ignore[assignment]
    try:
        return _run(parser, args)
    finally:
        sys.stdout, sys.stderr = streams


def _run(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    """Run the parsed command, turning every failure into an exit code and one line."""
    func = getattr(args, "func", None)
    if func is None:
        parser.print_help()
        return EXIT_USAGE
    if args.command == "studio":
        _restore_signals()  # the studio handles quitting itself: it asks before losing work
    try:
        return int(func(args) or 0)
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
        if _is_store_error(exc):
            print(f"castline: error: {exc}", file=sys.stderr)
            return EXIT_ERROR
        print(
            f"castline: internal error: {type(exc).__name__}: {exc}\n"
            "Run again with --verbose for details, and please report it.",
            file=sys.stderr,
        )
        return EXIT_ERROR
