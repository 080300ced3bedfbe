"""The project store: projects, scripts, voices, media, caches, money and history.

``Store`` is the one object the rest of the engine talks to. Each method runs in its
own short session and commits before it returns; the store is safe to share between
threads (voice synthesis writes from several at once). Methods hand out frozen records
(``records.py``), never live ORM rows. The features live in mixins beside this file:
``projects.py``, ``media.py``, ``ledger.py``, over ``base.py``'s sessions and locks.
"""

from __future__ import annotations

from pathlib import Path

from app.engine import paths
from app.engine.store.base import (
    StoreClosedError,
    UnknownAssetError,
    UnknownProjectError,
    usd_to_micros,
)
from app.engine.store.database import create_store_engine, default_url, migrate
from app.engine.store.ledger import LedgerMixin
from app.engine.store.media import MediaMixin
from app.engine.store.projects import ProjectsMixin


class Store(ProjectsMixin, MediaMixin, LedgerMixin):
    """The project database plus the content-addressed asset folder beside it."""

    @classmethod
    def open(cls, url: str | None = None, *, assets_dir: Path | None = None) -> Store:
        """Open (creating and migrating as needed) the store at ``url``.

        ``url`` defaults to ``CASTLINE_DATABASE_URL`` or the SQLite file in the data
        folder; assets go to ``assets_dir`` or ``paths.assets_dir()``.
        """
        engine = create_store_engine(url or default_url())
        try:
            migrate(engine)
        except BaseException:
            engine.dispose()
            raise
        return cls(engine, assets_dir if assets_dir is not None else paths.assets_dir())


__all__ = ["Store", "StoreClosedError", "UnknownAssetError", "UnknownProjectError", "usd_to_micros"]
