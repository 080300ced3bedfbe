"""Installed-app figures: the size of ``make package``'s bundle and how fast it starts.

Start-up is the wall time of ``castline --version`` (median of a few runs) from the
bundle, beside ``python main.py --version`` from the source tree in the same run, and
the same for the studio opened offscreen until its window is shown (``--smoke-test``):
the bundle unpacks nothing (one folder), so each pair should be close. Without a bundle
in dist/ there is nothing to measure and no figures are returned.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.bench.common import Figure

ROOT = Path(__file__).resolve().parents[2]
BUNDLE = ROOT / "dist" / "castline"
RUNS = 5


def bundle_executable() -> Path | None:
    exe = BUNDLE / ("castline.exe" if sys.platform == "win32" else "castline")
    return exe if exe.is_file() else None


def tree_mib(path: Path) -> tuple[float, int]:
    """MiB and number of the files under ``path`` (symbolic links neither followed nor counted)."""
    total = count = 0
    for folder, _, names in os.walk(path):
        for name in names:
            file = Path(folder, name)
            if not file.is_symlink():
                total += file.stat().st_size
                count += 1
    return total / 2**20, count


def median_wall_s(args: list[str], cwd: Path, env: dict[str, str]) -> float:
    """Median seconds from spawn to exit of ``args`` (one untimed warm-up run first)."""
    samples = []
    for i in range(RUNS + 1):
        t0 = time.perf_counter()
        subprocess.run(args, cwd=cwd, env=env, check=True, capture_output=True)
        if i:
            samples.append(time.perf_counter() - t0)
    return statistics.median(samples)


def run() -> list[Figure]:
    exe = bundle_executable()
    if exe is None:
        print(f"   no bundle at {BUNDLE}: run `make package` to measure it")
        return []
    size, files = tree_mib(BUNDLE)
    with tempfile.TemporaryDirectory(prefix="castline-bench-package-") as tmp:
        scratch = Path(tmp)
        env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
        env.update(
            QT_QPA_PLATFORM="offscreen",
            CASTLINE_DATA_DIR=str(scratch / "data"),
            CASTLINE_CACHE_DIR=str(scratch / "cache"),
            CASTLINE_CONFIG_DIR=str(scratch / "config"),
        )
        source = [sys.executable, str(ROOT / "main.py")]
        version = (
            median_wall_s([str(exe), "--version"], scratch, env),
            median_wall_s([*source, "--version"], scratch, env),
        )
        studio = (
            median_wall_s([str(exe), "studio", "--smoke-test"], scratch, env),
            median_wall_s([*source, "studio", "--smoke-test"], scratch, env),
        )
    return [
        Figure(f"bundle size (dist/castline, {files} files)", size, "MiB"),
        Figure(
            "bundle start-up, castline --version",
            version[0] * 1000,
            "ms",
            baseline=version[1] * 1000,
            baseline_label="python main.py --version",
        ),
        Figure(
            "bundle studio start-up to a shown window and exit",
            studio[0] * 1000,
            "ms",
            baseline=studio[1] * 1000,
            baseline_label="python main.py studio",
        ),
    ]
