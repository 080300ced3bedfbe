"""One cache table for generated media: ``audio_cache`` and ``visual_cache`` become
``media_cache``, keyed by ``(kind, cache_key)``.

The two tables had the same columns but for the speech-only ``voice`` and
``num_samples``, which are nullable here. Existing rows are moved, not dropped: a
cached take costs money to make again. The downgrade moves them back.

Revision ID: 0004_one_cache
Revises: 0003_versions
Create Date: 2026-12-08 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_one_cache"
down_revision: str | Sequence[str] | None = "0003_versions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COMMON = "cache_key, asset_sha256, provider, meta, created_at"
_AUDIO = "voice, num_samples"


def _asset_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["asset_sha256"],
        ["media_assets.sha256"],
        name=op.f(f"fk_{table}_asset_sha256_media_assets"),
        ondelete="CASCADE",
    )


def _columns(*, audio: bool, nullable_audio: bool) -> list[sa.Column[object]]:
    cols: list[sa.Column[object]] = [
        sa.Column("cache_key", sa.String(length=128), nullable=False),
        sa.Column("asset_sha256", sa.String(length=64), nullable=False),
        sa.Column("provider", sa.String(length=64), nullable=False),
    ]
    if audio:
        cols += [
            sa.Column("voice", sa.String(length=300), nullable=nullable_audio),
            sa.Column("num_samples", sa.BigInteger(), nullable=nullable_audio),
        ]
    return [
        *cols,
        sa.Column("meta", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "media_cache",
        sa.Column("kind", sa.String(length=16), nullable=False),
        *_columns(audio=True, nullable_audio=True),
        _asset_fk("media_cache"),
        sa.PrimaryKeyConstraint("kind", "cache_key", name=op.f("pk_media_cache")),
    )
    op.create_index(op.f("ix_media_cache_asset_sha256"), "media_cache", ["asset_sha256"])
    op.execute(
        f"INSERT INTO media_cache (kind, {_COMMON}, {_AUDIO}) "
        f"SELECT 'audio', {_COMMON}, {_AUDIO} FROM audio_cache"
    )
    op.execute(
        f"INSERT INTO media_cache (kind, {_COMMON}) SELECT 'visual', {_COMMON} FROM visual_cache"
    )
    for table in ("visual_cache", "audio_cache"):
        op.drop_index(op.f(f"ix_{table}_asset_sha256"), table_name=table)
        op.drop_table(table)


def downgrade() -> None:
    for table, audio in (("audio_cache", True), ("visual_cache", False)):
        op.create_table(
            table,
            *_columns(audio=audio, nullable_audio=False),
            _asset_fk(table),
            sa.PrimaryKeyConstraint("cache_key", name=op.f(f"pk_{table}")),
        )
        op.create_index(op.f(f"ix_{table}_asset_sha256"), table, ["asset_sha256"])
        moved = f"{_COMMON}, {_AUDIO}" if audio else _COMMON
        kind = "audio" if audio else "visual"
        op.execute(
            f"INSERT INTO {table} ({moved}) SELECT {moved} FROM media_cache WHERE kind = '{kind}'"
        )
    op.drop_index(op.f("ix_media_cache_asset_sha256"), table_name="media_cache")
    op.drop_table("media_cache")
