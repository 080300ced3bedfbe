"""The schema comes from Alembic migrations, and the models agree with them."""

from __future__ import annotations

import hashlib
import io
import re
import sqlite3
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect
from sqlalchemy.dialects import postgresql
from sqlalchemy.schema import CreateTable

from app.engine import paths
from app.engine.store import Store, StoreOpenError
from app.engine.store.database import DATABASE_URL_ENV, alembic_config
from app.engine.store.models import Base

TABLES = {
    "projects",
    "script_revisions",
    "characters",
    "media_assets",
    "media_cache",
    "cost_ledger",
    "audit_log",
    "timelines",
    "uploads",
    "line_versions",
    "line_picks",
    "asset_uses",
}


def _head() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def test_open_migrates_an_empty_file_to_head_in_wal_mode(tmp_path: Path) -> None:
    db = tmp_path / "fresh.db"
    with Store.open(f"sqlite:///{db}"):
        pass

    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [(_head(),)]
    finally:
        conn.close()
    assert tables == TABLES | {"alembic_version"}


def test_models_and_migrations_agree(tmp_path: Path) -> None:
    with Store.open(f"sqlite:///{tmp_path / 'fresh.db'}") as store, store.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_downgrade_to_base_and_back_to_head(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    Store.open(url).close()
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            command.downgrade(alembic_config(conn), "base")
        assert set(inspect(engine).get_table_names()) == {"alembic_version"}
        with engine.begin() as conn:
            command.upgrade(alembic_config(conn), "head")
        assert set(inspect(engine).get_table_names()) == TABLES | {"alembic_version"}
    finally:
        engine.dispose()


def test_reopening_keeps_data_and_foreign_keys_are_enforced(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    with Store.open(url) as store:
        project = store.create_project("Kept", None)
    with Store.open(url) as store:
        assert store.get_project(project.id) == project
        with store.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar_one() == 1


def test_in_memory_database_migrates_too() -> None:
    with Store.open("sqlite://") as store:
        project = store.create_project("Scratch", None)
        assert store.recent_projects() == [project]


def test_database_url_setting_chooses_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = tmp_path / "second" / "elsewhere.db"
    monkeypatch.setenv(DATABASE_URL_ENV, f"sqlite:///{other}")
    with Store.open() as store:
        project = store.create_project("Elsewhere", None)
    assert other.is_file()
    assert not (paths.data_dir() / "castline.db").exists()
    with Store.open(f"sqlite:///{other}") as store:
        assert store.get_project(project.id) == project

    monkeypatch.delenv(DATABASE_URL_ENV)
    with Store.open() as store:
        assert store.get_project(project.id) is None
    assert (paths.data_dir() / "castline.db").is_file()


def test_no_column_could_hold_a_secret(tmp_path: Path) -> None:
    suspicious = re.compile(r"api|key|secret|token|passw|credential|auth|bearer", re.IGNORECASE)
    # A cache key is the sha256 of what produced an audio or image, not a credential.
    not_secret = {"media_cache.cache_key"}
    with Store.open(f"sqlite:///{tmp_path / 'fresh.db'}") as store:
        inspector = inspect(store.engine)
        columns = [
            f"{table}.{col['name']}"
            for table in inspector.get_table_names()
            for col in inspector.get_columns(table)
        ]
    assert len(columns) > 40
    assert not_secret <= set(columns)
    flagged = [c for c in columns if suspicious.search(c.split(".", 1)[1]) and c not in not_secret]
    assert flagged == []


def test_migration_renders_for_postgresql_without_sqlite_sql() -> None:
    cfg = alembic_config(url="postgresql://castline@localhost/castline")
    cfg.output_buffer = io.StringIO()
    command.upgrade(cfg, "head", sql=True)
    sql = cfg.output_buffer.getvalue()
    # Tables a later migration merged away are created and dropped again.
    assert sql.count("CREATE TABLE") - sql.count("DROP TABLE") == len(TABLES) + 1
    assert "TIMESTAMP WITH TIME ZONE" in sql
    assert "BIGINT" in sql and "JSON" in sql
    assert "PRAGMA" not in sql and "AUTOINCREMENT" not in sql


def test_models_compile_for_postgresql() -> None:
    dialect = postgresql.dialect()  # type: ignore[no-untyped-call]
    ddl = {
        t.name: str(CreateTable(t).compile(dialect=dialect)) for t in Base.metadata.sorted_tables
    }
    assert set(ddl) == TABLES
    assert "micro_usd BIGINT NOT NULL" in ddl["cost_ledger"]
    assert "created_at TIMESTAMP WITH TIME ZONE NOT NULL" in ddl["audit_log"]
    assert "data JSON NOT NULL" in ddl["timelines"]


def test_a_file_that_is_not_a_database_gets_a_clear_message(tmp_path: Path) -> None:
    bad = tmp_path / "castline.db"
    bad.write_bytes(b"not a database, just some text " * 200)
    with pytest.raises(StoreOpenError, match=r"castline\.db.*move it aside"):
        Store.open(f"sqlite:///{bad}")
    assert bad.read_bytes().startswith(b"not a database")  # left untouched


def test_a_database_from_a_newer_castline_is_refused_clearly(tmp_path: Path) -> None:
    db = tmp_path / "newer.db"
    Store.open(f"sqlite:///{db}").close()
    conn = sqlite3.connect(db)
    with conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999'")
    conn.close()
    with pytest.raises(StoreOpenError, match="newer Castline"):
        Store.open(f"sqlite:///{db}")


def test_a_malformed_url_names_the_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(DATABASE_URL_ENV, "castline.db")
    with pytest.raises(StoreOpenError, match=r"not a database URL.*sqlite:///"):
        Store.open()


def test_a_url_without_its_driver_says_what_to_install() -> None:
    with pytest.raises(StoreOpenError, match="needs the Python driver") as caught:
        Store.open("mysql://castline:hunter2@localhost/castline")
    assert "hunter2" not in str(caught.value)


def test_a_database_from_before_versions_is_upgraded_with_its_data(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            command.upgrade(alembic_config(conn), "0001")
            conn.exec_driver_sql(
                "INSERT INTO projects (id, name, script_path, budget_micro_usd, created_at, updated_at) "
                "VALUES ('p1', 'Old', NULL, 10000000, '2026-01-01 00:00:00', '2026-01-01 00:00:00')"
            )
        assert "line_versions" not in inspect(engine).get_table_names()
    finally:
        engine.dispose()
    with Store.open(url) as store:
        assert store.get_project("p1") is not None
        assert store.line_versions("p1") == []
    conn = sqlite3.connect(tmp_path / "old.db")
    try:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [(_head(),)]
    finally:
        conn.close()


def test_the_two_cache_tables_become_one_with_their_rows(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    speech, picture = b"cached speech", b"cached picture"
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            command.upgrade(alembic_config(conn), "0003_versions")
            for data, kind, suffix in ((speech, "audio", ".wav"), (picture, "image", ".png")):
                conn.exec_driver_sql(
                    "INSERT INTO media_assets (sha256, kind, suffix, size, provenance, created_at) "
                    f"VALUES ('{hashlib.sha256(data).hexdigest()}', '{kind}', '{suffix}', {len(data)}, '{{}}', "
                    "'2026-01-01 00:00:00')"
                )
            conn.exec_driver_sql(
                "INSERT INTO audio_cache VALUES ('same-key', ?, 'local', 'joe', 48000, "
                "'{\"words\": []}', '2026-01-02 00:00:00')",
                (hashlib.sha256(speech).hexdigest(),),
            )
            conn.exec_driver_sql(
                "INSERT INTO visual_cache VALUES ('same-key', ?, 'stock', '{\"q\": \"harbour\"}', "
                "'2026-01-03 00:00:00')",
                (hashlib.sha256(picture).hexdigest(),),
            )
    finally:
        engine.dispose()
    with Store.open(url) as store:
        store.add_asset(speech, "audio", suffix=".wav")  # the files, as the old store kept them
        store.add_asset(picture, "image", suffix=".png")
        audio = store.audio_cache_get("same-key")
        visual = store.visual_cache_get("same-key")
    assert audio is not None and visual is not None
    assert (audio.provider, audio.voice, audio.num_samples, audio.meta) == (
        "local",
        "joe",
        48000,
        {"words": []},
    )
    assert audio.path.read_bytes() == speech
    assert (visual.provider, visual.meta, visual.path.read_bytes()) == (
        "stock",
        {"q": "harbour"},
        picture,
    )
    conn = sqlite3.connect(tmp_path / "old.db")
    try:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    finally:
        conn.close()
    assert "media_cache" in tables and not tables & {"audio_cache", "visual_cache"}
