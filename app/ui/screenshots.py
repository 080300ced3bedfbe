"""``python -m app.ui.screenshots OUT_DIR [--docs DOCS_DIR]``: PNGs of the studio with the example.

Runs offscreen on a throwaway store, opens the example project, waits until the preview,
thumbnails and terminal animation have arrived, then grabs the main window and each
panel. ``--docs`` also writes palette-compressed copies small enough for the README.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

SHOTS = (
    "main-window",
    "editor",
    "timeline",
    "preview",
    "voices",
    "terminal",
    "media-bin",
    "export-dialog",
    "publish-dialog",
    "welcome",
)


def _settle(app: object, until: Callable[[], bool], timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not until() and time.monotonic() < deadline:
        app.processEvents()  # type: ignore[attr-defined]
        time.sleep(0.01)
    for _ in range(20):
        app.processEvents()  # type: ignore[attr-defined]
        time.sleep(0.01)


def capture(out_dir: Path, docs_dir: Path | None = None) -> list[Path]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    scratch = Path(tempfile.mkdtemp(prefix="castline-shots-"))
    for var, sub in (
        ("CASTLINE_DATA_DIR", "data"),
        ("CASTLINE_CACHE_DIR", "cache"),
        ("CASTLINE_CONFIG_DIR", "config"),
    ):
        os.environ[var] = str(scratch / sub)
    import shutil

    from PySide6.QtWidgets import QApplication, QWidget

    from app.engine import paths
    from app.engine.store import Store
    from app.ui.main_window import MainWindow
    from app.ui.publish.wiring import open_publish_dialog
    from app.ui.theme import apply_dark_theme

    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    apply_dark_theme(app)
    example = paths.resources_dir() / "examples" / "how-ssh-works"
    project = scratch / "how-ssh-works"
    shutil.copytree(example, project)
    store = Store.open()
    window = MainWindow(store)
    window.prefs.background_voicing = False  # "Synthesize all voices" below speaks the script
    window.resize(1600, 1000)
    window.open_script(project / "script.md")
    window.show()
    view = window.timeline_panel.view
    _settle(app, lambda: window.preview.shown_frame >= 0)
    # Speak the script (offline Piper voice; cached after the first run) so voice clips show waveforms.
    job = window.voices.synthesize_all()
    if job is not None:
        _settle(app, lambda: job.state != "running", 300)
        if job.state != "done":
            print(
                f"voices not synthesized ({job.state}: {job.error}); screenshots show estimates",
                file=sys.stderr,
            )
    tl = window.document.timeline
    assert tl is not None
    # A frame with a terminal on screen makes the better picture.
    terminal = next((c for t in tl.tracks if t.kind == "terminal" for c in t.clips), None)
    frame = terminal.start + min(terminal.length - 1, 90) if terminal else tl.duration // 3
    view.set_playhead(frame, emit=True)
    _settle(
        app,
        lambda: (
            window.preview.shown_frame == frame
            and all(
                i.thumbnail is not None
                for i in view.clip_items.values()
                if i.kind in ("visual", "terminal")
            )
            and all(
                i.peaks is not None
                for i in view.clip_items.values()
                if i.kind in ("voice", "music")
            )
        ),
    )
    view.set_playhead(frame)
    block_line = (
        next((b.line for b in window.document.script.beats() if b.kind == "terminal"), 1)
        if window.document.script
        else 1
    )
    window.editor.goto_line(block_line + 1)
    _settle(app, lambda: window.terminal.shown_array is not None)
    window.terminal.playing.setChecked(False)
    window.terminal.seek(2500)
    _settle(app, lambda: window.terminal.shown_ms == 2500)
    # The media bin with the example's own media and the voices just spoken, a voice selected.
    bin_ = window.media_bin
    bin_.loaded = None
    bin_.reload()
    _settle(
        app,
        lambda: bin_.loaded is not None and any(i.origin == "voice" for i in bin_.loaded.items),
    )
    if bin_.loaded is not None:
        voice = next((i for i in bin_.loaded.items if i.origin == "voice"), None)
        if voice is not None:
            bin_.select(voice)
    out_dir.mkdir(parents=True, exist_ok=True)
    shots: dict[str, QWidget] = {
        "main-window": window,
        "editor": window.editor,
        "timeline": window.docks["timeline"],
        "preview": window.docks["preview"],
        "voices": window.docks["voices"],
        "terminal": window.docks["terminal"],
        "media-bin": window.docks["media"],
    }
    written: list[Path] = []
    for name, widget in shots.items():
        if name in ("voices", "terminal", "media-bin"):
            dock = window.docks["media" if name == "media-bin" else name]
            dock.show()
            dock.raise_()
            if name == "media-bin":  # the bin's table wants more room than its tab has
                dock.setFloating(True)
                dock.resize(1180, 640)
            _settle(app, lambda: True, 1)
        if name == "main-window":
            window.docks["voices"].raise_()
            _settle(app, lambda: True, 1)
        written.append(_save(widget.grab().toImage(), out_dir / f"{name}.png", docs_dir))
        if name == "media-bin":
            window.docks["media"].setFloating(False)
    dialog = window.panels.open_export_dialog()
    _settle(app, lambda: True, 1)
    written.append(_save(dialog.grab().toImage(), out_dir / "export-dialog.png", docs_dir))
    dialog.close()
    publish = open_publish_dialog(window)
    publish.resize(1180, 900)
    _settle(app, lambda: publish.previews_drawn > 0 and publish.account is not None)
    written.append(_save(publish.grab().toImage(), out_dir / "publish-dialog.png", docs_dir))
    publish.close()
    # Where a session starts without a script: the example is among the recent projects.
    window.show_welcome()
    _settle(app, lambda: window.welcome.recent.count() > 0, 5)
    written.append(_save(window.grab().toImage(), out_dir / "welcome.png", docs_dir))
    window.show_editor()
    window.close()
    store.close()
    shutil.rmtree(scratch, ignore_errors=True)
    return written


def _save(image: object, path: Path, docs_dir: Path | None) -> Path:
    from PySide6.QtGui import QImage

    assert isinstance(image, QImage)
    if not image.save(str(path)):
        raise OSError(f"could not write {path}")
    if docs_dir is not None:
        from PIL import Image

        docs_dir.mkdir(parents=True, exist_ok=True)
        with Image.open(path) as im:
            small = im.convert("RGB")
            if small.width > 1400:
                small = small.resize(
                    (1400, round(small.height * 1400 / small.width)), Image.Resampling.LANCZOS
                )
            small.quantize(colors=192, method=Image.Quantize.MEDIANCUT).save(
                docs_dir / path.name, optimize=True
            )
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m app.ui.screenshots", description=__doc__)
    parser.add_argument("out", type=Path, nargs="?", default=Path("out/screenshots"))
    parser.add_argument(
        "--docs", type=Path, default=None, help="also write small copies for the README here"
    )
    args = parser.parse_args(argv)
    for path in capture(args.out, args.docs):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
