"""Opening the database: the URL setting, SQLite's connection settings, and migrations.

SQLite is the embedded default (one file in the user's data folder). Each SQLite
connection gets WAL mode (readers never block the writer), foreign keys and a busy
timeout; write transactions start with ``BEGIN IMMEDIATE`` so a writer waits for the
lock up front instead of failing half-way when another thread committed first. Any
other SQLAlchemy URL (PostgreSQL) uses the same models and migrations unchanged.

A schema change is a model edit plus a new migration in ``migrations/versions``, drafted
by Alembic against a scratch database at head, then reviewed by hand::

    .venv/bin/python -c "from alembic import command; \\
      from app.engine.store.database import alembic_config as c; u = 'sqlite:////tmp/s.db'; \\
      command.upgrade(c(url=u), 'head'); \\
      command.revision(c(url=u), 'what changed', autogenerate=True, rev_id='0002')"
"""

from __future__ import annotations

import importlib.util
import os
import sqlite3
import time
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.pool import StaticPool

from app.engine import paths

DATABASE_URL_ENV = "CASTLINE_DATABASE_URL"
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
BUSY_TIMEOUT_MS = 30_000
BEGIN_OPTION = "castline_sqlite_begin"


def default_url() -> str:
    """``CASTLINE_DATABASE_URL`` when set, else the SQLite file in the data folder."""
    env = os.environ.get(DATABASE_URL_ENV, "").strip()
    if env:
        return env
    return f"sqlite:///{paths.data_dir() / 'castline.db'}"


def is_memory_sqlite(url: str) -> bool:
    """True for an in-memory SQLite URL (one shared connection, no file)."""
    parsed = make_url(url)
    return parsed.get_backend_name() == "sqlite" and parsed.database in (None, "", ":memory:")


def create_store_engine(url: str) -> Engine:
    """An engine for ``url``, with SQLite configured for WAL, foreign keys and threads."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        if parsed.drivername == "postgresql" and importlib.util.find_spec("psycopg") is not None:
            # A bare postgresql:// URL means psycopg2 to SQLAlchemy; prefer psycopg 3 when present.
            parsed = parsed.set(drivername="postgresql+psycopg")
        try:
            return create_engine(parsed, pool_pre_ping=True)
        except ModuleNotFoundError as exc:
            raise ValueError(
                f"the database URL {parsed.render_as_string(hide_password=True)} needs the "
                f"Python driver {exc.name!r}; for PostgreSQL install it with "
                "pip install 'psycopg[binary]' and use postgresql+psycopg://"
            ) from exc

    kwargs: dict[str, Any] = {"connect_args": {"check_same_thread": False}}
    if is_memory_sqlite(url):
        # One connection shared by every thread, or each thread would see its own empty
        # database; the store serialises access to it.
        kwargs["poolclass"] = StaticPool
    elif parsed.database:
        Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(parsed, **kwargs)
    _configure_sqlite(engine, memory=is_memory_sqlite(url))
    return engine


def _configure_sqlite(engine: Engine, *, memory: bool) -> None:
    """Per-connection pragmas, and SQLAlchemy-controlled BEGIN (the driver's is disabled)."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from the sqlite3 module so "begin" below decides.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            if not memory:
                _use_wal(cursor)
                cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        mode = conn.get_execution_options().get(BEGIN_OPTION, "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")


def _use_wal(cursor: Any) -> None:
    """Switch the file to WAL (once per file; later connections find it so).

    SQLite answers "database is locked" at once, without waiting out the busy timeout,
    when another connection is switching a new file at the same moment (the studio and
    a command opening a database that does not exist yet): that is retried briefly.
    """
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            if str(cursor.execute("PRAGMA journal_mode").fetchone()[0]).lower() != "wal":
                cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def writer(engine: Engine) -> Engine:
    """The same engine, but its transactions take SQLite's write lock when they begin."""
    if engine.dialect.name != "sqlite":
        return engine
    return engine.execution_options(**{BEGIN_OPTION: "IMMEDIATE"})


def alembic_config(connection: Connection | None = None, url: str | None = None) -> Config:
    """An Alembic config built in code: the package's migrations, this connection or URL."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))
    if url is not None:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def migrate(engine: Engine) -> None:
    """Bring the database to the newest schema (a no-op when it is already there).

    On SQLite, foreign keys are switched off for the duration: a future migration that
    rebuilds a table (Alembic's batch mode) must not cascade-delete the rows pointing
    at it. The whole upgrade runs in one write transaction, so two processes opening
    the same new file do not both create the tables.
    """
    sqlite = engine.dialect.name == "sqlite"
    with writer(engine).connect() as conn:
        raw = conn.connection.dbapi_connection
        if sqlite and raw is not None:
            raw.execute("PRAGMA foreign_keys=OFF")
        try:
            with conn.begin():
                command.upgrade(alembic_config(conn), "head")
        finally:
            if sqlite and raw is not None:
                raw.execute("PRAGMA foreign_keys=ON")
