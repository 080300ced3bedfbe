"""``castline studio [SCRIPT.md]``: open the desktop studio, optionally with a script."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from pathlib import Path

from app.cli import UserError, open_store


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = subparsers.add_parser(
        "studio", help="open the desktop studio (the default with no subcommand)"
    )
    p.add_argument(
        "script", nargs="?", type=Path, help="a script to open (default: the welcome page)"
    )
    p.add_argument(
        "--print-startup",
        action="store_true",
        help="print seconds to a shown window (for benchmarks)",
    )
    p.add_argument(
        "--quit-after-show", action="store_true", help="close as soon as the window is shown"
    )
    p.add_argument(
        "--smoke-test",
        action="store_true",
        help="show the window, print 'window shown' and quit (checks an installed build)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    script: Path | None = args.script
    if script is not None and not script.is_file():
        raise UserError(f"{script}: no such script file (give the path to a .md script)")
    headless = sys.platform.startswith("linux") and not (
        os.environ.get("DISPLAY")
        or os.environ.get("WAYLAND_DISPLAY")
        or os.environ.get("QT_QPA_PLATFORM")
    )
    if headless:
        raise UserError(
            "no display to open the studio on (DISPLAY and WAYLAND_DISPLAY are unset); "
            "run it in a desktop session, or set QT_QPA_PLATFORM=offscreen to run without one"
        )
    try:
        from PySide6.QtWidgets import QApplication
    except ImportError as exc:
        raise UserError(f"the studio needs PySide6 ({exc}); run `make setup`") from exc
    import qasync

    from app.ui.main_window import MainWindow
    from app.ui.theme import apply_dark_theme

    app = QApplication.instance() or QApplication(sys.argv[:1])
    if not isinstance(app, QApplication):
        raise UserError("another Qt application object exists")
    app.setApplicationName("Castline")
    app.setOrganizationName("Castline")
    apply_dark_theme(app)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    store = open_store()
    window = MainWindow(store)

    def on_shown() -> None:
        if args.print_startup:
            print(f"startup_s={time.perf_counter() - started:.3f}", flush=True)
        if args.smoke_test:
            print("window shown", flush=True)
        if args.quit_after_show or args.smoke_test:
            window.close()
            app.quit()

    window.shown.connect(on_shown)
    if script is not None:
        window.open_script(script)
    else:
        window.show_welcome()  # new, template, open, recent or the example
    window.show()
    closing = asyncio.Event()
    app.aboutToQuit.connect(closing.set)
    try:
        with loop:
            loop.run_until_complete(closing.wait())
    finally:
        store.close()
    if os.environ.get("CASTLINE_STUDIO_HARD_EXIT"):
        os._exit(0)
    return 0
