"""The one atomic write: whole files or none, the permissions a user expects, no leftovers."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from app.engine.files import UMASK, part_files, replacing, write_bytes, write_text


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "notes.md"
    write_text(target, "one\n")
    with pytest.raises(OSError), replacing(target) as tmp:
        tmp.write_text("half")
        raise OSError(28, "No space left on device")
    assert target.read_text() == "one\n"
    assert os.listdir(tmp_path) == ["notes.md"]


def test_a_new_file_gets_the_usual_permissions_and_a_rewrite_keeps_the_old(tmp_path: Path) -> None:
    fresh = write_bytes(tmp_path / "a.bin", b"x")
    assert fresh.stat().st_mode & 0o777 == 0o666 & ~UMASK
    kept = tmp_path / "b.txt"
    kept.write_text("secret")
    kept.chmod(0o600)
    write_text(kept, "still secret")
    assert kept.stat().st_mode & 0o777 == 0o600 and kept.read_text() == "still secret"


def test_part_files_are_only_the_ones_made_for_that_path(tmp_path: Path) -> None:
    out = tmp_path / "v.mp4"
    with replacing(out, ".mp4") as tmp:
        with replacing(tmp_path / "v.mp4.srt") as other:
            assert part_files(out) == [tmp] and part_files(tmp_path / "v.mp4.srt") == [other]
        tmp.write_bytes(b"video")
    assert part_files(out) == [] and out.read_bytes() == b"video"
