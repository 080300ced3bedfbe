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
from app.engine.store.models import AudioCacheRow, MediaAsset, VisualCacheRow, utcnow
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

    def audio_cache_get(self, key: str) -> AudioCacheEntry | None:
        """The cached speech for ``key``, or None (also when its file is missing or damaged:
        each read checks the file's sha256, so a bad file is made again, never used)."""
        a = AudioCacheRow.__table__.c
        query = (
            select(
                a.cache_key,
                a.asset_sha256,
                a.provider,
                a.voice,
                a.num_samples,
                a.meta,
                a.created_at,
                MediaAsset.suffix,
            )
            .join(MediaAsset, MediaAsset.sha256 == a.asset_sha256)
            .where(a.cache_key == key)
        )
        with self._read_rows() as conn:
            row = conn.execute(query).first()
        if row is None:
            return None
        entry = AudioCacheEntry(
            key=row.cache_key,
            asset_sha256=row.asset_sha256,
            path=files.asset_path(self._assets_root, row.asset_sha256, row.suffix),
            provider=row.provider,
            voice=row.voice,
            num_samples=row.num_samples,
            meta=dict(row.meta),
            created_at=row.created_at,
        )
        return entry if files.intact(entry.path, entry.asset_sha256) else None

    def _audio_entry(self, row: AudioCacheRow, suffix: str) -> AudioCacheEntry:
        return AudioCacheEntry(
            key=row.cache_key,
            asset_sha256=row.asset_sha256,
            path=files.asset_path(self._assets_root, row.asset_sha256, suffix),
            provider=row.provider,
            voice=row.voice,
            num_samples=row.num_samples,
            meta=dict(row.meta),
            created_at=row.created_at,
        )

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
        bounded(key, AudioCacheRow.cache_key, "the audio cache key")
        bounded(provider, AudioCacheRow.provider, "the provider name")
        bounded(voice, AudioCacheRow.voice, "the voice name")
        meta_dict = json_dict(meta, "audio cache meta")

        def put(session: Session) -> AudioCacheEntry:
            asset = session.get(MediaAsset, asset_sha256)
            if asset is None:
                raise UnknownAssetError(asset_sha256)
            row = session.get(AudioCacheRow, key)
            if row is None:
                row = AudioCacheRow(cache_key=key)
                session.add(row)
            row.asset_sha256 = asset_sha256
            row.provider = provider
            row.voice = voice
            row.num_samples = num_samples
            row.meta = meta_dict
            row.created_at = utcnow()
            session.flush()
            return self._audio_entry(row, asset.suffix)

        return self._write_retrying(put)

    def visual_cache_get(self, key: str) -> VisualCacheEntry | None:
        """The cached visual for ``key``, or None (also when its file is missing or damaged:
        each read checks the file's sha256, so a bad file is made again, never used)."""
        v = VisualCacheRow.__table__.c
        query = (
            select(v.cache_key, v.asset_sha256, v.provider, v.meta, v.created_at, MediaAsset.suffix)
            .join(MediaAsset, MediaAsset.sha256 == v.asset_sha256)
            .where(v.cache_key == key)
        )
        with self._read_rows() as conn:
            row = conn.execute(query).first()
        if row is None:
            return None
        entry = VisualCacheEntry(
            key=row.cache_key,
            asset_sha256=row.asset_sha256,
            path=files.asset_path(self._assets_root, row.asset_sha256, row.suffix),
            provider=row.provider,
            meta=dict(row.meta),
            created_at=row.created_at,
        )
        return entry if files.intact(entry.path, entry.asset_sha256) else None

    def _visual_entry(self, row: VisualCacheRow, suffix: str) -> VisualCacheEntry:
        return VisualCacheEntry(
            key=row.cache_key,
            asset_sha256=row.asset_sha256,
            path=files.asset_path(self._assets_root, row.asset_sha256, suffix),
            provider=row.provider,
            meta=dict(row.meta),
            created_at=row.created_at,
        )

    def visual_cache_put(
        self, key: str, asset_sha256: str, *, provider: str, meta: dict[str, Any]
    ) -> VisualCacheEntry:
        """Remember a generated visual under ``key`` (replacing any older entry)."""
        bounded(key, VisualCacheRow.cache_key, "the visual cache key")
        bounded(provider, VisualCacheRow.provider, "the provider name")
        meta_dict = json_dict(meta, "visual cache meta")

        def put(session: Session) -> VisualCacheEntry:
            asset = session.get(MediaAsset, asset_sha256)
            if asset is None:
                raise UnknownAssetError(asset_sha256)
            row = session.get(VisualCacheRow, key)
            if row is None:
                row = VisualCacheRow(cache_key=key)
                session.add(row)
            row.asset_sha256 = asset_sha256
            row.provider = provider
            row.meta = meta_dict
            row.created_at = utcnow()
            session.flush()
            return self._visual_entry(row, asset.suffix)

        return self._write_retrying(put)
