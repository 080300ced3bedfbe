"""Opening a timeline source as a :class:`FrameSource` at an output size (by the opener
:mod:`app.engine.visuals.sources` holds for its kind).

The :class:`VisualService` owns the still generators (procedural offline; cloud ones
later) and keeps generated stills keyed by a hash of everything that made them, so a
scene's background is drawn once per size however many frames show it.
"""

from __future__ import annotations

from fractions import Fraction
from typing import TYPE_CHECKING

import cv2
import numpy as np

from app.engine.caching import ByteCache
from app.engine.hashing import cache_key
from app.engine.pictures import VisualError
from app.engine.timeline import ProceduralSource
from app.engine.visuals.base import FrameSource, StillGenerator
from app.engine.visuals.procedural import ProceduralGenerator, palette_for_style
from app.engine.visuals.sources import Opening, opener

if TYPE_CHECKING:
    from app.engine.store import Store


class VisualService:
    """Turns timeline sources into frame sources and caches generated stills."""

    def __init__(
        self,
        generators: list[StillGenerator] | None = None,
        *,
        store: Store | None = None,
        max_still_bytes: int = 48 * 1024 * 1024,
    ) -> None:
        self.generators: dict[str, StillGenerator] = {"procedural": ProceduralGenerator()}
        self.generators.update({g.name: g for g in (generators or [])})
        self.store = store
        """Where generated stills from paid generators are kept (procedural ones are cheap to redraw)."""
        self._stills: ByteCache[np.ndarray] = ByteCache(max_still_bytes)
        """Generated pictures, bounded by bytes: five at 1080p, one at 4K (an open clip
        keeps its own; these are for opening it again)."""
        self.palette: list[str] = []
        """The script's palette (from its procedural sources): title cards share it."""

    def still(
        self, source: ProceduralSource, width: int, height: int, provider: str = "procedural"
    ) -> np.ndarray:
        """The generated picture for a procedural source at this size, as opaque RGBA (cached)."""
        generator = self.generators.get(provider) or self.generators["procedural"]
        palette = list(source.palette) or palette_for_style(source.styled_prompt or source.prompt)
        key = cache_key(
            "visual",
            provider=generator.name,
            prompt=source.prompt,
            seed=source.seed,
            palette=palette,
            width=width,
            height=height,
            pattern=source.pattern,
        )
        cached = self._stills.get(key)
        if cached is not None:
            return cached
        rgb = self._stored(key) if generator.name != "procedural" else None
        if rgb is None:
            if isinstance(generator, ProceduralGenerator):
                rgb = generator.generate(
                    source.styled_prompt or source.prompt,
                    width=width,
                    height=height,
                    seed=source.seed,
                    palette=palette,
                    pattern=source.pattern,
                )
            else:
                rgb = generator.generate(
                    source.styled_prompt or source.prompt,
                    width=width,
                    height=height,
                    seed=source.seed,
                    palette=palette,
                )
            if generator.name != "procedural":
                self._store_still(key, rgb, generator.name, source)
        return self._stills.put(key, cv2.cvtColor(rgb, cv2.COLOR_RGB2RGBA))

    def _stored(self, key: str) -> np.ndarray | None:
        if self.store is None:
            return None
        entry = self.store.visual_cache_get(key)
        if entry is None or not entry.path.is_file():
            return None
        data = cv2.imread(str(entry.path), cv2.IMREAD_COLOR)
        return None if data is None else cv2.cvtColor(data, cv2.COLOR_BGR2RGB)

    def _store_still(
        self, key: str, rgb: np.ndarray, provider: str, source: ProceduralSource
    ) -> None:
        if self.store is None:
            return
        ok, png = cv2.imencode(".png", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
        if not ok:
            return
        asset = self.store.add_asset(
            png.tobytes(),
            "image",
            suffix=".png",
            width=rgb.shape[1],
            height=rgb.shape[0],
            provenance={
                "provider": provider,
                "prompt": source.styled_prompt or source.prompt,
                "seed": source.seed,
            },
        )
        self.store.visual_cache_put(
            key, asset.sha256, provider=provider, meta={"prompt": source.prompt}
        )

    def open(
        self, source: object, width: int, height: int, fps: Fraction, *, opaque: bool = False
    ) -> FrameSource:
        """A frame source for a visual timeline source at ``width`` x ``height``.

        ``opaque`` asks for a full picture: a title card on the background track gets a
        darkened procedural backdrop in the script's palette instead of black.
        """
        found = opener(getattr(source, "kind", ""))
        if found is None:
            raise VisualError(f"no picture for a {type(source).__name__}")
        return found(source, Opening(self, width, height, fps, opaque))
