"""Files exchanged through a shared folder (NFS, SMB, a synced disk) that every worker mounts.

A path inside the shared folder travels as a path relative to it, because each machine
may mount it elsewhere; a script outside it is staged into ``inputs/<sha256>/`` first
(content-addressed, so the same script is copied once). Every file is written under a
temporary name in its final folder and renamed into place, so no reader on any machine
ever sees half a file under a final name.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from app.engine import files
from app.engine.store.assets import StagedFile

SHARED_DIR_ENV = "CASTLINE_SHARED_DIR"
"""Where a worker finds the shared folder (set by ``castline worker --shared-dir``)."""


def copy_atomic(source: Path, dest: Path) -> Path:
    """Copy ``source`` to ``dest`` through a temporary name beside it, then rename."""
    with files.replacing(dest, dest.suffix) as tmp:
        shutil.copyfile(source, tmp)
    return dest


class SharedDir:
    """The shared folder as this machine mounts it."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()

    @classmethod
    def from_env(cls) -> SharedDir | None:
        """The worker's shared folder, when it was started with one."""
        root = os.environ.get(SHARED_DIR_ENV)
        return cls(Path(root)) if root else None

    @property
    def assets(self) -> Path:
        """Content-addressed assets every worker shares (named by hash, so writers never clash)."""
        return self.root / "assets"

    def relative(self, path: Path) -> str | None:
        """``path`` relative to the shared folder, or None when it lies outside."""
        try:
            return path.resolve().relative_to(self.root).as_posix()
        except ValueError:
            return None

    def stage_input(self, script: Path) -> str:
        """The script's path as the workers see it: staged into ``inputs/`` when outside."""
        return self.stage_file(script, "inputs")

    def stage_file(self, path: Path, folder: str) -> str:
        """``path`` as the workers see it: itself when inside the shared folder, else a copy
        placed in ``folder/<sha256>/NAME`` (by content, so the same file travels once)."""
        inside = self.relative(path)
        if inside is not None:
            return inside
        staged = StagedFile(self.root / folder, path)
        final = self.root / folder / staged.sha256 / path.name
        staged.place(final)
        return final.relative_to(self.root).as_posix()

    def output_for(self, batch_id: str, output: Path) -> str:
        """Where a worker writes ``output``: itself when inside, else under ``outputs/<batch>/``."""
        inside = self.relative(output)
        if inside is not None:
            return inside
        return f"outputs/{batch_id}/{output.name}"

    def resolve(self, relative: str) -> Path:
        """A path a batch sent, on this machine."""
        path = (self.root / relative).resolve()
        if not path.is_relative_to(self.root):
            raise ValueError(f"{relative!r} lies outside the shared folder {self.root}")
        return path
