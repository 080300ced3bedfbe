"""Store and cache failures: one clear line naming the file and the fix, for every command.

A damaged database, a dropped table and a full data folder each once surfaced as an
internal error or dumped SQL; a damaged cached WAV was called a cache hit and then
failed every render. The full disk is simulated honestly where tests run as root (which
ignores folder permissions): the command runs in a child process whose file-size limit
(RLIMIT_FSIZE) is below the speech file it must write, so the write fails with EFBIG
exactly as a full disk fails with ENOSPC, through the same code.
"""

from __future__ import annotations

import hashlib
import os
import resource
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from app.cli import main
from app.engine import paths
from app.engine.store import Store

ROOT = Path(__file__).resolve().parents[3]
SCRIPT = "---\ntitle: T\n---\n\n## One\n\nHello there, this is a line of speech.\n"


@pytest.fixture
def script(tmp_path: Path) -> Path:
    path = tmp_path / "video.md"
    path.write_text(SCRIPT)
    return path


def _commands(script: Path, tmp_path: Path) -> list[list[str]]:
    """Every command that opens the store, on the same little script."""
    return [
        ["synth", str(script)],
        ["render", str(script), "-o", str(tmp_path / "out.mp4"), "--offline"],
        ["speak", "hello", "--voice", "local/joe", "-o", str(tmp_path / "out.wav")],
        ["visuals", str(script)],
    ]


def _one_clear_line(err: str, *words: str) -> None:
    assert "internal error" not in err and "Traceback" not in err, err
    assert "SELECT" not in err and "[SQL" not in err, err
    lines = [ln for ln in err.splitlines() if ln.startswith("castline: error:")]
    assert len(lines) == 1, err
    for word in words:
        assert word in lines[0], err


def test_a_damaged_database_is_one_line_for_every_command(
    script: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = paths.data_dir() / "castline.db"
    db.write_bytes(os.urandom(8192))
    for argv in _commands(script, tmp_path):
        assert main(argv) == 1, argv
        _one_clear_line(capsys.readouterr().err, str(db), "move it aside")


def test_a_dropped_table_is_one_line_for_every_command(
    script: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    Store.open().close()
    db = paths.data_dir() / "castline.db"
    with sqlite3.connect(db) as conn:
        conn.execute("DROP TABLE media_cache")
    for argv in _commands(script, tmp_path)[:3]:  # the commands that read the speech cache
        assert main(argv) == 1, argv
        _one_clear_line(capsys.readouterr().err, str(db), "no such table", "restore")


def _limit_file_size() -> None:
    # A 64 KiB file-size limit: the database (already made) still takes its few small
    # writes, the seconds-long speech WAV cannot be written. Python ignores SIGXFSZ, so
    # the write fails with EFBIG instead of killing the process.
    resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, 64 * 1024))


def test_a_full_data_folder_names_the_folder_and_says_free_space(script: Path) -> None:
    Store.open().close()  # made before the limit, as on a disk that filled up later
    proc = subprocess.run(
        [sys.executable, "main.py", "synth", str(script)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        preexec_fn=_limit_file_size,
        check=False,
    )
    assert proc.returncode == 1, proc.stderr
    _one_clear_line(proc.stderr, str(paths.assets_dir()), "free space")


def _wavs() -> list[Path]:
    return sorted(paths.assets_dir().rglob("*.wav"))


def test_a_damaged_cached_wav_is_made_again(
    script: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["synth", str(script)]) == 0
    (wav,) = _wavs()
    good = wav.read_bytes()
    damaged = bytearray(good)
    damaged[len(good) // 2 : len(good) // 2 + 64] = bytes(64)  # same size, bytes lost
    wav.write_bytes(bytes(damaged))
    capsys.readouterr()
    assert main(["synth", str(script)]) == 0
    out = capsys.readouterr().out
    assert "synthesized: 1" in out and "cache hits:  0" in out, out
    assert hashlib.sha256(wav.read_bytes()).hexdigest() == wav.stem
    assert main(["synth", str(script)]) == 0
    assert "cache hits:  1" in capsys.readouterr().out
