"""Studio figures: preview latency while scrubbing the example, and start-up to a shown window.

Scrubbing goes through the real path (the preview panel's request, the worker, the
stale-request dropping and the frame cache) with the preview enlarged (View › Enlarge
Preview in a 1600x1000 window), so frames are drawn at the larger size the panel now
asks for; it is compared with the engine's ``preview_frame`` called directly on the same
positions at the same width in the same run. Start-up is a fresh ``main.py studio``
process timed until it reports its window shown, beside a bare PySide6 window shown the
same way.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.bench.common import Figure, percentile

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "resources" / "examples" / "how-ssh-works" / "script.md"
POSITIONS = 60

BARE_WINDOW = """
import time, sys
t0 = time.perf_counter()
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication([])
w = QMainWindow()
w.resize(1500, 920)
w.show()
QTimer.singleShot(0, lambda: (print(f"startup_s={time.perf_counter() - t0:.3f}", flush=True), app.quit()))
app.exec()
"""


def _env(scratch: Path) -> dict[str, str]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    for var, sub in (
        ("CASTLINE_DATA_DIR", "data"),
        ("CASTLINE_CACHE_DIR", "cache"),
        ("CASTLINE_CONFIG_DIR", "config"),
    ):
        env[var] = str(scratch / sub)
    return env


def _timed_process(args: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Seconds from spawning ``args`` until it prints ``startup_s=``, and the value it printed."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        args, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    assert proc.stdout is not None
    for line in proc.stdout:
        match = re.match(r"startup_s=([0-9.]+)", line)
        if match:
            elapsed = time.perf_counter() - t0, float(match.group(1))
            break
    else:
        proc.wait()
        raise RuntimeError(f"{args[1:3]} never reported a shown window (exit {proc.returncode})")
    proc.wait(timeout=60)
    return elapsed


def startup(scratch: Path, runs: int = 3) -> tuple[float, float, float, float]:
    """Median (whole process, studio command alone, bare PySide6 window, welcome page)
    seconds to shown."""
    env = _env(scratch)
    project = scratch / "startup"
    shutil.copytree(EXAMPLE.parent, project)
    studio = [
        sys.executable,
        "main.py",
        "studio",
        str(project / "script.md"),
        "--print-startup",
        "--quit-after-show",
    ]
    _timed_process(studio, env)  # first run creates the store and warms the disk cache
    timed = sorted(_timed_process(studio, env) for _ in range(runs))[runs // 2]
    bare_s = sorted(
        _timed_process([sys.executable, "-c", BARE_WINDOW], env)[0] for _ in range(runs)
    )[runs // 2]
    welcome = [sys.executable, "main.py", "studio", "--print-startup", "--quit-after-show"]
    welcome_s = sorted(_timed_process(welcome, env)[0] for _ in range(runs))[runs // 2]
    return timed[0], timed[1], bare_s, welcome_s


def scrub(scratch: Path) -> tuple[list[float], list[float], int]:
    """Per-position latency (ms) through the studio and through preview_frame directly."""
    env = _env(scratch)
    os.environ.update(
        {k: v for k, v in env.items() if k.startswith("CASTLINE_") or k == "QT_QPA_PLATFORM"}
    )
    from PySide6.QtWidgets import QApplication

    from app.engine.render import preview_frame
    from app.engine.store import Store
    from app.ui.main_window import MainWindow

    app = QApplication.instance() or QApplication([])
    project = scratch / "scrub"
    shutil.copytree(EXAMPLE.parent, project)
    store = Store.open()
    window = MainWindow(store)
    window.prefs.background_voicing = False  # no voice is spoken while latency is measured
    window.resize(1600, 1000)
    window.open_script(project / "script.md")
    window.show()

    def pump(until: object, limit_s: float = 30.0) -> None:
        deadline = time.perf_counter() + limit_s
        while not until() and time.perf_counter() < deadline:  # type: ignore[operator]
            app.processEvents()

    pump(lambda: window.preview.shown_frame >= 0)
    window.actions_.trigger("view.preview_large")
    small = window.preview.width_px
    pump(lambda: window.preview.width_px > small, 5.0)
    pump(
        lambda: (
            window.preview.shown_array is not None
            and window.preview.shown_array.shape[1] == window.preview.width_px
        )
    )
    # The direct baseline below draws on the same compositor: let the panel's workers finish.
    window.preview.requests.wait()
    window.timeline_panel.view.media.wait()
    timeline = window.document.snapshot()
    assert timeline is not None
    width = window.preview.width_px
    frames = [round(i * (timeline.duration - 1) / (POSITIONS - 1)) for i in range(POSITIONS)]
    direct: list[float] = []
    for f in frames:
        t0 = time.perf_counter()
        preview_frame(timeline, f, width=width)
        direct.append((time.perf_counter() - t0) * 1000)
    through_ui: list[float] = []
    for f in reversed(frames):  # the other direction: nothing is in the panel's cache yet
        t0 = time.perf_counter()
        window.preview.show_frame(f)
        pump(lambda f=f: window.preview.shown_frame == f)
        through_ui.append((time.perf_counter() - t0) * 1000)
    window.close()
    store.close()
    return through_ui, direct, width


def run() -> list[Figure]:
    scratch = Path(tempfile.mkdtemp(prefix="castline-bench-studio-"))
    try:
        ui, direct, width = scrub(scratch)
        studio_s, command_s, bare_s, welcome_s = startup(scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    label = f"preview_frame direct, {width} px"
    return [
        Figure(
            f"scrub latency p50 ({POSITIONS} positions, {width} px)",
            percentile(ui, 50),
            "ms",
            percentile(direct, 50),
            label,
        ),
        Figure(
            f"scrub latency p95 ({POSITIONS} positions, {width} px)",
            percentile(ui, 95),
            "ms",
            percentile(direct, 95),
            label,
            "< 80 ms",
        ),
        Figure(
            "start-up to a shown window (example project)",
            studio_s,
            "s",
            bare_s,
            "bare PySide6 window",
        ),
        Figure("  of which: studio command to shown window", command_s, "s"),
        Figure(
            "start-up to the welcome page (no script given)",
            welcome_s,
            "s",
            bare_s,
            "bare PySide6 window",
        ),
    ]
