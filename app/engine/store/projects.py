"""Projects, their script revisions, characters' voice profiles and saved timelines."""

from __future__ import annotations

import hashlib
import os
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from app.engine.store.base import StoreBase, bounded, json_dict, usd_to_micros
from app.engine.store.models import CharacterRow, Project, ScriptRevisionRow, TimelineRow, utcnow
from app.engine.store.records import MICROS_PER_USD, CharacterRecord, ProjectRecord, ScriptRevision

PROJECT_FIELDS = frozenset({"name", "script_path", "budget_usd"})


def _script_path(path: str | os.PathLike[str] | None) -> str | None:
    """Script paths are stored absolute, so a project is found from any working folder."""
    if path is None:
        return None
    return os.path.abspath(os.path.expanduser(os.fspath(path)))


DEFAULT_BUDGET_USD = 10.0
"""What a project may spend on voices and visuals together when nobody says otherwise."""


class ProjectsMixin(StoreBase):
    """Projects and what belongs to them, each edit committed as it happens."""

    # ------------------------------------------------------------------ projects

    @staticmethod
    def _project_record(row: Project) -> ProjectRecord:
        return ProjectRecord(
            id=row.id,
            name=row.name,
            script_path=row.script_path,
            budget_usd=row.budget_micro_usd / MICROS_PER_USD,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )

    @staticmethod
    def _check_name(name: str) -> str:
        name = name.strip()
        if not name:
            raise ValueError("a project needs a name")
        return bounded(name, Project.name, "the project name")

    @staticmethod
    def _check_script_path(path: str | os.PathLike[str] | None) -> str | None:
        absolute = _script_path(path)
        return (
            None if absolute is None else bounded(absolute, Project.script_path, "the script path")
        )

    @staticmethod
    def _budget_micros(budget_usd: float) -> int:
        micros = usd_to_micros(budget_usd)
        if micros < 0:
            raise ValueError(f"a budget cannot be negative (got {budget_usd!r} dollars)")
        return micros

    def create_project(
        self, name: str, script_path: str | os.PathLike[str] | None, budget_usd: float = 10.0
    ) -> ProjectRecord:
        """A new project; ``script_path`` is stored absolute."""
        now = utcnow()
        row = Project(
            id=str(uuid.uuid4()),
            name=self._check_name(name),
            script_path=self._check_script_path(script_path),
            budget_micro_usd=self._budget_micros(budget_usd),
            created_at=now,
            updated_at=now,
        )
        with self._write() as session:
            session.add(row)
            session.flush()
            return self._project_record(row)

    def get_project(self, project_id: str) -> ProjectRecord | None:
        with self._read() as session:
            row = session.get(Project, project_id)
            return self._project_record(row) if row is not None else None

    def find_project_by_script(self, path: str | os.PathLike[str]) -> ProjectRecord | None:
        """The most recently edited project made from this script file, if any."""
        wanted = _script_path(path)
        with self._read() as session:
            row = session.scalars(
                select(Project)
                .where(Project.script_path == wanted)
                .order_by(Project.updated_at.desc(), Project.id)
                .limit(1)
            ).first()
            return self._project_record(row) if row is not None else None

    def project_budget(
        self,
        *,
        project_id: str | None,
        script_path: str | None,
        title: str,
        script_budget: float | None,
        override: float | None = None,
    ) -> tuple[ProjectRecord | None, float]:
        """The project a run is charged to (created for a new script) and its budget.

        One rule for voices and visuals alike, so one budget covers both: an explicit
        ``override`` (``--budget``), else the script's ``budget:``, else the project's
        stored budget, else the default. ``KeyError`` names a project id that does not exist.
        """
        project: ProjectRecord | None = None
        if project_id:
            project = self.get_project(project_id)
            if project is None:
                raise KeyError(project_id)
        elif script_path:
            project = self.find_project_by_script(script_path)
            if project is None:
                project = self.create_project(
                    title or Path(script_path).stem,
                    script_path,
                    budget_usd=DEFAULT_BUDGET_USD if script_budget is None else script_budget,
                )
        if override is not None:
            budget = override
        elif script_budget is not None:
            budget = script_budget
        elif project is not None:
            budget = project.budget_usd
        else:
            budget = DEFAULT_BUDGET_USD
        return project, budget

    def recent_projects(self, limit: int = 10) -> list[ProjectRecord]:
        """Projects, most recently edited first."""
        with self._read() as session:
            rows = session.scalars(
                select(Project).order_by(Project.updated_at.desc(), Project.id).limit(limit)
            )
            return [self._project_record(r) for r in rows]

    def update_project(self, project_id: str, **fields: Any) -> ProjectRecord:
        """Change ``name``, ``script_path`` or ``budget_usd``; returns the updated project."""
        unknown = set(fields) - PROJECT_FIELDS
        if unknown:
            raise ValueError(
                f"cannot update project field(s) {', '.join(sorted(unknown))}; "
                f"allowed: {', '.join(sorted(PROJECT_FIELDS))}"
            )
        with self._write() as session:
            row = self._project_row(session, project_id)
            if "name" in fields:
                row.name = self._check_name(fields["name"])
            if "script_path" in fields:
                row.script_path = self._check_script_path(fields["script_path"])
            if "budget_usd" in fields:
                row.budget_micro_usd = self._budget_micros(fields["budget_usd"])
            row.updated_at = utcnow()
            session.flush()
            return self._project_record(row)

    # ----------------------------------------------------------- script revisions

    def save_script_revision(self, project_id: str, text: str) -> int:
        """Keep this script text; a new revision only when it differs from the latest.

        Returns the id of the revision holding ``text`` (new or unchanged latest).
        """
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        with self._write() as session:
            self._project_row(session, project_id)
            latest = session.scalars(
                select(ScriptRevisionRow)
                .where(ScriptRevisionRow.project_id == project_id)
                .order_by(ScriptRevisionRow.id.desc())
                .limit(1)
            ).first()
            if latest is not None and latest.sha256 == digest and latest.text == text:
                return latest.id
            row = ScriptRevisionRow(
                project_id=project_id, text=text, sha256=digest, created_at=utcnow()
            )
            session.add(row)
            self._touch(session, project_id)
            session.flush()
            return row.id

    def latest_script_revision(self, project_id: str) -> ScriptRevision | None:
        with self._read() as session:
            row = session.scalars(
                select(ScriptRevisionRow)
                .where(ScriptRevisionRow.project_id == project_id)
                .order_by(ScriptRevisionRow.id.desc())
                .limit(1)
            ).first()
            if row is None:
                return None
            return ScriptRevision(
                id=row.id, project_id=row.project_id, text=row.text, created_at=row.created_at
            )

    def script_revision_count(self, project_id: str) -> int:
        """How many distinct saves the script has had (for history views)."""
        with self._read() as session:
            count = session.scalar(
                select(func.count())
                .select_from(ScriptRevisionRow)
                .where(ScriptRevisionRow.project_id == project_id)
            )
            return int(count or 0)

    # ---------------------------------------------------------------- characters

    def set_character(
        self,
        project_id: str,
        name: str,
        voice: str,
        fallback: list[str],
        settings: dict[str, Any],
    ) -> None:
        """Create or replace a character's voice profile."""
        name = name.strip()
        if not name:
            raise ValueError("a character needs a name")
        bounded(name, CharacterRow.name, "the character name")
        bounded(voice, CharacterRow.voice, f"the voice of {name!r}")
        if not all(isinstance(v, str) for v in fallback):
            raise ValueError("fallback voices must be names like 'local/joe'")
        fallback_list = [str(v) for v in fallback]
        settings_dict = json_dict(settings, f"voice settings for {name!r}")
        with self._write() as session:
            self._project_row(session, project_id)
            row = session.scalars(
                select(CharacterRow).where(
                    CharacterRow.project_id == project_id, CharacterRow.name == name
                )
            ).first()
            now = utcnow()
            if row is None:
                session.add(
                    CharacterRow(
                        project_id=project_id,
                        name=name,
                        voice=voice,
                        fallback=fallback_list,
                        settings=settings_dict,
                        updated_at=now,
                    )
                )
            else:
                row.voice = voice
                row.fallback = fallback_list
                row.settings = settings_dict
                row.updated_at = now
            self._touch(session, project_id)

    def characters(self, project_id: str) -> list[CharacterRecord]:
        """The project's characters, in the order they were first set."""
        with self._read() as session:
            rows = session.scalars(
                select(CharacterRow)
                .where(CharacterRow.project_id == project_id)
                .order_by(CharacterRow.id)
            )
            return [
                CharacterRecord(
                    project_id=r.project_id,
                    name=r.name,
                    voice=r.voice,
                    fallback=list(r.fallback),
                    settings=dict(r.settings),
                    updated_at=r.updated_at,
                )
                for r in rows
            ]

    # ----------------------------------------------------------------- timelines

    def save_timeline(self, project_id: str, data: dict[str, Any]) -> None:
        """Store the project's timeline (JSON); the latest save wins."""
        data_dict = json_dict(data, "timeline data")
        with self._write() as session:
            self._project_row(session, project_id)
            row = session.get(TimelineRow, project_id)
            now = utcnow()
            if row is None:
                session.add(TimelineRow(project_id=project_id, data=data_dict, updated_at=now))
            else:
                row.data = data_dict
                row.updated_at = now
            self._touch(session, project_id)

    def load_timeline(self, project_id: str) -> dict[str, Any] | None:
        with self._read() as session:
            row = session.get(TimelineRow, project_id)
            return dict(row.data) if row is not None else None

    def timeline_updated_at(self, project_id: str) -> datetime | None:
        """When the timeline was last saved (to tell whether it is older than the script)."""
        with self._read() as session:
            row = session.get(TimelineRow, project_id)
            return row.updated_at if row is not None else None
