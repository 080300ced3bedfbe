"""The open project: its script file, its row in the store, and autosave.

Every edit of the text becomes a script revision in the store (debounced, and flushed
on every undo step and on close), so a crash or ``kill -9`` loses nothing: reopening
takes the store's revision when it is newer than the file on disk. The file itself is
written only on Save, atomically (temporary name, then rename).
"""

from __future__ import annotations

import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal

from app.engine import paths
from app.engine.store import Store
from app.engine.store.records import ProjectRecord

AUTOSAVE_MS = 300
NEW_SCRIPT = """---
title: Untitled video
characters:
  NARRATOR: { voice: VOICE }
---

# Untitled video

## First scene

Write what the narrator says here.
"""


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to a temporary file beside ``path`` and rename it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _utc_timestamp(when: datetime) -> float:
    return (when if when.tzinfo else when.replace(tzinfo=UTC)).timestamp()


class ProjectSession(QObject):
    """One open project. ``text`` is what the editor shows; the store always has it too."""

    opened = Signal(str)
    """The text to show after opening (the file, or the store's newer revision)."""
    autosaved = Signal(int)
    saved = Signal(str)
    modified_changed = Signal(bool)

    def __init__(self, store: Store, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.project: ProjectRecord | None = None
        self.script_path: Path | None = None
        self.recovered = False
        self._pending: str | None = None
        self._file_text = ""
        self._modified = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(AUTOSAVE_MS)
        self._timer.timeout.connect(self.flush)

    # -- opening ---------------------------------------------------------------------
    def open_script(self, path: Path) -> str:
        """Open (or register) the project for ``path`` and return the text to edit."""
        self.flush()
        path = path.expanduser().resolve()
        file_text = path.read_text(encoding="utf-8")
        project = self.store.find_project_by_script(str(path))
        if project is None:
            project = self.store.create_project(
                path.stem if path.stem != "script" else path.parent.name, str(path)
            )
        text = file_text
        self.recovered = False
        revision = self.store.latest_script_revision(project.id)
        newer = revision is not None and _utc_timestamp(revision.created_at) >= path.stat().st_mtime
        if revision is not None and revision.text != file_text and newer:
            text = revision.text
            self.recovered = True
        self.project = project
        self.script_path = path
        self._file_text = file_text
        self.store.save_script_revision(project.id, text)
        self.store.update_project(project.id, name=project.name)
        self._set_modified(text != file_text)
        self.opened.emit(text)
        return text

    def new_project(self, voice: str = "local/joe") -> str:
        """Create ``Untitled N/script.md`` in the user's projects folder and open it."""
        root = paths.data_dir() / "projects"
        n = 1
        while (root / f"Untitled {n}").exists():
            n += 1
        path = root / f"Untitled {n}" / "script.md"
        write_atomically(path, NEW_SCRIPT.replace("VOICE", voice))
        return self.open_script(path)

    # -- editing ---------------------------------------------------------------------
    def note_edit(self, text: str) -> None:
        """Remember the newest text; it reaches the store within AUTOSAVE_MS."""
        self._pending = text
        self._set_modified(text != self._file_text)
        self._timer.start()

    def flush(self) -> None:
        """Write any pending text to the store now (undo steps and close call this)."""
        self._timer.stop()
        if self._pending is None or self.project is None:
            return
        text, self._pending = self._pending, None
        rev = self.store.save_script_revision(self.project.id, text)
        self.autosaved.emit(rev)

    # -- saving ----------------------------------------------------------------------
    def save(self, text: str, path: Path | None = None) -> Path:
        """Write the script file atomically (to ``path`` for Save As) and record it."""
        if self.project is None or self.script_path is None:
            raise RuntimeError("no project is open")
        target = (path or self.script_path).expanduser().resolve()
        write_atomically(target, text)
        if target != self.script_path:
            self.script_path = target
            self.store.update_project(self.project.id, script_path=str(target), name=target.stem)
            self.project = self.store.get_project(self.project.id) or self.project
        self._pending = text
        self.flush()
        self._file_text = text
        self._set_modified(False)
        self.saved.emit(str(target))
        return target

    @property
    def modified(self) -> bool:
        return self._modified

    def _set_modified(self, value: bool) -> None:
        if value != self._modified:
            self._modified = value
            self.modified_changed.emit(value)

    def recent(self, limit: int = 10) -> list[ProjectRecord]:
        return [p for p in self.store.recent_projects(limit) if p.script_path]
