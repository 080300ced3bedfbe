"""Uploads are recorded in the project: the session survives a reopen, the video id is kept."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import UTC
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import create_engine, inspect

from app.engine.store import Store, UnknownProjectError
from app.engine.store.database import alembic_config

SHA = "ab" * 32


def _start(store: Store, project_id: str, video: Path, size: int = 3_000_000) -> int:
    return store.start_upload(
        project_id,
        video,
        video_sha256=SHA,
        video_bytes=size,
        preset="youtube-1080p",
        details={"metadata": {"title": "Pipes"}, "captions": True},
    ).id


def test_an_unfinished_upload_and_its_session_survive_a_reopen(
    open_store: Callable[[], Store], tmp_path: Path
) -> None:
    store = open_store()
    project = store.create_project("Pipes", tmp_path / "script.md")
    upload_id = _start(store, project.id, tmp_path / "out" / "pipes.mp4")
    store.checkpoint_upload(upload_id, "https://up.example/videos?upload_id=abc", 262_144)
    store.checkpoint_upload(upload_id, "https://up.example/videos?upload_id=abc", 1_048_576)
    store.close()

    again = open_store()
    pending = again.pending_upload(project.id)
    assert pending is not None and pending.id == upload_id
    assert pending.state == "uploading" and pending.video_id is None
    assert pending.session_url == "https://up.example/videos?upload_id=abc"
    assert pending.confirmed_bytes == 1_048_576 and pending.fraction == pytest.approx(0.3495, 1e-3)
    assert pending.video_path == tmp_path / "out" / "pipes.mp4"
    assert pending.details == {"metadata": {"title": "Pipes"}, "captions": True}
    assert pending.started_at.tzinfo is UTC


def test_a_published_upload_keeps_the_video_id_and_when_and_forgets_the_session(
    open_store: Callable[[], Store], tmp_path: Path
) -> None:
    store = open_store()
    project = store.create_project("Pipes", tmp_path / "script.md")
    upload_id = _start(store, project.id, tmp_path / "pipes.mp4")
    store.checkpoint_upload(upload_id, "https://up.example/s", 262_144)
    done = store.finish_upload(upload_id, "vid123", {"faults": 1, "notes": []})
    assert done.state == "published" and done.video_id == "vid123"
    assert done.session_url is None and done.confirmed_bytes == done.video_bytes
    assert done.published_at is not None and done.published_at >= done.started_at
    assert store.pending_upload(project.id) is None
    assert store.uploads(project.id) == [done]
    with pytest.raises(ValueError, match="already published"):
        store.checkpoint_upload(upload_id, "https://up.example/s", 10)
    with pytest.raises(ValueError, match="record is kept"):
        store.forget_upload(upload_id)


def test_newest_first_and_forgetting_an_unfinished_one(
    open_store: Callable[[], Store], tmp_path: Path
) -> None:
    store = open_store()
    project = store.create_project("Pipes", tmp_path / "script.md")
    first = _start(store, project.id, tmp_path / "a.mp4")
    store.finish_upload(first, "vidA")
    second = _start(store, project.id, tmp_path / "b.mp4")
    assert [u.id for u in store.uploads(project.id)] == [second, first]
    store.forget_upload(second)
    assert [u.video_id for u in store.uploads(project.id)] == ["vidA"]
    assert store.get_upload(second) is None


def test_bad_uploads_are_refused_with_a_reason(
    open_store: Callable[[], Store], tmp_path: Path
) -> None:
    store = open_store()
    project = store.create_project("Pipes", None)
    with pytest.raises(UnknownProjectError):
        _start(store, "no-such-project", tmp_path / "a.mp4")
    with pytest.raises(ValueError, match="non-empty video"):
        _start(store, project.id, tmp_path / "a.mp4", size=0)
    with pytest.raises(ValueError, match="64 hex digits"):
        store.start_upload(
            project.id,
            tmp_path / "a.mp4",
            video_sha256="short",
            video_bytes=10,
            preset="preview",
            details={},
        )
    upload_id = _start(store, project.id, tmp_path / "a.mp4")
    with pytest.raises(ValueError, match="video id"):
        store.finish_upload(upload_id, "  ")
    with pytest.raises(LookupError, match="no upload"):
        store.checkpoint_upload(9999, "https://up.example/s", 1)


def test_deleting_the_project_deletes_its_uploads(
    open_store: Callable[[], Store], tmp_path: Path, db_url: str
) -> None:
    store = open_store()
    project = store.create_project("Pipes", None)
    _start(store, project.id, tmp_path / "a.mp4")
    store.close()
    conn = sqlite3.connect(db_url.removeprefix("sqlite:///"))
    with conn:
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("DELETE FROM projects")
    assert conn.execute("SELECT count(*) FROM uploads").fetchone() == (0,)
    conn.close()


def test_the_uploads_migration_goes_down_to_0001_and_up_again(db_url: str) -> None:
    Store.open(db_url).close()
    engine = create_engine(db_url)
    try:
        with engine.begin() as conn:
            command.downgrade(alembic_config(conn), "0001")
        assert "uploads" not in inspect(engine).get_table_names()
        assert "projects" in inspect(engine).get_table_names()
        with engine.begin() as conn:
            command.upgrade(alembic_config(conn), "head")
        columns = {c["name"] for c in inspect(engine).get_columns("uploads")}
        assert {"video_id", "session_url", "confirmed_bytes", "published_at"} <= columns
    finally:
        engine.dispose()
