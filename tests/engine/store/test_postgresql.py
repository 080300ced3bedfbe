"""The same store on a real PostgreSQL server: migrations, round trips, concurrent writes."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from app.engine.store import Store
from app.engine.store.models import Base
from tests.engine.store.test_concurrency import _check, _run_threads
from tests.engine.store.test_migrations import TABLES


def test_postgresql_migrates_and_agrees_with_the_models(postgres_url: str) -> None:
    with Store.open(postgres_url) as store:
        assert store.engine.dialect.name == "postgresql"
        assert set(inspect(store.engine).get_table_names()) == TABLES | {"alembic_version"}
        with store.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            assert compare_metadata(context, Base.metadata) == []


def test_postgresql_round_trip_through_reopen(postgres_url: str) -> None:
    timeline = {"fps_num": 30, "fps_den": 1, "tracks": [{"kind": "voice", "clips": []}]}
    with Store.open(postgres_url) as store:
        project = store.create_project("On the server", "/talks/ssh.md", budget_usd=3.0)
        asset = store.add_asset(b"speech", "audio", suffix=".wav", duration_ms=250)
        store.audio_cache_put(
            "k", asset.sha256, provider="local", voice="joe", num_samples=12000, meta={"w": [1]}
        )
        store.record_cost("google", 10, 0.1, project_id=project.id)
        store.record_cost("google", 10, 0.2, project_id=project.id)
        revision = store.save_script_revision(project.id, "# Talk\n")
        assert store.save_script_revision(project.id, "# Talk\n") == revision
        store.set_character(project.id, "Narrator", "local/joe", ["local/amy"], {"speed": 1.2})
        store.save_timeline(project.id, timeline)
        store.audit(project.id, "render", {"preset": "preview"})

    with Store.open(postgres_url) as store:
        got = store.get_project(project.id)
        assert got is not None
        assert (got.name, got.script_path, got.budget_usd, got.created_at) == (
            "On the server",
            "/talks/ssh.md",
            3.0,
            project.created_at,
        )
        assert got.updated_at > project.updated_at  # the edits touched it
        assert store.find_project_by_script("/talks/ssh.md") == got
        assert store.get_asset(asset.sha256) == asset
        cached = store.audio_cache_get("k")
        assert cached is not None and cached.meta == {"w": [1]} and cached.num_samples == 12000
        assert store.project_spend(project.id) == 0.3
        latest = store.latest_script_revision(project.id)
        assert latest is not None and latest.id == revision
        assert [(c.name, c.fallback, c.settings) for c in store.characters(project.id)] == [
            ("Narrator", ["local/amy"], {"speed": 1.2})
        ]
        assert store.load_timeline(project.id) == timeline
        assert [e.action for e in store.audit_log(project.id)] == ["render"]
        assert project.created_at.utcoffset() is not None
        # PostgreSQL would refuse it with a DataError; the store says why first.
        with pytest.raises(ValueError, match="at most 300"):
            store.set_character(project.id, "Narrator", "v" * 301, [], {})


def test_postgresql_concurrent_writes_all_land(postgres_url: str, tmp_path: Path) -> None:
    with Store.open(postgres_url, assets_dir=tmp_path / "assets") as store:
        project = store.create_project("Busy", None)
        _run_threads([store], project.id)
        _check(store, project.id)
