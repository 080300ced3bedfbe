"""What the stock providers share: searching term by term, ranking, and picking a file.

A stock provider searches its library with the scene's terms in order until one gives
usable results, then picks the result whose tags share the most words with the scene's
narration (ties keep the library's own order), never one already used in the video,
and only footage whose orientation matches the video (portrait for 9:16). Of that
item's files it takes the smallest one that still covers the frame, so nothing is
upscaled more than needed and nothing is stretched: the renderer crops to fill.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass, field
from typing import ClassVar

from app.engine.llm.keywords import overlap
from app.engine.visuals.providers.base import (
    Call,
    Kind,
    NoResults,
    Target,
    VisualOutput,
    VisualProviderError,
    VisualRequest,
)
from app.engine.visuals.providers.http import ExpiredURL, HttpProvider, image_suffix


@dataclass(frozen=True)
class StockFile:
    """One downloadable rendition of a stock item."""

    url: str
    width: int
    height: int
    mime: str = "video/mp4"


@dataclass
class StockItem:
    """A search result: an item, its renditions, and who to credit."""

    id: str
    kind: Kind
    files: list[StockFile]
    tags: list[str] = field(default_factory=list)
    duration_ms: int | None = None
    page_url: str = ""
    creator: str = ""
    title: str = ""


def pick_file(item: StockItem, target: Target) -> StockFile | None:
    """The smallest rendition of the right orientation that covers the frame, else the largest."""
    usable = [
        f for f in item.files if f.width > 0 and f.height > 0 and target.matches(f.width, f.height)
    ]
    if item.kind == "clip":
        usable = [f for f in usable if f.mime in ("video/mp4", "video/quicktime", "")]
    if not usable:
        return None
    covering = [f for f in usable if f.width >= target.width and f.height >= target.height]
    if covering:
        return min(covering, key=lambda f: f.width * f.height)
    return max(usable, key=lambda f: f.width * f.height)


def rank(items: list[StockItem], request: VisualRequest) -> list[tuple[StockItem, StockFile]]:
    """Usable items that share a word with the narration (or the terms), best first.

    Best is the most shared words, then a clip long enough for the scene, then the
    library's own order. An item sharing no word is left out: a clip that does not match
    the words is worse than the next provider (or the procedural background).
    """
    text = f"{request.narration} {' '.join(request.terms)}"
    scored: list[tuple[int, int, int, StockItem, StockFile]] = []
    for position, item in enumerate(items):
        if item.id in request.exclude:
            continue
        chosen = pick_file(item, request.target)
        if chosen is None:
            continue
        relevance = overlap(item.tags, text)
        if relevance == 0:
            continue
        long_enough = (
            1 if item.duration_ms is None or item.duration_ms >= request.duration_ms else 0
        )
        scored.append((relevance, long_enough, -position, item, chosen))
    scored.sort(key=lambda s: (s[0], s[1], s[2]), reverse=True)
    return [(s[3], s[4]) for s in scored]


class StockProvider(HttpProvider):
    """A library of existing footage searched by terms."""

    stock = True
    default_kind: ClassVar[Kind] = "clip"
    site: str = ""
    """The library's name in credits (``Pexels``)."""

    @abc.abstractmethod
    def search(self, query: str, request: VisualRequest, call: Call) -> list[StockItem]:
        """One search request; the results in the library's order."""

    def queries(self, request: VisualRequest) -> list[str]:
        """The terms to try, in order, then the prompt itself as a last resort."""
        out = [t for t in request.terms if t.strip()]
        if not out and request.prompt.strip():
            out.append(" ".join(request.prompt.split()[:6]))
        return out

    def generate(self, request: VisualRequest, call: Call) -> VisualOutput:
        tried: list[str] = []
        for query in self.queries(request):
            call.check()
            tried.append(query)
            ranked = rank(self.search(query, request, call), request)
            found: list[VisualOutput] = []
            for item, chosen in ranked:
                if len(found) > request.candidates:
                    break
                call.check()
                try:
                    data = self.download(chosen.url, call, "stock download")
                except ExpiredURL:
                    continue  # a stale link: the next best result
                except VisualProviderError:
                    if found:
                        break  # the pick is in hand; a candidate that fails is left out
                    raise
                found.append(self._output(item, data, query))
            if found:
                found[0].alternatives = found[1:]
                return found[0]
        shown = ", ".join(f"“{q}”" for q in tried) or "(no search terms)"
        raise NoResults(
            f"{self.label} has no usable {'clips' if request.kind == 'clip' else 'photos'} in {request.target.orientation} "
            f"matching the narration for {shown}",
            provider=self.name,
            code="no_results",
        )

    def _output(self, item: StockItem, data: bytes, query: str) -> VisualOutput:
        return VisualOutput(
            kind=item.kind,
            model=f"{self.name}-search",
            data=data,
            suffix=".mp4" if item.kind == "clip" else image_suffix(data),
            prompt_sent=query,
            stock_id=item.id,
            tags=item.tags,
            attribution=self.credit(item),
            source_url=item.page_url or None,
        )

    def credit(self, item: StockItem) -> str:
        what = "Video" if item.kind == "clip" else "Photo"
        by = f" by {item.creator}" if item.creator else ""
        link = f": {item.page_url}" if item.page_url else ""
        return f"{what}{by} on {self.site}{link}"
