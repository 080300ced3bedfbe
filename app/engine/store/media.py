"""Content-addressed media assets and the generated-audio and generated-visual caches.

A cache entry points at an asset; an entry whose file has gone missing reads as a miss,
so the caller regenerates instead of failing on a dangling path.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.engine.store import assets as files
from app.engine.store.base import (
    StoreBase,
    UnknownAssetError,
    bounded,
    json_dict,
    optional_count,
    storage_failure,
)
from app.engine.store.models import CacheRow, MediaAsset, utcnow
from app.engine.store.records import AssetRecord, AudioCacheEntry, VisualCacheEntry


class MediaMixin(StoreBase):
    """Media files kept once by content, and caches keyed by what produced them."""

    # -------------------------------------------------------------- media assets

    def _asset_record(self, row: MediaAsset) -> AssetRecord:
        return AssetRecord(
            sha256=row.sha256,
            path=files.asset_path(self._assets_root, row.sha256, row.suffix),
            kind=row.kind,
            size=row.size,
            duration_ms=row.duration_ms,
            width=row.width,
            height=row.height,
            provenance=dict(row.provenance),
            created_at=row.created_at,
        )

    def add_asset(
        self,
        source: Path | bytes,
        kind: str,
        *,
        suffix: str = "",
        provenance: dict[str, Any] | None = None,
        duration_ms: int | None = None,
        width: int | None = None,
        height: int | None = None,
    ) -> AssetRecord:
        """Keep a media file (or bytes) under its sha256; the same content is kept once.

        Adding content that is already there returns the existing record (filling in a
        duration or size it lacked) and restores its file if it had gone missing.
        """
        kind = kind.strip()
        if not kind:
            raise ValueError("an asset needs a kind, e.g. 'audio', 'image', 'video'")
        bounded(kind, MediaAsset.kind, "the asset kind")
        suffix = files.normalise_suffix(suffix)
        prov = json_dict(provenance, "asset provenance")
        duration_ms = optional_count(duration_ms, "duration_ms")
        width = optional_count(width, "width")
        height = optional_count(height, "height")

        try:
            staged = files.StagedFile(self._assets_root, source)
        except FileNotFoundError:
            raise
        except OSError as exc:
            raise storage_failure(exc, self._assets_root) from exc

        def keep(session: Session) -> AssetRecord:
            row = session.get(MediaAsset, staged.sha256)
            if row is None:
                row = MediaAsset(
                    sha256=staged.sha256,
                    kind=kind,
                    suffix=suffix,
                    size=staged.size,
                    duration_ms=duration_ms,
                    width=width,
                    height=height,
                    provenance=prov,
                    created_at=utcnow(),
                )
                session.add(row)
            else:
                if row.duration_ms is None:
                    row.duration_ms = duration_ms
                if row.width is None:
                    row.width = width
                if row.height is None:
                    row.height = height
            # The file is in place before the row commits: a row never points at a
            # missing file.
            staged.place(files.asset_path(self._assets_root, row.sha256, row.suffix))
            session.flush()
            return self._asset_record(row)

        try:
            return self._write_retrying(keep)
        except OSError as exc:
            raise storage_failure(exc, self._assets_root) from exc
        finally:
            staged.discard()

    def get_asset(self, sha256: str) -> AssetRecord | None:
        with self._read() as session:
            row = session.get(MediaAsset, sha256)
            return self._asset_record(row) if row is not None else None

    # ---------------------------------------------------------------- caches

    def _cache_get(self, kind: str, key: str) -> tuple[Any, Path] | None:
        """The ``kind`` cache's row for ``key`` and its file, or None when either is missing.

        A plain row with :class:`CacheRow`'s column names (a hot lookup skips the ORM).
        """
        c = CacheRow.__table__.c
        query = (
            select(*c, MediaAsset.suffix)
            .join(MediaAsset, MediaAsset.sha256 == c.asset_sha256)
            .where(c.kind == kind, c.cache_key == key)
        )
        with self._read_rows() as conn:
            row = conn.execute(query).first()
        if row is None:
            return None
        path = files.asset_path(self._assets_root, row.asset_sha256, row.suffix)
        # Each read checks the file's sha256: a missing or damaged file is made again.
        return (row, path) if files.intact(path, row.asset_sha256) else None

    def _cache_put(
        self,
        kind: str,
        key: str,
        asset_sha256: str,
        *,
        provider: str,
        meta: dict[str, Any],
        voice: str | None = None,
        num_samples: int | None = None,
    ) -> tuple[CacheRow, Path]:
        """Remember ``asset_sha256`` under ``(kind, key)``, replacing any older entry."""
        bounded(key, CacheRow.cache_key, f"the {kind} cache key")
        bounded(provider, CacheRow.provider, "the provider name")
        meta_dict = json_dict(meta, f"{kind} cache meta")

        def put(session: Session) -> tuple[CacheRow, Path]:
            asset = session.get(MediaAsset, asset_sha256)
            if asset is None:
                raise UnknownAssetError(asset_sha256)
            row = session.get(CacheRow, (kind, key))
            if row is None:
                row = CacheRow(kind=kind, cache_key=key)
                session.add(row)
            row.asset_sha256 = asset_sha256
            row.provider = provider
            row.voice = voice
            row.num_samples = num_samples
            row.meta = meta_dict
            row.created_at = utcnow()
            session.flush()
            session.expunge(row)
            return row, files.asset_path(self._assets_root, asset_sha256, asset.suffix)

        return self._write_retrying(put)

    @staticmethod
    def _audio_entry(row: Any, path: Path) -> AudioCacheEntry:
        assert row.voice is not None and row.num_samples is not None  # set by audio_cache_put
        return AudioCacheEntry(
            key=row.cache_key,
            asset_sha256=row.asset_sha256,
            path=path,
            provider=row.provider,
            voice=row.voice,
            num_samples=row.num_samples,
            meta=dict(row.meta),
            created_at=row.created_at,
        )

    @staticmethod
    def _visual_entry(row: Any, path: Path) -> VisualCacheEntry:
        return VisualCacheEntry(
            key=row.cache_key,
            asset_sha256=row.asset_sha256,
            path=path,
            provider=row.provider,
            meta=dict(row.meta),
            created_at=row.created_at,
        )

    def audio_cache_get(self, key: str) -> AudioCacheEntry | None:
        """The cached speech for ``key``, or None (also when its file has gone missing)."""
        hit = self._cache_get("audio", key)
        return self._audio_entry(*hit) if hit is not None else None

    def audio_cache_put(
        self,
        key: str,
        asset_sha256: str,
        *,
        provider: str,
        voice: str,
        num_samples: int,
        meta: dict[str, Any],
    ) -> AudioCacheEntry:
        """Remember generated speech under ``key`` (replacing any older entry)."""
        if optional_count(num_samples, "num_samples") is None:
            raise ValueError("num_samples is required")
        bounded(voice, CacheRow.voice, "the voice name")
        return self._audio_entry(
            *self._cache_put(
                "audio",
                key,
                asset_sha256,
                provider=provider,
                meta=meta,
                voice=voice,
                num_samples=num_samples,
            )
        )

    def visual_cache_get(self, key: str) -> VisualCacheEntry | None:
        """The cached visual for ``key``, or None (also when its file is missing or damaged)."""
        hit = self._cache_get("visual", key)
        return self._visual_entry(*hit) if hit is not None else None

    def visual_cache_put(
        self, key: str, asset_sha256: str, *, provider: str, meta: dict[str, Any]
    ) -> VisualCacheEntry:
        """Remember a generated visual under ``key`` (replacing any older entry)."""
        return self._visual_entry(
            *self._cache_put("visual", key, asset_sha256, provider=provider, meta=meta)
        )
