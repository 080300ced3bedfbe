"""Cache keys: a hash of everything that determined a generated thing.

Keys are sha256 over canonical JSON, so an edit to any input gives a new key and a
cache never serves stale audio, images or frames.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any


def _default(value: Any) -> Any:
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    if isinstance(value, bytes):
        return hashlib.sha256(value).hexdigest()
    if isinstance(value, set | frozenset):
        return sorted(value)
    return str(value)


def cache_key(namespace: str, **parts: Any) -> str:
    """A stable hex key for ``parts`` under ``namespace`` (``"audio"``, ``"visual"``)."""
    payload = json.dumps(
        {"ns": namespace, **parts}, sort_keys=True, default=_default, separators=(",", ":")
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def sha256_file(path: str, chunk: int = 1 << 20) -> str:
    """The sha256 of a file's bytes, read in chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()
