"""Store fixtures: a real SQLite file in the test's temporary folder, reopened at will."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from app.engine.store import Store


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
