"""The plain, immutable records the store hands out.

Callers get frozen dataclasses, never live ORM rows, so a record can cross threads and
outlive the short session that read it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

MICROS_PER_USD = 1_000_000


@dataclass(frozen=True, slots=True)
class ProjectRecord:
    """A project: its script file and its spending budget."""

    id: str
    name: str
    script_path: str | None
    budget_usd: float
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class ScriptRevision:
    """One saved text of a project's script (a new one only when the text changed)."""

    id: int
    project_id: str
    text: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class CharacterRecord:
    """A character's voice profile: the voice, its fallbacks and delivery settings."""

    project_id: str
    name: str
    voice: str
    fallback: list[str] = field(default_factory=list)
    settings: dict[str, Any] = field(default_factory=dict)
    updated_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class AssetRecord:
    """A content-addressed media file; ``path`` is named by the file's sha256."""

    sha256: str
    path: Path
    kind: str
    size: int
    duration_ms: int | None
    width: int | None
    height: int | None
    provenance: dict[str, Any]
    created_at: datetime


@dataclass(frozen=True, slots=True)
class AudioCacheEntry:
    """Generated speech, keyed by a hash of everything that produced it."""

    key: str
    asset_sha256: str
    path: Path
    provider: str
    voice: str
    num_samples: int
    meta: dict[str, Any]
    created_at: datetime


@dataclass(frozen=True, slots=True)
class VisualCacheEntry:
    """A generated image or clip, keyed by a hash of everything that produced it."""

    key: str
    asset_sha256: str
    path: Path
    provider: str
    meta: dict[str, Any]
    created_at: datetime


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    """One paid (or free) call to a provider; money is exact integer micro-dollars."""

    id: int
    project_id: str | None
    provider: str
    units: float
    micro_usd: int
    description: str
    created_at: datetime

    @property
    def usd(self) -> float:
        """Dollars, for display only: sums are done on ``micro_usd``."""
        return self.micro_usd / MICROS_PER_USD


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """Something that happened to a project (synthesis, render, upload), for the record."""

    id: int
    project_id: str | None
    action: str
    detail: dict[str, Any]
    created_at: datetime


@dataclass(frozen=True, slots=True)
class UploadRecord:
    """One upload of a render to YouTube: unfinished (resumable) or published."""

    id: int
    project_id: str
    state: str
    """``uploading`` until YouTube made the video, then ``published``."""
    video_path: Path
    video_sha256: str
    video_bytes: int
    preset: str
    details: dict[str, Any]
    """The video's YouTube details and what goes with them (captions, thumbnail)."""
    session_url: str | None
    confirmed_bytes: int
    video_id: str | None
    outcome: dict[str, Any]
    """After publishing: faults recovered, quota spent, notes."""
    started_at: datetime
    updated_at: datetime
    published_at: datetime | None

    @property
    def fraction(self) -> float:
        """How much of the file YouTube has confirmed, 0..1."""
        return min(1.0, self.confirmed_bytes / self.video_bytes) if self.video_bytes else 0.0


@dataclass(frozen=True, slots=True)
class LineVersion:
    """One take made for a script line (a visual or a voice line), with what it cost.

    ``slot`` names the line across edits elsewhere in the script (see
    :func:`app.engine.store.versions.line_slot`); ``candidate`` marks a result that was
    offered (another stock search result) rather than the one the run used.
    """

    id: int
    project_id: str
    kind: str
    slot: str
    line: int
    asset: AssetRecord
    provider: str
    cost_micro_usd: int
    candidate: bool
    meta: dict[str, Any]
    created_at: datetime
    chosen: bool = False
    locked: bool = False

    @property
    def cost_usd(self) -> float:
        """Dollars, for display only."""
        return self.cost_micro_usd / MICROS_PER_USD

    @property
    def path(self) -> Path:
        return self.asset.path
