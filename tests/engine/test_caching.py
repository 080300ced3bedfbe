"""Caches of pictures are bounded by the bytes they hold, whatever the frame size."""

from __future__ import annotations

import numpy as np

from app.engine.caching import ByteCache, byte_cached
from app.engine.motion.elements import Sprite
from app.engine.timeline import ProceduralSource
from app.engine.visuals.service import VisualService


def test_the_oldest_pictures_go_once_the_bytes_are_over_the_bound() -> None:
    cache: ByteCache[np.ndarray] = ByteCache(3 * 1000)
    for k in range(5):
        cache.put(k, np.zeros(1000, np.uint8))
    assert cache.get(0) is None and cache.get(1) is None
    assert cache.get(2) is not None and len(cache) == 3 and cache.bytes == 3000
    cache.get(2)  # used last: the next to go is 3
    cache.put(5, np.zeros(1000, np.uint8))
    assert 2 in cache and 3 not in cache
    cache.put(6, Sprite(np.zeros((100, 100, 4), np.uint8), 0, 0))  # one over the bound stays
    assert len(cache) == 1 and cache.bytes == 40000


def test_a_cached_function_keeps_a_bounded_number_of_4k_frames() -> None:
    calls: list[int] = []

    @byte_cached(100 * 1024 * 1024)
    def frame(n: int) -> np.ndarray:
        calls.append(n)
        return np.zeros((2160, 3840, 4), np.uint8)  # 33 MB

    for n in (1, 2, 1, 3, 4, 1):
        frame(n)
    assert calls == [1, 2, 3, 4]  # 1 was kept by its use; 2 went for 4
    assert len(frame.cache) == 3  # type: ignore[attr-defined]


def test_generated_stills_are_kept_by_bytes_not_by_count() -> None:
    service = VisualService(max_still_bytes=12 * 1024 * 1024)
    small = [service.still(ProceduralSource(prompt=f"p{i}"), 320, 180) for i in range(30)]
    big = service.still(ProceduralSource(prompt="big"), 1920, 1080)  # 8 MB
    again = service.still(ProceduralSource(prompt="p29"), 320, 180)
    assert again is small[-1]  # the newest small ones stayed beside the big one
    assert service.still(ProceduralSource(prompt="p0"), 320, 180) is not small[0]
    assert big.shape == (1080, 1920, 4)
