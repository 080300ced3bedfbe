"""What every part of the store shares: the engine, short sessions, locks and checks.

Every method runs in its own short session and commits before it returns, so an edit
is on disk the moment the call ends and a crash loses nothing already done. On SQLite,
writes from this process take turns on a lock and begin with ``BEGIN IMMEDIATE``;
other processes wait on SQLite's busy timeout. PostgreSQL needs neither.
"""

from __future__ import annotations

import contextlib
import errno
import json
import math
import threading
from collections.abc import Callable, Iterator
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path
from typing import Any, Self, TypeVar

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from app.engine.store.database import is_memory_sqlite, writer
from app.engine.store.models import Project, utcnow
from app.engine.store.records import MICROS_PER_USD

_T = TypeVar("_T")


class StoreClosedError(RuntimeError):
    """The store was used after :meth:`Store.close`."""


class StoreError(RuntimeError):
    """A database or asset-folder failure the user can fix; one line naming the file and what to do.

    Every command prints it as it is (``castline: error: ...``), so a damaged database,
    a dropped table or a full disk never reads as an internal error.
    """


class StoreOpenError(StoreError):
    """The database could not be opened; the message says which one and what to do."""


_DISK_FULL = (errno.ENOSPC, errno.EFBIG, errno.EDQUOT)
_NOT_WRITABLE = (errno.EACCES, errno.EPERM, errno.EROFS)


def storage_failure(exc: OSError, folder: Path) -> StoreError:
    """An asset file that could not be written or read in ``folder``, as a :class:`StoreError`."""
    where = exc.filename or folder
    if exc.errno in _DISK_FULL:
        fix = f"free space on the disk holding {folder} (or move the data folder), then run again"
    elif exc.errno in _NOT_WRITABLE:
        fix = f"make {folder} writable, then run again"
    else:
        fix = f"check the disk holding {folder}, then run again"
    return StoreError(f"cannot write {where}: {exc.strerror or exc}; {fix}")


def database_failure(exc: DBAPIError, database: str) -> StoreError:
    """A failed query as a :class:`StoreError` naming the database file and the fix."""
    reason = str(exc.orig).strip().splitlines()[0] if exc.orig is not None else type(exc).__name__
    low = reason.lower()
    if "full" in low:
        fix = f"free space on the disk holding {database}, then run again"
    elif "readonly" in low or "read-only" in low:
        fix = f"make {database} and its folder writable, then run again"
    elif "locked" in low or "busy" in low:
        fix = "another program holds it; close it (another Castline?) and run again"
    else:
        fix = (
            "it is damaged: restore it from a backup, or move it aside and Castline "
            "starts a new, empty one"
        )
    return StoreError(f"the project database {database} failed ({reason}); {fix}")


class UnknownProjectError(LookupError):
    """A project id that is not in the store."""

    def __init__(self, project_id: str) -> None:
        super().__init__(f"no project with id {project_id!r} in the store")
        self.project_id = project_id


class UnknownAssetError(LookupError):
    """A cache entry named an asset that was never added with :meth:`Store.add_asset`."""

    def __init__(self, sha256: str) -> None:
        super().__init__(
            f"no media asset {sha256!r} in the store; add the file with add_asset first"
        )
        self.sha256 = sha256


def usd_to_micros(usd: float | Decimal | int) -> int:
    """Dollars to integer micro-dollars, rounded half-even from the decimal the user sees."""
    if isinstance(usd, float) and not math.isfinite(usd):
        raise ValueError(f"a cost must be a finite number of dollars, not {usd!r}")
    amount = usd if isinstance(usd, Decimal) else Decimal(str(usd))
    return int((amount * MICROS_PER_USD).to_integral_value(rounding=ROUND_HALF_EVEN))


def json_copy(value: Any, what: str) -> Any:
    """A plain-JSON deep copy, so what is returned now equals what is read back later."""
    try:
        return json.loads(json.dumps(value, allow_nan=False))
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"{what} must be plain JSON data (dicts, lists, str, numbers): {exc}"
        ) from exc


def json_dict(value: dict[str, Any] | None, what: str) -> dict[str, Any]:
    """A checked plain-JSON copy of a dict argument (``None`` is an empty dict)."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ValueError(f"{what} must be a dict, not {type(value).__name__}")
    copied: dict[str, Any] = json_copy(value, what)
    return copied


def bounded(value: str, column: Any, what: str) -> str:
    """``value`` if it fits ``column`` (a mapped String attribute), else a clear error.

    SQLite would store an over-long string silently where PostgreSQL refuses it; checking
    here makes both backends behave the same.
    """
    if not isinstance(value, str):
        raise ValueError(f"{what} must be text, not {type(value).__name__}")
    length = getattr(column.property.columns[0].type, "length", None)
    if length is not None and len(value) > length:
        raise ValueError(f"{what} is {len(value)} characters long; at most {length} fit")
    return value


def optional_count(value: int | None, what: str) -> int | None:
    """A whole number >= 0, or None; anything else is refused with a clear message."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{what} must be a whole number >= 0, not {value!r}")
    return value


class StoreBase:
    """The engine, sessions and locks; the feature mixins build on these."""

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

    def close(self) -> None:
        """Release every database connection; the store cannot be used afterwards."""
        if not self._closed:
            self._closed = True
            self._engine.dispose()

    def __enter__(self) -> Self:
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

    @property
    def database_name(self) -> str:
        """The database file (or URL without its password), for messages."""
        url = self._engine.url
        return url.database if url.get_backend_name() == "sqlite" and url.database else (
            url.render_as_string(hide_password=True)
        )  # fmt: skip

    @contextlib.contextmanager
    def _failures(self) -> Iterator[None]:
        """Turn a database failure inside the block into a :class:`StoreError`.

        A unique-key race (IntegrityError) passes through for :meth:`_write_retrying`.
        """
        try:
            yield
        except IntegrityError:
            raise
        except DBAPIError as exc:
            raise database_failure(exc, self.database_name) from exc

    @contextlib.contextmanager
    def _read(self) -> Iterator[Session]:
        if self._closed:
            raise StoreClosedError("the project store is closed")
        with self._failures(), self._read_lock, self._reads() as session:
            yield session

    @contextlib.contextmanager
    def _read_rows(self) -> Iterator[Connection]:
        """A plain connection for hot lookups (cache hits), skipping the ORM's bookkeeping."""
        if self._closed:
            raise StoreClosedError("the project store is closed")
        with self._failures(), self._read_lock, self._engine.connect() as conn:
            yield conn

    @contextlib.contextmanager
    def _write(self) -> Iterator[Session]:
        """One write transaction, committed on success and rolled back on error."""
        if self._closed:
            raise StoreClosedError("the project store is closed")
        with self._failures(), self._write_lock, self._writes.begin() as session:
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
