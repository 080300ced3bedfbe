"""Uploads: each video sent to YouTube, its resumable session while it runs, its id after.

Self-contained (one table, its indexes), so it chains after any other 0002 migration.

Revision ID: 0002_uploads
Revises: 0001
Create Date: 2026-12-02 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_uploads"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "uploads",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("project_id", sa.String(length=36), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("video_path", sa.String(length=4096), nullable=False),
        sa.Column("video_sha256", sa.String(length=64), nullable=False),
        sa.Column("video_bytes", sa.BigInteger(), nullable=False),
        sa.Column("preset", sa.String(length=64), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("session_url", sa.String(length=4096), nullable=True),
        sa.Column("confirmed_bytes", sa.BigInteger(), nullable=False),
        sa.Column("video_id", sa.String(length=64), nullable=True),
        sa.Column("outcome", sa.JSON(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_uploads_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_uploads")),
    )
    op.create_index(op.f("ix_uploads_project_id"), "uploads", ["project_id"])
    op.create_index(op.f("ix_uploads_video_id"), "uploads", ["video_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_uploads_video_id"), table_name="uploads")
    op.drop_index(op.f("ix_uploads_project_id"), table_name="uploads")
    op.drop_table("uploads")
