"""Content-addressed media files: each file is named by the sha256 of its bytes.

Files live in a two-level fan-out (``ab/abcdef….wav``) so no folder grows huge. A file
is written under a temporary name in the same folder tree and renamed into place only
when complete, so a crash never leaves a truncated file under a final name, and two
writers of the same bytes simply produce the same file.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
from pathlib import Path

from app.engine.files import commit, temp_beside

_CHUNK = 1 << 20
_SUFFIX = re.compile(r"^\.[A-Za-z0-9]{1,10}$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
INCOMING = "incoming"
"""Staged files are ``.incoming.XXXXXXXX.part`` under the store's root until placed."""


def normalise_suffix(suffix: str) -> str:
    """``"WAV"``, ``".wav"`` -> ``".wav"``; empty stays empty; anything path-like is refused."""
    suffix = suffix.strip()
    if not suffix:
        return ""
    if not suffix.startswith("."):
        suffix = "." + suffix
    if not _SUFFIX.match(suffix):
        raise ValueError(
            f"asset suffix {suffix!r} is not a file extension: use letters and digits, e.g. '.wav'"
        )
    return suffix.lower()


def is_sha256(text: str) -> bool:
    """True for a 64-character lowercase hex digest."""
    return bool(_SHA256.match(text))


def asset_path(root: Path, sha256: str, suffix: str) -> Path:
    """Where the asset with this digest lives under ``root``."""
    return root / sha256[:2] / f"{sha256}{suffix}"


def intact(path: Path, sha256: str) -> bool:
    """True when ``path`` exists and its bytes still hash to ``sha256``.

    A cached file is checked on every read: a disk error or a stray edit must lead to the
    file being made again, not to every render failing on it (or using it).
    """
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as f:
            while block := f.read(_CHUNK):
                digest.update(block)
    except OSError:
        return False
    return digest.hexdigest() == sha256


class StagedFile:
    """Bytes copied to a temporary file under ``root`` and hashed on the way.

    The caller looks the digest up, then :meth:`place`s the file under its final name
    (or drops it when that file exists already). :meth:`discard` is always safe to call.
    """

    def __init__(self, root: Path, source: Path | bytes) -> None:
        if not isinstance(source, bytes | bytearray | memoryview):
            source = Path(source)
            if not source.is_file():
                raise FileNotFoundError(f"cannot add asset: {source} is not a readable file")
        self.path = temp_beside(root / INCOMING)
        self.size = 0
        digest = hashlib.sha256()
        try:
            with open(self.path, "wb") as out:
                if isinstance(source, Path):
                    with open(source, "rb") as f:
                        while block := f.read(_CHUNK):
                            out.write(block)
                            digest.update(block)
                            self.size += len(block)
                else:
                    data = bytes(source)
                    out.write(data)
                    digest.update(data)
                    self.size = len(data)
        except BaseException:
            self.discard()
            raise
        self.sha256 = digest.hexdigest()

    def place(self, final: Path) -> None:
        """Move the file to ``final`` unless an intact copy is already there."""
        if intact(final, self.sha256):
            self.discard()
            return
        final.parent.mkdir(parents=True, exist_ok=True)
        commit([(self.path, final)])

    def discard(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
