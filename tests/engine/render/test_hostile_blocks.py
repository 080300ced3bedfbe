"""Blocks too big for any window render, cut, with a warning, in bounded memory.

A 200 KB single line and 10,000 lines of output go through the real command line in a
child process; its own peak memory is read from the kernel, never from the clock.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import av
import pytest

ROOT = Path(__file__).resolve().parents[3]

pytestmark = pytest.mark.slow


def _hostile_script(folder: Path) -> Path:
    long_line = "x" * 200_000
    many = "\n".join(f"line {i} of the output" for i in range(10_000))
    text = (
        "---\ntitle: Hostile blocks\n---\n\n## Huge\n\nA very long line follows.\n\n"
        f"```terminal\n$ cat big.log\n{long_line}\n```\n\n"
        "And now ten thousand lines.\n\n"
        f"```terminal\n$ seq 10000\n{many}\n```\n\nThat was a lot.\n"
    )
    path = folder / "hostile.md"
    path.write_text(text, encoding="utf-8")
    return path


def test_huge_blocks_render_cut_with_a_warning_in_bounded_memory(tmp_path: Path) -> None:
    script = _hostile_script(tmp_path)
    out = tmp_path / "hostile.mp4"
    env = dict(os.environ)
    env.update(
        CASTLINE_DATA_DIR=str(tmp_path / "data"),
        CASTLINE_CACHE_DIR=str(tmp_path / "cache"),
        CASTLINE_CONFIG_DIR=str(tmp_path / "config"),
    )
    proc = subprocess.Popen(
        [
            sys.executable,
            "main.py",
            "render",
            str(script),
            "-o",
            str(out),
            "--preset",
            "preview",
            "--offline",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    _, stderr = proc.communicate()
    assert proc.returncode == 0, stderr.decode(errors="replace")[-2000:]
    err = stderr.decode(errors="replace")
    # each cut is a warning on the block's own line, naming what was left out
    assert f"{script}:9:" in err and "200,000 characters" in err
    assert f"{script}:16:" in err and "omitted" in err
    with av.open(str(out)) as container:
        assert container.streams.video and container.streams.audio
        assert float(container.duration or 0) / av.time_base > 5


def test_huge_blocks_keep_memory_bounded(tmp_path: Path) -> None:
    """Peak resident memory of a child that lays out and draws the hostile blocks."""
    script = _hostile_script(tmp_path)
    code = (
        "import sys\n"
        "from app.engine.script import parse_file\n"
        "from app.engine.timeline import auto_layout\n"
        "from app.engine.render.compositor import Compositor\n"
        "tl = auto_layout(parse_file(sys.argv[1]), None, width=1920, height=1080)\n"
        "comp = Compositor(tl)\n"
        "for n in range(0, tl.duration, max(1, tl.duration // 40)):\n"
        "    comp.frame(n)\n"
        "print(next(l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM:')))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(script)], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr[-2000:]
    peak_mib = int(result.stdout.strip().splitlines()[-1]) / 1024
    assert peak_mib < 1024, f"peak RSS {peak_mib:.0f} MiB"
