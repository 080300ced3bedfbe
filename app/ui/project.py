"""The open project: its script file, its row in the store, and autosave.

Every edit of the text becomes a script revision in the store (debounced, and flushed
on every undo step and on close), so a crash or ``kill -9`` loses nothing: reopening
takes the store's revision when it is newer than the file on disk. The file itself is
written only on Save, atomically (temporary name, then rename), keeping its permissions.

A new project starts as a draft: a project in the store with no file yet. Its folder is
chosen the first time it is saved.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal

from app.engine.files import write_text
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


class NotAScript(ValueError):
    """A file that is not text (a picture, an archive...) was opened as a script."""


def read_script(path: Path) -> str:
    """The text of a script file; ``NotAScript`` with a plain reason for anything else."""
    data = path.read_bytes()
    if b"\x00" in data[:8192]:
        raise NotAScript(
            f"{path.name} is not a text file (it holds binary data, like a picture or an "
            "archive): open a Markdown script, a .md file"
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise NotAScript(
            f"{path.name} is not a text file in UTF-8 (line {line} has bytes that are not "
            "text): save it as UTF-8 in your editor, or open a Markdown script"
        ) from None


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
        """Open (or register) the project for ``path`` and return the text to edit.

        Raises ``NotAScript`` for a file that is not text, ``OSError`` when unreadable.
        """
        path = path.expanduser().resolve()
        file_text = read_script(path)
        self.flush()
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

    def new_project(self, voice: str = "local/joe", text: str | None = None) -> str:
        """Start a draft: a project in the store with no file until it is first saved.

        ``text`` is a template's script (``VOICE`` in it becomes ``voice``).
        """
        self.flush()
        body = (text or NEW_SCRIPT).replace("VOICE", voice)
        project = self.store.create_project("Untitled video", None)
        self.store.save_script_revision(project.id, body)
        self.project = project
        self.script_path = None
        self.recovered = False
        self._file_text = body
        self._set_modified(False)
        self.opened.emit(body)
        return body

    def open_draft(self, project: ProjectRecord) -> str:
        """Reopen a draft (a project never saved to a file) with its last text."""
        self.flush()
        revision = self.store.latest_script_revision(project.id)
        text = revision.text if revision is not None else NEW_SCRIPT
        self.project = project
        self.script_path = None
        self.recovered = False
        self._file_text = ""
        self._set_modified(True)
        self.opened.emit(text)
        return text

    @property
    def is_draft(self) -> bool:
        """A new project that has no file yet (Save asks where its folder goes)."""
        return self.project is not None and self.script_path is None

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
        if self.project is None:
            raise RuntimeError("no project is open")
        chosen = path or self.script_path
        if chosen is None:
            raise RuntimeError("a draft needs a file to be saved to")
        target = chosen.expanduser().resolve()
        write_text(target, text)
        if target != self.script_path:
            self.script_path = target
            name = target.stem if target.stem != "script" else target.parent.name
            self.store.update_project(self.project.id, script_path=str(target), name=name)
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

    def drafts(self, limit: int = 5) -> list[ProjectRecord]:
        """New projects never saved to a file, newest first (their text is in the store)."""
        found = [
            p
            for p in self.store.recent_projects(limit * 4)
            if not p.script_path and self.store.script_revision_count(p.id) > 1
        ]
        return found[:limit]
