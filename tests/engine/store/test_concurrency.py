"""Voice synthesis writes from several threads at once: every write must land."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from app.engine.store import Store

THREADS = 8
PER_THREAD = 20


def _worker(store: Store, project_id: str, n: int, start: threading.Barrier) -> None:
    start.wait()
    for i in range(PER_THREAD):
        asset = store.add_asset(f"take {n}-{i}".encode(), "audio", suffix=".wav")
        shared = store.add_asset(b"the same silence every thread adds", "audio", suffix=".wav")
        store.audio_cache_put(
            f"key-{n}-{i}",
            asset.sha256,
            provider="local",
            voice="joe",
            num_samples=i,
            meta={"n": n},
        )
        store.audio_cache_put(
            "shared", shared.sha256, provider="local", voice="joe", num_samples=1, meta={}
        )
        store.record_cost("local", 1, 0.000001, project_id=project_id)
        store.audit(project_id, "synthesize", {"thread": n, "i": i})


def _run_threads(stores: list[Store], project_id: str) -> None:
    start = threading.Barrier(THREADS)
    with ThreadPoolExecutor(THREADS) as pool:
        futures = [
            pool.submit(_worker, stores[n % len(stores)], project_id, n, start)
            for n in range(THREADS)
        ]
        for f in futures:
            f.result()


def _check(store: Store, project_id: str) -> None:
    total = THREADS * PER_THREAD
    assert store.project_spend_micros(project_id) == total
    assert len(store.audit_log(project_id)) == total
    for n in range(THREADS):
        for i in range(PER_THREAD):
            entry = store.audio_cache_get(f"key-{n}-{i}")
            assert entry is not None
            assert entry.path.read_bytes() == f"take {n}-{i}".encode()
    assert store.audio_cache_get("shared") is not None
    with store.engine.connect() as conn:
        assets = conn.exec_driver_sql("SELECT count(*) FROM media_assets").scalar_one()
    assert assets == total + 1


def test_eight_threads_sharing_one_store(open_store: Callable[[], Store]) -> None:
    store = open_store()
    project = store.create_project("Busy", None)
    _run_threads([store], project.id)
    store.close()
    _check(open_store(), project.id)


def test_eight_threads_over_two_connections_to_one_file(open_store: Callable[[], Store]) -> None:
    """Two stores on one file do not share a lock: SQLite's own locking must hold."""
    first, second = open_store(), open_store()
    project = first.create_project("Busy", None)
    _run_threads([first, second], project.id)
    first.close()
    second.close()
    _check(open_store(), project.id)


def test_threads_share_an_in_memory_store(tmp_path: Path) -> None:
    with Store.open("sqlite://", assets_dir=tmp_path / "assets") as store:
        project = store.create_project("Scratch", None)
        _run_threads([store], project.id)
        _check(store, project.id)


def test_a_long_reader_does_not_block_writes(open_store: Callable[[], Store], db_url: str) -> None:
    """WAL mode: another program reading the file (a backup, a viewer) never stalls an edit."""
    store = open_store()
    project = store.create_project("Busy", None)
    reader = sqlite3.connect(db_url.removeprefix("sqlite:///"), isolation_level=None)
    try:
        reader.execute("BEGIN")
        assert reader.execute("SELECT count(*) FROM projects").fetchone() == (1,)
        store.record_cost("local", 1, 0.5, project_id=project.id)
        store.save_timeline(project.id, {"tracks": []})
        # The reader keeps its snapshot; the store already sees its own commits.
        assert reader.execute("SELECT count(*) FROM cost_ledger").fetchone() == (0,)
        assert store.project_spend(project.id) == 0.5
        reader.execute("COMMIT")
        assert reader.execute("SELECT count(*) FROM cost_ledger").fetchone() == (1,)
    finally:
        reader.close()


def test_several_openers_of_a_new_file_migrate_it_once(db_url: str) -> None:
    """The studio and a CLI run may both open a database that does not exist yet."""
    start = threading.Barrier(6)

    def open_and_write(n: int) -> str:
        start.wait()
        with Store.open(db_url) as store:
            return store.create_project(f"Project {n}", None).id

    with ThreadPoolExecutor(6) as pool:
        ids = list(pool.map(open_and_write, range(6)))
    with Store.open(db_url) as store:
        assert {p.id for p in store.recent_projects(limit=20)} == set(ids)
