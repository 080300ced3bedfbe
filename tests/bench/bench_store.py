"""Project store speed: opening (migrations) and 1,000 cache writes and reads.

Each figure sits beside a bare ``sqlite3`` baseline doing the same work in the same run
(same WAL settings, one commit per insert as the store does), so the cost of SQLAlchemy,
the per-call session and the asset/file checks is visible.
"""

from __future__ import annotations

import json
import sqlite3
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from app.engine.store import Store
from tests.bench.common import Figure, time_call

ENTRIES = 1000
REPEAT = 3


def _bare_connection(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute(
        "CREATE TABLE audio_cache (cache_key VARCHAR(128) PRIMARY KEY, asset_sha256 VARCHAR(64),"
        " provider VARCHAR(64), voice VARCHAR(300), num_samples BIGINT, meta JSON, created_at DATETIME)"
    )
    return conn


def _bare_inserts(conn: sqlite3.Connection, sha: str, round_: int) -> None:
    for i in range(ENTRIES):
        conn.execute("BEGIN IMMEDIATE")
        conn.execute(
            "INSERT INTO audio_cache VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                f"key-{round_}-{i}",
                sha,
                "local",
                "joe",
                48000 + i,
                json.dumps({"i": i}),
                datetime.now(UTC).isoformat(),
            ),
        )
        conn.execute("COMMIT")


def _bare_reads(conn: sqlite3.Connection) -> None:
    for i in range(ENTRIES):
        row = conn.execute(
            "SELECT * FROM audio_cache WHERE cache_key = ?", (f"key-0-{i}",)
        ).fetchone()
        json.loads(row[5])


def run() -> list[Figure]:
    with tempfile.TemporaryDirectory(prefix="castline-bench-store-") as tmp:
        root = Path(tmp)
        counter = iter(range(1_000_000))

        def open_fresh() -> None:
            Store.open(
                f"sqlite:///{root / f'fresh-{next(counter)}.db'}", assets_dir=root / "assets"
            ).close()

        def bare_fresh() -> None:
            _bare_connection(root / f"bare-{next(counter)}.db").close()

        url = f"sqlite:///{root / 'bench.db'}"
        Store.open(url, assets_dir=root / "assets").close()
        open_new = time_call(open_fresh, repeat=5)
        bare_new = time_call(bare_fresh, repeat=5)
        reopen = time_call(lambda: Store.open(url, assets_dir=root / "assets").close(), repeat=5)

        store = Store.open(url, assets_dir=root / "assets")
        sha = store.add_asset(b"\0" * 4800, "audio", suffix=".wav").sha256
        rounds = iter(range(1_000_000))

        def store_puts() -> None:
            r = next(rounds)
            for i in range(ENTRIES):
                store.audio_cache_put(
                    f"key-{r}-{i}",
                    sha,
                    provider="local",
                    voice="joe",
                    num_samples=48000 + i,
                    meta={"i": i},
                )

        def store_gets() -> None:
            for i in range(ENTRIES):
                assert store.audio_cache_get(f"key-0-{i}") is not None

        store_put = time_call(store_puts, repeat=REPEAT)
        store_get = time_call(store_gets, repeat=REPEAT)
        store.close()

        bare = _bare_connection(root / "bare.db")
        bare_rounds = iter(range(1_000_000))
        bare_put = time_call(lambda: _bare_inserts(bare, sha, next(bare_rounds)), repeat=REPEAT)
        bare_get = time_call(lambda: _bare_reads(bare), repeat=REPEAT)
        bare.close()

    return [
        Figure(
            "open new store (create file + migrate to head)",
            open_new * 1000,
            "ms",
            bare_new * 1000,
            "sqlite3 create WAL file + one table",
            "< 500 ms at app start",
        ),
        Figure(
            "reopen migrated store (already at head)",
            reopen * 1000,
            "ms",
            bare_new * 1000,
            "sqlite3 create WAL file + one table",
        ),
        Figure(
            f"audio_cache_put x{ENTRIES}, a commit each (median {REPEAT})",
            store_put * 1000,
            "ms",
            bare_put * 1000,
            f"sqlite3 {ENTRIES} INSERT + COMMIT",
        ),
        Figure(
            f"audio_cache_get x{ENTRIES} (median {REPEAT})",
            store_get * 1000,
            "ms",
            bare_get * 1000,
            f"sqlite3 {ENTRIES} SELECT by key",
        ),
    ]
