"""Ctrl+C or SIGTERM during ``render`` stops cleanly: exit 130 or 143, no file under the
final name, no temp left."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.engine.render.conftest import FIXTURES

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.slow
@pytest.mark.parametrize(("stop", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_ctrl_c_or_sigterm_mid_render_leaves_nothing(
    tmp_path: Path, stop: signal.Signals, code: int
) -> None:
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    env = dict(
        os.environ,
        CASTLINE_DATA_DIR=str(tmp_path / "data"),
        CASTLINE_CACHE_DIR=str(tmp_path / "cache"),
        CASTLINE_CONFIG_DIR=str(tmp_path / "config"),
    )
    proc = subprocess.Popen(
        [
            sys.executable,
            "main.py",
            "render",
            str(FIXTURES / "short.md"),
            "-o",
            str(out_dir / "v.mp4"),
            "--offline",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        # The progress bar on stderr is the clock: once the encoder's temporary file is
        # there and another frame has been reported, press Ctrl+C.
        assert proc.stderr is not None
        seen = b""
        while proc.poll() is None:
            chunk = proc.stderr.read1(256)  # type: ignore[attr-defined]
            if not chunk:
                break
            seen += chunk
            if b"rendering" in seen[-4096:] and any(".part" in p.name for p in out_dir.iterdir()):
                break
        assert proc.poll() is None, "the render finished before it could be interrupted"
        proc.send_signal(stop)
        _, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == code, err.decode(errors="replace")[-500:]
    assert b"Traceback" not in err
    assert sorted(p.name for p in out_dir.iterdir()) == []
