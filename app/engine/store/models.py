"""The database tables, as typed SQLAlchemy 2 declarative models.

Types are portable (String, Integer, BigInteger, JSON, timezone-aware DateTime) so the
same models serve the embedded SQLite file and a PostgreSQL server. Money is integer
micro-dollars so sums are exact. No column holds a secret: API keys live in the OS
keyring. The Alembic migrations in ``migrations/versions`` must agree with these
models; a test compares them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC (what every timestamp column stores)."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC timestamp on every backend.

    SQLite keeps no zone, so values are normalised to UTC on the way in and marked UTC
    on the way out; PostgreSQL stores ``timestamp with time zone`` natively.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("timestamps must be timezone-aware")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base with deterministic constraint names (portable migrations)."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSON(),
        list[str]: JSON(),
    }


class Project(Base):
    __tablename__ = "projects"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    script_path: Mapped[str | None] = mapped_column(String(4096), index=True)
    budget_micro_usd: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class ScriptRevisionRow(Base):
    __tablename__ = "script_revisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    project_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    text: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CharacterRow(Base):
    __tablename__ = "characters"
    __table_args__ = (UniqueConstraint("project_id", "name", name="uq_characters_project_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    project_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    voice: Mapped[str] = mapped_column(String(300))
    fallback: Mapped[list[str]]
    settings: Mapped[dict[str, Any]]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class MediaAsset(Base):
    __tablename__ = "media_assets"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), index=True)
    suffix: Mapped[str] = mapped_column(String(16))
    size: Mapped[int] = mapped_column(BigInteger)
    duration_ms: Mapped[int | None] = mapped_column(BigInteger)
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    provenance: Mapped[dict[str, Any]]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


CACHE_KINDS = ("audio", "visual")
"""What a :class:`CacheRow` can hold: generated speech, or a generated or fetched visual."""


class CacheRow(Base):
    """One generated result, kept under the key of what produced it.

    Speech and visuals share the table (``kind`` tells them apart, and is part of the
    key); ``voice`` and ``num_samples`` are set for speech only.
    """

    __tablename__ = "media_cache"

    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    cache_key: Mapped[str] = mapped_column(String(128), primary_key=True)
    asset_sha256: Mapped[str] = mapped_column(
        String(64), ForeignKey("media_assets.sha256", ondelete="CASCADE"), index=True
    )
    provider: Mapped[str] = mapped_column(String(64))
    voice: Mapped[str | None] = mapped_column(String(300))
    num_samples: Mapped[int | None] = mapped_column(BigInteger)
    meta: Mapped[dict[str, Any]]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CostLedgerRow(Base):
    __tablename__ = "cost_ledger"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    project_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("projects.id", ondelete="SET NULL"), index=True
    )
    provider: Mapped[str] = mapped_column(String(64))
    units: Mapped[float] = mapped_column(Float)
    micro_usd: Mapped[int] = mapped_column(BigInteger)
    description: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class AuditLogRow(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    project_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("projects.id", ondelete="SET NULL"), index=True
    )
    action: Mapped[str] = mapped_column(String(64))
    detail: Mapped[dict[str, Any]]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class TimelineRow(Base):
    __tablename__ = "timelines"

    project_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True
    )
    data: Mapped[dict[str, Any]]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class UploadRow(Base):
    """A video sent to YouTube: which render, the resumable session while it runs, the id after.

    ``session_url`` is YouTube's resumable-session address, kept so a restarted studio
    can finish the upload; it is cleared once the video exists. Every request to it still
    needs the login, which lives only in the keyring.
    """

    __tablename__ = "uploads"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    project_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    state: Mapped[str] = mapped_column(String(16))
    video_path: Mapped[str] = mapped_column(String(4096))
    video_sha256: Mapped[str] = mapped_column(String(64))
    video_bytes: Mapped[int] = mapped_column(BigInteger)
    preset: Mapped[str] = mapped_column(String(64))
    details: Mapped[dict[str, Any]]
    session_url: Mapped[str | None] = mapped_column(String(4096))
    confirmed_bytes: Mapped[int] = mapped_column(BigInteger)
    video_id: Mapped[str | None] = mapped_column(String(64), index=True)
    outcome: Mapped[dict[str, Any]]
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(default=None)


__all__ = [
    "AuditLogRow",
    "Base",
    "CharacterRow",
    "CostLedgerRow",
    "MediaAsset",
    "Project",
    "ScriptRevisionRow",
    "TimelineRow",
    "UTCDateTime",
    "UploadRow",
    "utcnow",
]


class LineVersionRow(Base):
    """One result made for a script line (a visual or a voice line): every take is kept."""

    __tablename__ = "line_versions"
    __table_args__ = (
        UniqueConstraint(
            "project_id", "kind", "slot", "asset_sha256", name="uq_line_versions_slot_asset"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    project_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    slot: Mapped[str] = mapped_column(String(64))
    line: Mapped[int] = mapped_column(Integer)
    asset_sha256: Mapped[str] = mapped_column(
        String(64), ForeignKey("media_assets.sha256", ondelete="CASCADE"), index=True
    )
    provider: Mapped[str] = mapped_column(String(64))
    cost_micro_usd: Mapped[int] = mapped_column(BigInteger)
    candidate: Mapped[bool] = mapped_column(Boolean)
    meta: Mapped[dict[str, Any]]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class LinePickRow(Base):
    """The version a line uses, and whether it is locked against regeneration."""

    __tablename__ = "line_picks"

    project_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    slot: Mapped[str] = mapped_column(String(64), primary_key=True)
    version_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("line_versions.id", ondelete="CASCADE"), index=True
    )
    locked: Mapped[bool] = mapped_column(Boolean)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class AssetUseRow(Base):
    """An asset the project's last run used (its voices, its visuals): kept by a clean-up."""

    __tablename__ = "asset_uses"

    project_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True
    )
    purpose: Mapped[str] = mapped_column(String(16), primary_key=True)
    asset_sha256: Mapped[str] = mapped_column(
        String(64),
        ForeignKey("media_assets.sha256", ondelete="CASCADE"),
        primary_key=True,
        index=True,
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


__all__ = [
    "CACHE_KINDS",
    "AssetUseRow",
    "AuditLogRow",
    "Base",
    "CacheRow",
    "CharacterRow",
    "CostLedgerRow",
    "LinePickRow",
    "LineVersionRow",
    "MediaAsset",
    "Project",
    "ScriptRevisionRow",
    "TimelineRow",
    "UTCDateTime",
    "utcnow",
]
