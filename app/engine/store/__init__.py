"""The project store: SQLAlchemy tables, Alembic migrations, content-addressed assets,
generated-media caches and the cost ledger. ``Store.open()`` is the way in."""

from app.engine.store.records import (
    AssetRecord,
    AudioCacheEntry,
    AuditEntry,
    CharacterRecord,
    LedgerEntry,
    LineVersion,
    ProjectRecord,
    ScriptRevision,
    UploadRecord,
    VisualCacheEntry,
)
from app.engine.store.store import (
    Store,
    StoreClosedError,
    StoreError,
    StoreOpenError,
    UnknownAssetError,
    UnknownProjectError,
    VersionNotFoundError,
    usd_to_micros,
)

__all__ = [
    "AssetRecord",
    "AudioCacheEntry",
    "AuditEntry",
    "CharacterRecord",
    "LedgerEntry",
    "LineVersion",
    "ProjectRecord",
    "ScriptRevision",
    "Store",
    "StoreClosedError",
    "StoreError",
    "StoreOpenError",
    "UnknownAssetError",
    "UnknownProjectError",
    "UploadRecord",
    "VersionNotFoundError",
    "VisualCacheEntry",
    "usd_to_micros",
]
