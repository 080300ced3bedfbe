"""Pixabay: free stock video and photos, credited in the video's description.

``GET /api/videos/`` (photos: ``/api/``) with the key as the ``key`` query parameter
(redacted from every log and message), the scene's terms as ``q``. Each hit carries
``tags``, which results are ranked by; videos come in ``large``, ``medium``, ``small``
and ``tiny`` renditions. A wrong key answers 400 with a plain-text message.
"""

from __future__ import annotations

from typing import Any

import httpx

from app.engine import secrets
from app.engine.visuals.providers.base import (
    Call,
    PermanentProviderError,
    VisualProviderError,
    VisualRequest,
    register,
)
from app.engine.visuals.providers.stock import StockFile, StockItem, StockProvider

PER_PAGE = 20
MAX_QUERY = 100


@register
class PixabayProvider(StockProvider):
    """Stock clips and photos from Pixabay; needs ``PIXABAY_API_KEY`` or a keyring entry."""

    name = "pixabay"
    label = "Pixabay"
    site = "Pixabay"
    key_name = "pixabay"
    url_env = "CASTLINE_PIXABAY_URL"
    default_url = "https://pixabay.com"
    default_rank = 20
    description = "free stock clips and photos (credited in the description)"

    def fail(self, response: httpx.Response, what: str) -> VisualProviderError:
        if response.status_code == 400 and "key" in response.text.lower():
            return PermanentProviderError(
                f"Pixabay {what}: the key was refused (check it in Settings or {secrets.env_var('pixabay')})",
                provider=self.name,
                code="bad_key",
                status=400,
                scope="provider",
            )
        return super().fail(response, what)

    def search(self, query: str, request: VisualRequest, call: Call) -> list[StockItem]:
        params: dict[str, Any] = {
            "key": self.need_key(),
            "q": query[:MAX_QUERY],
            "per_page": PER_PAGE,
            "safesearch": "true",
        }
        if request.kind == "clip":
            path = "/api/videos/"
            params["video_type"] = "all"
        else:
            path = "/api/"
            params["image_type"] = "photo"
            params["orientation"] = "vertical" if request.target.portrait else "horizontal"
        response = self.with_retries(
            call, lambda: self.request("GET", path, "search", params=params)
        )
        data = self.json(response, "search")
        hits = data.get("hits") if isinstance(data, dict) else None
        out: list[StockItem] = []
        for hit in hits or []:
            if isinstance(hit, dict) and hit.get("id") is not None:
                out.append(_video(hit) if request.kind == "clip" else _photo(hit))
        return out


def _int(value: Any) -> int:
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0


def _tags(hit: dict[str, Any]) -> list[str]:
    return [t.strip() for t in str(hit.get("tags") or "").split(",") if t.strip()]


def _video(hit: dict[str, Any]) -> StockItem:
    videos = hit.get("videos") if isinstance(hit.get("videos"), dict) else {}
    files = [
        StockFile(str(v["url"]), _int(v.get("width")), _int(v.get("height")), "video/mp4")
        for name in ("large", "medium", "small", "tiny")
        if isinstance(v := (videos or {}).get(name), dict) and v.get("url")
    ]
    return StockItem(
        id=f"pixabay:video:{hit['id']}",
        kind="clip",
        files=files,
        tags=_tags(hit),
        duration_ms=_int(hit.get("duration")) * 1000 or None,
        page_url=str(hit.get("pageURL") or ""),
        creator=str(hit.get("user") or ""),
        title=", ".join(_tags(hit)),
    )


def _photo(hit: dict[str, Any]) -> StockItem:
    width, height = _int(hit.get("imageWidth")), _int(hit.get("imageHeight"))
    files = []
    if hit.get("largeImageURL") and width and height:
        scale = min(1.0, 1280 / max(width, height))  # the large rendition is at most 1280 pixels
        files.append(
            StockFile(
                str(hit["largeImageURL"]), round(width * scale), round(height * scale), "image/jpeg"
            )
        )
    if hit.get("webformatURL"):
        files.append(
            StockFile(
                str(hit["webformatURL"]),
                _int(hit.get("webformatWidth")),
                _int(hit.get("webformatHeight")),
                "image/jpeg",
            )
        )
    return StockItem(
        id=f"pixabay:photo:{hit['id']}",
        kind="still",
        files=files,
        tags=_tags(hit),
        page_url=str(hit.get("pageURL") or ""),
        creator=str(hit.get("user") or ""),
        title=", ".join(_tags(hit)),
    )
