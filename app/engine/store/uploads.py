"""Uploads to YouTube: which render went up, when, and the video it became.

An upload is recorded before its first byte leaves, so the resumable session YouTube
hands out can be kept as it arrives: a studio that is closed (or crashes) mid-upload
finds the session here when the project is opened again and sends only the rest.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.engine.store.base import StoreBase, bounded, json_dict
from app.engine.store.models import UploadRow, utcnow
from app.engine.store.records import UploadRecord

UPLOADING = "uploading"
PUBLISHED = "published"


class UploadsMixin(StoreBase):
    """Each upload a row: started, checkpointed as YouTube confirms bytes, then published."""

    @staticmethod
    def _upload_record(row: UploadRow) -> UploadRecord:
        return UploadRecord(
            id=row.id,
            project_id=row.project_id,
            state=row.state,
            video_path=Path(row.video_path),
            video_sha256=row.video_sha256,
            video_bytes=row.video_bytes,
            preset=row.preset,
            details=dict(row.details),
            session_url=row.session_url,
            confirmed_bytes=row.confirmed_bytes,
            video_id=row.video_id,
            outcome=dict(row.outcome),
            started_at=row.started_at,
            updated_at=row.updated_at,
            published_at=row.published_at,
        )

    @staticmethod
    def _upload_row(session: Session, upload_id: int) -> UploadRow:
        row = session.get(UploadRow, upload_id)
        if row is None:
            raise LookupError(f"no upload with id {upload_id!r} in the store")
        return row

    def start_upload(
        self,
        project_id: str,
        video_path: str | os.PathLike[str],
        *,
        video_sha256: str,
        video_bytes: int,
        preset: str,
        details: dict[str, Any],
    ) -> UploadRecord:
        """Record an upload about to begin (no session yet, nothing confirmed)."""
        path = bounded(
            os.path.abspath(os.fspath(video_path)), UploadRow.video_path, "the video path"
        )
        if len(video_sha256) != 64:
            raise ValueError(f"the video's sha256 must be 64 hex digits, not {video_sha256!r}")
        if video_bytes <= 0:
            raise ValueError(f"an upload needs a non-empty video ({video_bytes} bytes)")
        now = utcnow()
        row = UploadRow(
            project_id=project_id,
            state=UPLOADING,
            video_path=path,
            video_sha256=video_sha256,
            video_bytes=video_bytes,
            preset=bounded(preset, UploadRow.preset, "the preset name"),
            details=json_dict(details, "the upload's details"),
            session_url=None,
            confirmed_bytes=0,
            video_id=None,
            outcome={},
            started_at=now,
            updated_at=now,
            published_at=None,
        )
        with self._write() as session:
            self._project_row(session, project_id)
            session.add(row)
            self._touch(session, project_id)
            session.flush()
            return self._upload_record(row)

    def checkpoint_upload(self, upload_id: int, session_url: str, confirmed_bytes: int) -> None:
        """Keep YouTube's session address and how many bytes it confirmed holding."""
        bounded(session_url, UploadRow.session_url, "the upload session address")
        if confirmed_bytes < 0:
            raise ValueError(f"confirmed bytes cannot be negative ({confirmed_bytes})")
        with self._write() as session:
            row = self._upload_row(session, upload_id)
            if row.state != UPLOADING:
                raise ValueError(f"upload {upload_id} is already {row.state}")
            row.session_url = session_url
            row.confirmed_bytes = min(confirmed_bytes, row.video_bytes)
            row.updated_at = utcnow()

    def finish_upload(
        self, upload_id: int, video_id: str, outcome: dict[str, Any] | None = None
    ) -> UploadRecord:
        """The video exists on YouTube: keep its id and when, forget the session."""
        if not video_id.strip():
            raise ValueError("a published upload needs YouTube's video id")
        with self._write() as session:
            row = self._upload_row(session, upload_id)
            now = utcnow()
            row.state = PUBLISHED
            row.video_id = bounded(video_id.strip(), UploadRow.video_id, "the video id")
            row.outcome = json_dict(outcome, "the upload's outcome")
            row.session_url = None
            row.confirmed_bytes = row.video_bytes
            row.updated_at = now
            row.published_at = now
            self._touch(session, row.project_id)
            session.flush()
            return self._upload_record(row)

    def forget_upload(self, upload_id: int) -> None:
        """Drop an unfinished upload (YouTube discards an abandoned session by itself)."""
        with self._write() as session:
            row = self._upload_row(session, upload_id)
            if row.state == PUBLISHED:
                raise ValueError(f"upload {upload_id} is published; its record is kept")
            session.delete(row)

    def get_upload(self, upload_id: int) -> UploadRecord | None:
        with self._read() as session:
            row = session.get(UploadRow, upload_id)
            return self._upload_record(row) if row is not None else None

    def uploads(self, project_id: str) -> list[UploadRecord]:
        """A project's uploads, newest first."""
        with self._read() as session:
            rows = session.scalars(
                select(UploadRow)
                .where(UploadRow.project_id == project_id)
                .order_by(UploadRow.started_at.desc(), UploadRow.id.desc())
            )
            return [self._upload_record(r) for r in rows]

    def pending_upload(self, project_id: str) -> UploadRecord | None:
        """The newest unfinished upload of a project, to offer resuming it."""
        return next((u for u in self.uploads(project_id) if u.state == UPLOADING), None)
