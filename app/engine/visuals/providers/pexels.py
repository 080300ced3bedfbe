"""Pexels: free stock video and photos, credited in the video's description.

``GET /videos/search`` (photos: ``/v1/search``) with the key in ``Authorization`` (no
"Bearer"), the scene's terms as ``query`` and the video's ``orientation``. Pexels has
no tags in its answers; the words of each item's page URL (``/video/rocket-launch-123/``)
describe it and are what results are ranked by.
"""

from __future__ import annotations

import re
from typing import Any

from app.engine.visuals.providers.base import Call, VisualRequest, register
from app.engine.visuals.providers.stock import StockFile, StockItem, StockProvider

PER_PAGE = 15


def slug_words(url: str) -> list[str]:
    """``https://www.pexels.com/video/a-rocket-launch-857195/`` -> ``["a", "rocket", "launch"]``."""
    path = url.rstrip("/").rsplit("/", 1)[-1]
    return [w for w in re.split(r"[-_]+", path) if w and not w.isdigit()]


@register
class PexelsProvider(StockProvider):
    """Stock clips and photos from Pexels; needs ``PEXELS_API_KEY`` or a keyring entry."""

    name = "pexels"
    label = "Pexels"
    site = "Pexels"
    key_name = "pexels"
    url_env = "CASTLINE_PEXELS_URL"
    default_url = "https://api.pexels.com"
    default_rank = 10
    description = "free stock clips and photos (credited in the description)"

    def search(self, query: str, request: VisualRequest, call: Call) -> list[StockItem]:
        params: dict[str, Any] = {
            "query": query,
            "orientation": request.target.orientation,
            "per_page": PER_PAGE,
        }
        headers = {"Authorization": self.need_key()}
        path = "/videos/search" if request.kind == "clip" else "/v1/search"
        response = self.with_retries(
            call, lambda: self.request("GET", path, "search", params=params, headers=headers)
        )
        data = self.json(response, "search")
        if not isinstance(data, dict):
            return []
        if request.kind == "clip":
            return [
                item
                for v in data.get("videos") or []
                if isinstance(v, dict) and (item := _video(v)) is not None
            ]
        return [
            item
            for p in data.get("photos") or []
            if isinstance(p, dict) and (item := _photo(p)) is not None
        ]


def _int(value: Any) -> int:
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _video(v: dict[str, Any]) -> StockItem | None:
    if v.get("id") is None:
        return None
    files = [
        StockFile(
            str(f["link"]),
            _int(f.get("width")),
            _int(f.get("height")),
            str(f.get("file_type") or ""),
        )
        for f in v.get("video_files") or []
        if isinstance(f, dict) and f.get("link")
    ]
    user = _dict(v.get("user"))
    page = str(v.get("url") or "")
    tags = slug_words(page) + [str(t) for t in v.get("tags") or [] if isinstance(t, str)]
    return StockItem(
        id=f"pexels:video:{v['id']}",
        kind="clip",
        files=files,
        tags=tags,
        duration_ms=_int(v.get("duration")) * 1000 or None,
        page_url=page,
        creator=str(user.get("name") or ""),
        title=" ".join(slug_words(page)),
    )


def _photo(p: dict[str, Any]) -> StockItem | None:
    if p.get("id") is None:
        return None
    src = _dict(p.get("src"))
    width, height = _int(p.get("width")), _int(p.get("height"))
    files = []
    if src.get("original"):
        files.append(StockFile(str(src["original"]), width, height, "image/jpeg"))
    if src.get("large2x") and width > 0:  # 1880 pixels wide (940 at twice the density), same shape
        files.append(
            StockFile(str(src["large2x"]), 1880, round(1880 * height / width), "image/jpeg")
        )
    page = str(p.get("url") or "")
    tags = slug_words(page) + ([str(p["alt"])] if p.get("alt") else [])
    return StockItem(
        id=f"pexels:photo:{p['id']}",
        kind="still",
        files=files,
        tags=tags,
        page_url=page,
        creator=str(p.get("photographer") or ""),
        title=str(p.get("alt") or ""),
    )
