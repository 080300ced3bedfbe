"""Store fixtures: a real SQLite file in the test's temporary folder, reopened at will."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from app.engine.store import Store
from tests.engine.store.postgres_server import PostgresServer, PostgresUnavailable


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'project.db'}"


@pytest.fixture
def open_store(db_url: str) -> Iterator[Callable[[], Store]]:
    """Opens the same database file each call; every store opened is closed at the end."""
    opened: list[Store] = []

    def _open() -> Store:
        store = Store.open(db_url)
        opened.append(store)
        return store

    yield _open
    for store in opened:
        store.close()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One throwaway PostgreSQL server for the session; skips where none can run."""
    pytest.importorskip("psycopg", reason="the psycopg driver is not installed")
    try:
        server = PostgresServer()
    except PostgresUnavailable as exc:
        pytest.skip(str(exc))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> str:
    """A fresh, empty PostgreSQL database for one test."""
    return postgres_server.create_database(f"castline_{uuid.uuid4().hex[:12]}")
