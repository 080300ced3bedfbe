"""Ctrl+C or SIGTERM during ``render`` stops cleanly: exit 130 or 143, no file under the
final name, no temp left.

No clock decides when Ctrl+C is pressed: the kernel says when the encoder's temporary
file appears (inotify), the render is then stopped (SIGSTOP, confirmed by ``waitpid``)
so it cannot finish meanwhile, and Ctrl+C arrives as it is let go again.
"""

from __future__ import annotations

import ctypes
import os
import signal
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from tests.engine.render.conftest import FIXTURES

ROOT = Path(__file__).resolve().parents[3]
IN_CREATE = 0x100
_EVENT = struct.Struct("iIII")  # wd, mask, cookie, len; then the name (len bytes)


def _watch_creations(folder: Path) -> int:
    """An inotify descriptor that reports every file created in ``folder``."""
    libc = ctypes.CDLL(None, use_errno=True)
    fd = int(libc.inotify_init1(os.O_CLOEXEC))
    if fd < 0 or libc.inotify_add_watch(fd, os.fsencode(folder), IN_CREATE) < 0:
        raise OSError(ctypes.get_errno(), "inotify is not available")
    return fd


def _wait_for_created(fd: int, fragment: str) -> str:
    """Block until a file whose name holds ``fragment`` is created; returns its name."""
    while True:
        data = os.read(fd, 4096)
        offset = 0
        while offset < len(data):
            _wd, _mask, _cookie, length = _EVENT.unpack_from(data, offset)
            start = offset + _EVENT.size
            name = data[start : start + length].rstrip(b"\0").decode()
            offset = start + length
            if fragment in name:
                return name


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="inotify and SIGSTOP: Linux")
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
    watch = _watch_creations(out_dir)
    err_path = tmp_path / "stderr.txt"
    with err_path.open("wb") as err_file:
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
            stdout=subprocess.DEVNULL,
            stderr=err_file,  # a file, not a pipe: an unread pipe could stall the render
        )
        try:
            # The encoder's temporary file is created just before the first frame is drawn.
            part = _wait_for_created(watch, ".part")
            proc.send_signal(signal.SIGSTOP)
            _, status = os.waitpid(proc.pid, os.WUNTRACED)
            assert os.WIFSTOPPED(status), "the render ended before it could be stopped"
            assert (out_dir / part).exists() and not (out_dir / "v.mp4").exists()
            proc.send_signal(stop)  # pending while stopped: handled on waking
            proc.send_signal(signal.SIGCONT)
            proc.wait()
        finally:
            os.close(watch)
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    err = err_path.read_bytes()
    assert proc.returncode == code, err.decode(errors="replace")[-500:]
    assert b"Traceback" not in err
    assert sorted(p.name for p in out_dir.iterdir()) == []
