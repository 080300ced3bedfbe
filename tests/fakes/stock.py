"""Fake Pexels and Pixabay APIs on 127.0.0.1, following docs/api-contracts.md.

Both serve one catalogue of stock items; each item is described by a few words (its
page slug on Pexels, its ``tags`` on Pixabay) and its file is a clip or photo in the
colour of those words. A search answers the items sharing a word with the query, mixed
with unrelated items (as real stock search is noisy), in a fixed order per query; a
query matching nothing answers no results. Pexels filters by ``orientation`` unless
``ignore_orientation`` is set (so a test can check the client filters too).
"""

from __future__ import annotations

import hashlib
import itertools
import re
import threading
from dataclasses import dataclass
from typing import Any

from tests.fakes.server import FakeServer, Recorded, Reply
from tests.fakes.visual_media import colour_for, mp4, png, small_size

PEXELS_KEY = "pexels_test_key_0123456789"
PIXABAY_KEY = "pixabay-test-key-0123456789"

DEFAULT_CATALOGUE = [
    "rocket launch pad",
    "rocket engine fire",
    "server rack lights",
    "data centre aisle",
    "city night traffic",
    "mountain lake dawn",
    "circuit board macro",
    "old computer terminal",
    "lighthouse storm waves",
    "library books shelf",
    "coffee cup steam",
    "ocean waves beach",
    "forest fog trees",
    "desert dunes wind",
    "keyboard typing hands",
    "network cables switch",
    "glowing key lock",
    "clock gears turning",
    "subway train station",
    "satellite orbit earth",
]


def _stem(word: str) -> str:
    w = word.lower()
    return w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w


@dataclass(frozen=True)
class Item:
    id: int
    words: str
    portrait: bool
    duration_s: int

    @property
    def slug(self) -> str:
        return "-".join(self.words.split())


def catalogue(descriptions: list[str] | None = None, *, portrait_too: bool = True) -> list[Item]:
    """Items for each description: a landscape one and (``portrait_too``) a portrait one."""
    items: list[Item] = []
    ids = itertools.count(1001)
    for text in descriptions or DEFAULT_CATALOGUE:
        items.append(Item(next(ids), text, False, 8))
        if portrait_too:
            items.append(Item(next(ids), text, True, 8))
    return items


class _StockFake(FakeServer):
    def __init__(self, items: list[Item] | None = None, *, noise: int = 3) -> None:
        super().__init__()
        self.items = items if items is not None else catalogue()
        self.noise = noise
        self.ignore_orientation = False
        self.wide = False
        """Behave like a real library, which has something for almost any word: a search
        adds clips described by the query's own words (still mixed with unrelated ones)."""
        self.downloads: list[int] = []
        self._files_lock = threading.Lock()
        self._cache: dict[tuple[int, str], bytes] = {}

    def search(self, query: str, portrait: bool | None) -> list[Item]:
        if self.wide:
            self._stock_for(query)
        wanted = {_stem(w) for w in re.findall(r"[a-z]+", query.lower())}
        pool = [
            i
            for i in self.items
            if portrait is None or i.portrait == portrait or self.ignore_orientation
        ]
        matching = [i for i in pool if wanted & {_stem(w) for w in i.words.split()}]
        if not matching:
            return []
        others = [i for i in pool if i not in matching]
        order = int(hashlib.sha256(query.encode()).hexdigest(), 16)
        noise = (
            [others[(order + k * 7) % len(others)] for k in range(min(self.noise, len(others)))]
            if others
            else []
        )
        mixed = list(dict.fromkeys(noise[:1] + matching[:1] + noise[1:] + matching[1:]))
        return mixed

    def _stock_for(self, query: str) -> None:
        """Add a library's clips for ``query`` (two takes, each in both orientations)."""
        words = " ".join(re.findall(r"[a-z]+", query.lower()))
        if not words:
            return
        with self._files_lock:
            known = {i.words for i in self.items}
            for take in ("closeup", "wide shot"):
                description = f"{words} {take}"
                if description in known:
                    continue
                base = int(hashlib.sha256(description.encode()).hexdigest()[:8], 16) % 10**8 + 10**8
                self.items.append(Item(base, description, False, 8))
                self.items.append(Item(base + 1, description, True, 8))

    def file(self, item_id: int, kind: str) -> Reply:
        item = next((i for i in self.items if i.id == item_id), None)
        if item is None:
            return Reply.json(404, {"error": "no such file"})
        with self._files_lock:
            self.downloads.append(item_id)
            data = self._cache.get((item_id, kind))
            if data is None:
                w, h = small_size(1080, 1920) if item.portrait else small_size(1920, 1080)
                data = (
                    mp4(colour_for(item.words), w, h, seconds=2, fps=5)
                    if kind == "video"
                    else png(colour_for(item.words), w, h)
                )
                self._cache[(item_id, kind)] = data
        return Reply(200, data, content_type="video/mp4" if kind == "video" else "image/png")


class FakePexels(_StockFake):
    """``/videos/search`` (and ``/v1/videos/search``), ``/v1/search`` for photos, files under ``/files``."""

    serves = "pexels"

    def __init__(
        self, items: list[Item] | None = None, *, noise: int = 3, valid_keys: set[str] | None = None
    ) -> None:
        super().__init__(items, noise=noise)
        self.valid_keys = valid_keys if valid_keys is not None else {PEXELS_KEY}

    def handle(self, request: Recorded) -> Reply:
        match = re.fullmatch(r"/files/(video|photo)/(\d+)\.\w+", request.path)
        if match:
            return self.file(int(match.group(2)), match.group(1))
        if request.headers.get("authorization") not in self.valid_keys:
            return Reply.json(401, {"error": "Authorization field missing or invalid"})
        orientation = request.query.get("orientation")
        portrait = None if orientation is None else orientation == "portrait"
        query = request.query.get("query", "")
        per_page = min(80, int(request.query.get("per_page", "15")))
        if request.path in ("/videos/search", "/v1/videos/search"):
            found = self.search(query, portrait)[:per_page]
            return Reply.json(
                200,
                {
                    "page": 1,
                    "per_page": per_page,
                    "total_results": len(found),
                    "videos": [self._video(i) for i in found],
                },
            )
        if request.path == "/v1/search":
            found = self.search(query, portrait)[:per_page]
            return Reply.json(
                200,
                {
                    "page": 1,
                    "per_page": per_page,
                    "total_results": len(found),
                    "photos": [self._photo(i) for i in found],
                },
            )
        return Reply.json(404, {"error": "not found"})

    def _video(self, item: Item) -> dict[str, Any]:
        big = (1080, 1920) if item.portrait else (1920, 1080)
        small = (720, 1280) if item.portrait else (1280, 720)
        return {
            "id": item.id,
            "width": big[0],
            "height": big[1],
            "duration": item.duration_s,
            "url": f"https://www.pexels.com/video/{item.slug}-{item.id}/",
            "image": f"{self.url}/files/photo/{item.id}.png",
            "user": {
                "name": f"Creator {item.id}",
                "url": f"https://www.pexels.com/@creator{item.id}",
            },
            "video_files": [
                {
                    "id": item.id * 10 + k,
                    "quality": q,
                    "file_type": "video/mp4",
                    "width": w,
                    "height": h,
                    "fps": 25,
                    "link": f"{self.url}/files/video/{item.id}.mp4",
                }
                for k, (q, (w, h)) in enumerate((("hd", big), ("sd", small)))
            ],
        }

    def _photo(self, item: Item) -> dict[str, Any]:
        w, h = (3000, 5000) if item.portrait else (5000, 3000)
        return {
            "id": item.id,
            "width": w,
            "height": h,
            "url": f"https://www.pexels.com/photo/{item.slug}-{item.id}/",
            "photographer": f"Photographer {item.id}",
            "photographer_url": f"https://www.pexels.com/@p{item.id}",
            "alt": item.words,
            "src": {
                "original": f"{self.url}/files/photo/{item.id}.png",
                "large2x": f"{self.url}/files/photo/{item.id}.png",
            },
        }


class FakePixabay(_StockFake):
    """``/api/videos/`` and ``/api/`` with the key in the query, files under ``/files``."""

    serves = "pixabay"

    def __init__(
        self, items: list[Item] | None = None, *, noise: int = 3, valid_keys: set[str] | None = None
    ) -> None:
        super().__init__(items, noise=noise)
        self.valid_keys = valid_keys if valid_keys is not None else {PIXABAY_KEY}

    def handle(self, request: Recorded) -> Reply:
        match = re.fullmatch(r"/files/(video|photo)/(\d+)\.\w+", request.path)
        if match:
            return self.file(int(match.group(2)), match.group(1))
        if request.query.get("key") not in self.valid_keys:
            return Reply(400, b"[ERROR 400] Invalid or missing API key", content_type="text/plain")
        query = request.query.get("q", "")
        per_page = int(request.query.get("per_page", "20"))
        if not 3 <= per_page <= 200:
            return Reply(400, b"[ERROR 400] per_page out of range", content_type="text/plain")
        found = self.search(query, None)[:per_page]
        if request.path == "/api/videos/":
            return Reply.json(
                200,
                {
                    "total": len(found),
                    "totalHits": len(found),
                    "hits": [self._video(i) for i in found],
                },
            )
        if request.path == "/api/":
            return Reply.json(
                200,
                {
                    "total": len(found),
                    "totalHits": len(found),
                    "hits": [self._photo(i) for i in found],
                },
            )
        return Reply.json(404, {"error": "not found"})

    def _video(self, item: Item) -> dict[str, Any]:
        sizes = {
            "large": (1920, 1080),
            "medium": (1280, 720),
            "small": (960, 540),
            "tiny": (640, 360),
        }
        videos = {
            name: {
                "url": f"{self.url}/files/video/{item.id}.mp4",
                "width": h if item.portrait else w,
                "height": w if item.portrait else h,
                "size": 1000,
                "thumbnail": "",
            }
            for name, (w, h) in sizes.items()
        }
        return {
            "id": item.id,
            "pageURL": f"https://pixabay.com/videos/{item.slug}-{item.id}/",
            "type": "film",
            "tags": ", ".join(item.words.split()),
            "duration": item.duration_s,
            "user": f"user{item.id}",
            "videos": videos,
        }

    def _photo(self, item: Item) -> dict[str, Any]:
        w, h = (1280, 1920) if item.portrait else (1920, 1280)
        return {
            "id": item.id,
            "pageURL": f"https://pixabay.com/photos/{item.slug}-{item.id}/",
            "type": "photo",
            "tags": ", ".join(item.words.split()),
            "user": f"user{item.id}",
            "imageWidth": w,
            "imageHeight": h,
            "largeImageURL": f"{self.url}/files/photo/{item.id}.png",
            "webformatURL": f"{self.url}/files/photo/{item.id}.png",
            "webformatWidth": 640,
            "webformatHeight": round(640 * h / w),
        }
