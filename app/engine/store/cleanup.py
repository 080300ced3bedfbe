"""Clean-up of generated media: unused files go, and the cache is held under a size cap.

A generated file (a voice line's audio, a visual's still or clip, a stock download) is
*in use* while a line of any project has it as its chosen version, while any project's
last run used it, or while a hand-edited timeline points at it; everything else is an
unused cache entry that a later run would make again (and, for a paid provider, pay for
again). The user's own media and the language model's stored answers are never removed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from app.engine.store.records import AssetRecord

if TYPE_CHECKING:
    from app.engine.store.store import Store

KEPT_KINDS = frozenset({"media", "text"})
"""Assets a clean-up never removes: files the user brought in, and the language model's
answers (small, and paid for)."""


def is_generated(asset: AssetRecord) -> bool:
    """True for a file Castline made or fetched (what the cache cap counts)."""
    return asset.kind not in KEPT_KINDS


@dataclass(frozen=True)
class CleanupReport:
    """What a clean-up removed and where the cache stands after it."""

    removed: list[AssetRecord] = field(default_factory=list)
    freed_bytes: int = 0
    cache_bytes: int = 0
    """The generated files' total size after the clean-up."""
    in_use_bytes: int = 0
    """Of which files still in use (a cap below this cannot be met)."""
    cap_bytes: int | None = None

    @property
    def over_cap(self) -> bool:
        """True when files in use alone are larger than the cap."""
        return self.cap_bytes is not None and self.cache_bytes > self.cap_bytes

    def describe(self) -> str:
        """One line for a status bar or the command line."""
        size = format_bytes
        text = f"removed {len(self.removed)} unused file(s), {size(self.freed_bytes)} freed; "
        text += f"the cache holds {size(self.cache_bytes)}"
        if self.cap_bytes is not None:
            text += f" of a {size(self.cap_bytes)} cap"
            if self.over_cap:
                text += " (files in use alone are larger; raise the cap)"
        return text


def format_bytes(size: int) -> str:
    """``1536`` -> ``1.5 KB`` (decimal units, as file managers show)."""
    value = float(size)
    for unit in ("bytes", "KB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{int(value)} bytes" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{value:.1f} TB"


def unused_generated(store: Store) -> list[AssetRecord]:
    """Generated files nothing uses any more, oldest first (the first a cap removes)."""
    in_use = store.assets_in_use()
    return [a for a in store.all_assets() if is_generated(a) and a.sha256 not in in_use]


def clean_up(store: Store, *, cap_bytes: int | None = None) -> CleanupReport:
    """Remove unused generated files: all of them, or with ``cap_bytes`` only the oldest
    until the generated files fit under the cap."""
    if cap_bytes is not None and cap_bytes < 0:
        raise ValueError(f"a cache cap must be 0 bytes or more, not {cap_bytes}")
    in_use = store.assets_in_use()
    generated = [a for a in store.all_assets() if is_generated(a)]
    total = sum(a.size for a in generated)
    unused = [a for a in generated if a.sha256 not in in_use]
    doomed: list[AssetRecord] = []
    for asset in unused:
        if cap_bytes is not None and total <= cap_bytes:
            break
        doomed.append(asset)
        total -= asset.size
    removed = store.delete_assets(a.sha256 for a in doomed)
    freed = sum(a.size for a in removed)
    return CleanupReport(
        removed=removed,
        freed_bytes=freed,
        cache_bytes=total,
        in_use_bytes=sum(a.size for a in generated if a.sha256 in in_use),
        cap_bytes=cap_bytes,
    )
