"""An in-memory cache bounded by bytes, for pictures and other arrays.

A cache bounded by a count holds 8 MB per entry at 1080p and 33 MB at 4K, so the same
count that is harmless at one size is hundreds of megabytes at another. Every cache of
pictures in the engine is bounded by the bytes it holds instead; the newest entry is
always kept, even when it alone is over the bound.
"""

from __future__ import annotations

import functools
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar

import numpy as np

__all__ = ["ByteCache", "byte_cached", "nbytes"]

V = TypeVar("V")


def nbytes(value: Any) -> int:
    """The bytes an array, a picture (PIL), or a tuple/list of them holds (0 for the rest)."""
    if isinstance(value, np.ndarray):
        return int(value.nbytes)
    if isinstance(value, tuple | list):
        return sum(nbytes(v) for v in value)
    size = getattr(value, "nbytes", None)
    if isinstance(size, int):
        return size
    image_size = getattr(value, "size", None)
    bands = getattr(value, "getbands", None)
    if isinstance(image_size, tuple) and len(image_size) == 2 and callable(bands):
        return int(image_size[0]) * int(image_size[1]) * len(bands())
    picture = getattr(value, "pixels", None)  # a sprite: its picture and where it goes
    return nbytes(picture) if picture is not None else 0


class ByteCache(Generic[V]):
    """Least recently used entries go first once the values hold more than ``max_bytes``.

    Safe to share between threads (a preview's workers and its player)."""

    def __init__(self, max_bytes: int, size_of: Callable[[Any], int] = nbytes) -> None:
        self.max_bytes = max_bytes
        self._size_of = size_of
        self._entries: OrderedDict[Hashable, tuple[V, int]] = OrderedDict()
        self._lock = threading.Lock()
        self.bytes = 0

    def get(self, key: Hashable) -> V | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            self._entries.move_to_end(key)
            return entry[0]

    def put(self, key: Hashable, value: V) -> V:
        """Keep ``value`` under ``key`` (dropping the oldest over the bound); returns it."""
        size = self._size_of(value)
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self.bytes -= old[1]
            self._entries[key] = (value, size)
            self.bytes += size
            while self.bytes > self.max_bytes and len(self._entries) > 1:
                _, (_, dropped) = self._entries.popitem(last=False)
                self.bytes -= dropped
        return value

    def get_or_make(self, key: Hashable, make: Callable[[], V]) -> V:
        """The cached value, or ``make()`` kept and returned."""
        hit = self.get(key)
        return hit if hit is not None else self.put(key, make())

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.bytes = 0

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key: Hashable) -> bool:
        return key in self._entries


def byte_cached(max_bytes: int) -> Callable[[Callable[..., V]], Callable[..., V]]:
    """``functools.lru_cache`` for functions that return pictures: bounded by bytes.

    The arguments (positional, hashable) are the key; ``wrapped.cache`` is the cache.
    """

    def wrap(fn: Callable[..., V]) -> Callable[..., V]:
        cache: ByteCache[V] = ByteCache(max_bytes)

        @functools.wraps(fn)
        def cached(*args: Hashable) -> V:
            return cache.get_or_make(args, lambda: fn(*args))

        cached.cache = cache  # type: ignore[attr-defined]
        return cached

    return wrap
