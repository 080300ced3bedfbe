"""The project store: projects, scripts, voices, media, caches, money and history.

``Store`` is the one object the rest of the engine talks to. Each method runs in its
own short session and commits before it returns; the store is safe to share between
threads (voice synthesis writes from several at once). Methods hand out frozen records
(``records.py``), never live ORM rows. The features live in mixins beside this file:
``projects.py``, ``media.py``, ``versions.py``, ``ledger.py``, over ``base.py``'s sessions and locks.
"""

from __future__ import annotations

from pathlib import Path

from alembic.util.exc import CommandError
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError

from app.engine import paths
from app.engine.store.base import (
    StoreClosedError,
    StoreError,
    StoreOpenError,
    UnknownAssetError,
    UnknownProjectError,
    usd_to_micros,
)
from app.engine.store.database import DATABASE_URL_ENV, create_store_engine, default_url, migrate
from app.engine.store.ledger import LedgerMixin
from app.engine.store.projects import ProjectsMixin
from app.engine.store.uploads import UploadsMixin
from app.engine.store.versions import VersionNotFoundError, VersionsMixin


class Store(ProjectsMixin, VersionsMixin, LedgerMixin, UploadsMixin):
    """The project database plus the content-addressed asset folder beside it."""

    @classmethod
    def open(cls, url: str | None = None, *, assets_dir: Path | None = None) -> Store:
        """Open (creating and migrating as needed) the store at ``url``.

        ``url`` defaults to ``CASTLINE_DATABASE_URL`` or the SQLite file in the data
        folder; assets go to ``assets_dir`` or ``paths.assets_dir()``.
        """
        url = url or default_url()
        where = _describe(url)
        try:
            engine = create_store_engine(url)
        except ArgumentError as exc:
            raise StoreOpenError(
                f"{where!r} is not a database URL; use sqlite:///path/to/castline.db "
                "or postgresql+psycopg://user@host/dbname"
            ) from exc
        except ValueError as exc:
            raise StoreOpenError(str(exc)) from exc
        except OSError as exc:
            raise StoreOpenError(
                f"cannot create the folder for the project database {where}: {exc}"
            ) from exc
        try:
            migrate(engine)
        except CommandError as exc:
            engine.dispose()
            raise StoreOpenError(
                f"the project database {where} has a schema this Castline does not know ({exc}); "
                "it was probably written by a newer Castline: update Castline, or set "
                f"{DATABASE_URL_ENV} to another database"
            ) from exc
        except DBAPIError as exc:
            engine.dispose()
            raise StoreOpenError(
                f"cannot open the project database {where}: {exc.orig}. If it is a damaged "
                "SQLite file, move it aside and Castline will start a new one"
            ) from exc
        except BaseException:
            engine.dispose()
            raise
        return cls(engine, assets_dir if assets_dir is not None else paths.assets_dir())


def _describe(url: str) -> str:
    """The URL without its password, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url


__all__ = [
    "Store",
    "StoreClosedError",
    "StoreError",
    "StoreOpenError",
    "UnknownAssetError",
    "UnknownProjectError",
    "VersionNotFoundError",
    "usd_to_micros",
]
