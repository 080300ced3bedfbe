"""The project store: projects, scripts, voices, media, caches, money and history.

Every method runs in its own short session and commits before it returns, so an edit
is on disk the moment the call ends and a crash loses nothing already done. The store
is safe to share between threads (voice synthesis writes from several at once): on
SQLite, writes from this process take turns on a lock and begin with ``BEGIN
IMMEDIATE``; other processes wait on SQLite's busy timeout. Methods hand out frozen
records (``records.py``), never live ORM rows.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import threading
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from app.engine import paths
from app.engine.store import assets as files
from app.engine.store.database import (
    create_store_engine,
    default_url,
    is_memory_sqlite,
    migrate,
    writer,
)
from app.engine.store.models import (
    AudioCacheRow,
    AuditLogRow,
    CharacterRow,
    CostLedgerRow,
    MediaAsset,
    Project,
    ScriptRevisionRow,
    TimelineRow,
    VisualCacheRow,
    utcnow,
)
from app.engine.store.records import (
    MICROS_PER_USD,
    AssetRecord,
    AudioCacheEntry,
    AuditEntry,
    CharacterRecord,
    LedgerEntry,
    ProjectRecord,
    ScriptRevision,
    VisualCacheEntry,
)

_T = TypeVar("_T")

PROJECT_FIELDS = frozenset({"name", "script_path", "budget_usd"})


class StoreClosedError(RuntimeError):
    """The store was used after :meth:`Store.close`."""


class UnknownProjectError(LookupError):
    """A project id that is not in the store."""

    def __init__(self, project_id: str) -> None:
        super().__init__(f"no project with id {project_id!r} in the store")
        self.project_id = project_id


class UnknownAssetError(LookupError):
    """A cache entry named an asset that was never added with :meth:`Store.add_asset`."""

    def __init__(self, sha256: str) -> None:
        super().__init__(f"no media asset {sha256!r} in the store; add the file with add_asset first")
        self.sha256 = sha256


def usd_to_micros(usd: float | Decimal | int) -> int:
    """Dollars to integer micro-dollars, rounded half-even from the decimal the user sees."""
    if isinstance(usd, float) and not math.isfinite(usd):
        raise ValueError(f"a cost must be a finite number of dollars, not {usd!r}")
    amount = usd if isinstance(usd, Decimal) else Decimal(str(usd))
    return int((amount * MICROS_PER_USD).to_integral_value(rounding=ROUND_HALF_EVEN))


def _json_copy(value: Any, what: str) -> Any:
    """A plain-JSON deep copy, so what is returned now equals what is read back later."""
    try:
        return json.loads(json.dumps(value, allow_nan=False))
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{what} must be plain JSON data (dicts, lists, str, numbers): {exc}") from exc


def _json_dict(value: dict[str, Any] | None, what: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ValueError(f"{what} must be a dict, not {type(value).__name__}")
    copied: dict[str, Any] = _json_copy(value, what)
    return copied


def _optional_count(value: int | None, what: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{what} must be a whole number >= 0, not {value!r}")
    return value


def _script_path(path: str | os.PathLike[str] | None) -> str | None:
    """Script paths are stored absolute, so a project is found from any working folder."""
    if path is None:
        return None
    return os.path.abspath(os.path.expanduser(os.fspath(path)))


class Store:
    """The project database plus the content-addressed asset folder beside it."""

    def __init__(self, engine: Engine, assets_root: Path) -> None:
        self._engine = engine
        self._assets_root = assets_root
        self._reads = sessionmaker(engine, expire_on_commit=False)
        self._writes = sessionmaker(writer(engine), expire_on_commit=False)
        sqlite = engine.dialect.name == "sqlite"
        memory = sqlite and is_memory_sqlite(engine.url.render_as_string(hide_password=False))
        # SQLite has one writer at a time: threads of this process queue here rather than
        # spin on the busy timeout. An in-memory database is one shared connection, so
        # its readers queue too.
        self._write_lock: contextlib.AbstractContextManager[Any] = (
            threading.RLock() if sqlite else contextlib.nullcontext()
        )
        self._read_lock: contextlib.AbstractContextManager[Any] = (
            self._write_lock if memory else contextlib.nullcontext()
        )
        self._closed = False

    # ----------------------------------------------------------------- lifecycle

    @classmethod
    def open(cls, url: str | None = None, *, assets_dir: Path | None = None) -> Store:
        """Open (creating and migrating as needed) the store at ``url``.

        ``url`` defaults to ``CASTLINE_DATABASE_URL`` or the SQLite file in the data
        folder; assets go to ``assets_dir`` or ``paths.assets_dir()``.
        """
        engine = create_store_engine(url or default_url())
        try:
            migrate(engine)
        except BaseException:
            engine.dispose()
            raise
        return cls(engine, assets_dir if assets_dir is not None else paths.assets_dir())

    def close(self) -> None:
        """Release every database connection; the store cannot be used afterwards."""
        if not self._closed:
            self._closed = True
            self._engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    @property
    def engine(self) -> Engine:
        """The SQLAlchemy engine (for diagnostics and tests; use the methods to edit)."""
        return self._engine

    @property
    def assets_root(self) -> Path:
        """The folder holding the content-addressed media files."""
        return self._assets_root

    @contextlib.contextmanager
    def _read(self) -> Iterator[Session]:
        if self._closed:
            raise StoreClosedError("the project store is closed")
        with self._read_lock, self._reads() as session:
            yield session

    @contextlib.contextmanager
    def _write(self) -> Iterator[Session]:
        """One write transaction, committed on success and rolled back on error."""
        if self._closed:
            raise StoreClosedError("the project store is closed")
        with self._write_lock, self._writes.begin() as session:
            yield session

    def _write_retrying(self, work: Callable[[Session], _T]) -> _T:
        """Run ``work`` in a write transaction; once more if a concurrent insert of the
        same key won the race (PostgreSQL, or another process), so it then updates."""
        try:
            with self._write() as session:
                return work(session)
        except IntegrityError:
            with self._write() as session:
                return work(session)

    @staticmethod
    def _project_row(session: Session, project_id: str) -> Project:
        row = session.get(Project, project_id)
        if row is None:
            raise UnknownProjectError(project_id)
        return row

    def _touch(self, session: Session, project_id: str) -> None:
        self._project_row(session, project_id).updated_at = utcnow()

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
        return name

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
            script_path=_script_path(script_path),
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
                row.script_path = _script_path(fields["script_path"])
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
            row = ScriptRevisionRow(project_id=project_id, text=text, sha256=digest, created_at=utcnow())
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
        if not all(isinstance(v, str) for v in fallback):
            raise ValueError("fallback voices must be names like 'local/joe'")
        fallback_list = [str(v) for v in fallback]
        settings_dict = _json_dict(settings, f"voice settings for {name!r}")
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

    # -------------------------------------------------------------- media assets

    def _asset_record(self, row: MediaAsset) -> AssetRecord:
        return AssetRecord(
            sha256=row.sha256,
            path=files.asset_path(self._assets_root, row.sha256, row.suffix),
            kind=row.kind,
            size=row.size,
            duration_ms=row.duration_ms,
            width=row.width,
            height=row.height,
            provenance=dict(row.provenance),
            created_at=row.created_at,
        )

    def add_asset(
        self,
        source: Path | bytes,
        kind: str,
        *,
        suffix: str = "",
        provenance: dict[str, Any] | None = None,
        duration_ms: int | None = None,
        width: int | None = None,
        height: int | None = None,
    ) -> AssetRecord:
        """Keep a media file (or bytes) under its sha256; the same content is kept once.

        Adding content that is already there returns the existing record (filling in a
        duration or size it lacked) and restores its file if it had gone missing.
        """
        kind = kind.strip()
        if not kind:
            raise ValueError("an asset needs a kind, e.g. 'audio', 'image', 'video'")
        suffix = files.normalise_suffix(suffix)
        prov = _json_dict(provenance, "asset provenance")
        duration_ms = _optional_count(duration_ms, "duration_ms")
        width = _optional_count(width, "width")
        height = _optional_count(height, "height")

        staged = files.StagedFile(self._assets_root, source)

        def keep(session: Session) -> AssetRecord:
            row = session.get(MediaAsset, staged.sha256)
            if row is None:
                row = MediaAsset(
                    sha256=staged.sha256,
                    kind=kind,
                    suffix=suffix,
                    size=staged.size,
                    duration_ms=duration_ms,
                    width=width,
                    height=height,
                    provenance=prov,
                    created_at=utcnow(),
                )
                session.add(row)
            else:
                if row.duration_ms is None:
                    row.duration_ms = duration_ms
                if row.width is None:
                    row.width = width
                if row.height is None:
                    row.height = height
            # The file is in place before the row commits: a row never points at a
            # missing file.
            staged.place(files.asset_path(self._assets_root, row.sha256, row.suffix))
            session.flush()
            return self._asset_record(row)

        try:
            return self._write_retrying(keep)
        finally:
            staged.discard()

    def get_asset(self, sha256: str) -> AssetRecord | None:
        with self._read() as session:
            row = session.get(MediaAsset, sha256)
            return self._asset_record(row) if row is not None else None

    # ---------------------------------------------------------------- caches

    def audio_cache_get(self, key: str) -> AudioCacheEntry | None:
        """The cached speech for ``key``, or None (also when its file has gone missing)."""
        with self._read() as session:
            found = session.execute(
                select(AudioCacheRow, MediaAsset.suffix)
                .join(MediaAsset, MediaAsset.sha256 == AudioCacheRow.asset_sha256)
                .where(AudioCacheRow.cache_key == key)
            ).first()
            if found is None:
                return None
            row, suffix = found
            entry = self._audio_entry(row, suffix)
        return entry if entry.path.is_file() else None

    def _audio_entry(self, row: AudioCacheRow, suffix: str) -> AudioCacheEntry:
        return AudioCacheEntry(
            key=row.cache_key,
            asset_sha256=row.asset_sha256,
            path=files.asset_path(self._assets_root, row.asset_sha256, suffix),
            provider=row.provider,
            voice=row.voice,
            num_samples=row.num_samples,
            meta=dict(row.meta),
            created_at=row.created_at,
        )

    def audio_cache_put(
        self,
        key: str,
        asset_sha256: str,
        *,
        provider: str,
        voice: str,
        num_samples: int,
        meta: dict[str, Any],
    ) -> AudioCacheEntry:
        """Remember generated speech under ``key`` (replacing any older entry)."""
        if _optional_count(num_samples, "num_samples") is None:
            raise ValueError("num_samples is required")
        meta_dict = _json_dict(meta, "audio cache meta")

        def put(session: Session) -> AudioCacheEntry:
            asset = session.get(MediaAsset, asset_sha256)
            if asset is None:
                raise UnknownAssetError(asset_sha256)
            row = session.get(AudioCacheRow, key)
            if row is None:
                row = AudioCacheRow(cache_key=key)
                session.add(row)
            row.asset_sha256 = asset_sha256
            row.provider = provider
            row.voice = voice
            row.num_samples = num_samples
            row.meta = meta_dict
            row.created_at = utcnow()
            session.flush()
            return self._audio_entry(row, asset.suffix)

        return self._write_retrying(put)

    def visual_cache_get(self, key: str) -> VisualCacheEntry | None:
        """The cached visual for ``key``, or None (also when its file has gone missing)."""
        with self._read() as session:
            found = session.execute(
                select(VisualCacheRow, MediaAsset.suffix)
                .join(MediaAsset, MediaAsset.sha256 == VisualCacheRow.asset_sha256)
                .where(VisualCacheRow.cache_key == key)
            ).first()
            if found is None:
                return None
            row, suffix = found
            entry = self._visual_entry(row, suffix)
        return entry if entry.path.is_file() else None

    def _visual_entry(self, row: VisualCacheRow, suffix: str) -> VisualCacheEntry:
        return VisualCacheEntry(
            key=row.cache_key,
            asset_sha256=row.asset_sha256,
            path=files.asset_path(self._assets_root, row.asset_sha256, suffix),
            provider=row.provider,
            meta=dict(row.meta),
            created_at=row.created_at,
        )

    def visual_cache_put(
        self, key: str, asset_sha256: str, *, provider: str, meta: dict[str, Any]
    ) -> VisualCacheEntry:
        """Remember a generated visual under ``key`` (replacing any older entry)."""
        meta_dict = _json_dict(meta, "visual cache meta")

        def put(session: Session) -> VisualCacheEntry:
            asset = session.get(MediaAsset, asset_sha256)
            if asset is None:
                raise UnknownAssetError(asset_sha256)
            row = session.get(VisualCacheRow, key)
            if row is None:
                row = VisualCacheRow(cache_key=key)
                session.add(row)
            row.asset_sha256 = asset_sha256
            row.provider = provider
            row.meta = meta_dict
            row.created_at = utcnow()
            session.flush()
            return self._visual_entry(row, asset.suffix)

        return self._write_retrying(put)

    # --------------------------------------------------------------- cost ledger

    def record_cost(
        self,
        provider: str,
        units: float,
        usd: float,
        *,
        project_id: str | None,
        description: str = "",
    ) -> None:
        """Add a line to the ledger; dollars are kept as exact integer micro-dollars."""
        if not math.isfinite(units):
            raise ValueError(f"units must be a finite number, not {units!r}")
        micros = usd_to_micros(usd)
        with self._write() as session:
            if project_id is not None:
                self._project_row(session, project_id)
            session.add(
                CostLedgerRow(
                    project_id=project_id,
                    provider=provider,
                    units=float(units),
                    micro_usd=micros,
                    description=description,
                    created_at=utcnow(),
                )
            )

    def project_spend_micros(self, project_id: str | None) -> int:
        """Exact spend in micro-dollars for a project (``None``: across the whole ledger)."""
        query = select(func.coalesce(func.sum(CostLedgerRow.micro_usd), 0))
        if project_id is not None:
            query = query.where(CostLedgerRow.project_id == project_id)
        with self._read() as session:
            return int(session.scalar(query) or 0)

    def project_spend(self, project_id: str | None) -> float:
        """Dollars spent on a project (``None``: across the whole ledger)."""
        return self.project_spend_micros(project_id) / MICROS_PER_USD

    def ledger(self, project_id: str | None = None) -> list[LedgerEntry]:
        """Ledger lines, oldest first: one project's, or all of them for ``None``."""
        query = select(CostLedgerRow).order_by(CostLedgerRow.id)
        if project_id is not None:
            query = query.where(CostLedgerRow.project_id == project_id)
        with self._read() as session:
            return [
                LedgerEntry(
                    id=r.id,
                    project_id=r.project_id,
                    provider=r.provider,
                    units=r.units,
                    micro_usd=r.micro_usd,
                    description=r.description,
                    created_at=r.created_at,
                )
                for r in session.scalars(query)
            ]

    # ----------------------------------------------------------------- audit log

    def audit(self, project_id: str | None, action: str, detail: dict[str, Any]) -> None:
        """Record that something happened (a render, an upload, a voice change)."""
        action = action.strip()
        if not action:
            raise ValueError("an audit entry needs an action name")
        detail_dict = _json_dict(detail, f"audit detail for {action!r}")
        with self._write() as session:
            if project_id is not None:
                self._project_row(session, project_id)
            session.add(
                AuditLogRow(
                    project_id=project_id, action=action, detail=detail_dict, created_at=utcnow()
                )
            )

    def audit_log(self, project_id: str | None) -> list[AuditEntry]:
        """Audit entries, oldest first: one project's, or all of them for ``None``."""
        query = select(AuditLogRow).order_by(AuditLogRow.id)
        if project_id is not None:
            query = query.where(AuditLogRow.project_id == project_id)
        with self._read() as session:
            return [
                AuditEntry(
                    id=r.id,
                    project_id=r.project_id,
                    action=r.action,
                    detail=dict(r.detail),
                    created_at=r.created_at,
                )
                for r in session.scalars(query)
            ]

    # ----------------------------------------------------------------- timelines

    def save_timeline(self, project_id: str, data: dict[str, Any]) -> None:
        """Store the project's timeline (JSON); the latest save wins."""
        data_dict = _json_dict(data, "timeline data")
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
