"""Opening a timeline source as a :class:`FrameSource` at an output size.

The :class:`VisualService` owns the still generators (procedural offline; cloud ones
later) and keeps generated stills keyed by a hash of everything that made them, so a
scene's background is drawn once per size however many frames show it.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING

import cv2
import numpy as np

from app.engine.caching import ByteCache
from app.engine.hashing import cache_key
from app.engine.model.time import frames_to_ms
from app.engine.motion.draw import over
from app.engine.pictures import VisualError, load_image, premultiply
from app.engine.timeline import (
    ImageSource,
    ProceduralSource,
    TerminalSource,
    TitleCardSource,
    VideoSource,
)
from app.engine.visuals.base import FrameSource, StillGenerator
from app.engine.visuals.kenburns import StillFrames
from app.engine.visuals.procedural import ProceduralGenerator, palette_for_style
from app.engine.visuals.text import title_card
from app.engine.visuals.video import VideoFrames

if TYPE_CHECKING:
    from app.engine.store import Store


class TerminalFrames:
    """A terminal or code window sized to its content, centred in the stage's view area.

    Pulls ``Animation.frame_at(ms)`` (straight RGBA, just the window and its shadow) and
    premultiplies it; after the animation's ``play_ms`` the finished view is held, so it
    is drawn once.
    """

    def __init__(self, source: TerminalSource, frame_w: int, frame_h: int, fps: Fraction) -> None:
        from app.engine.motion.stage import Stage
        from app.engine.terminal import build_view_animation, row_px_limits

        area = Stage(frame_w, frame_h).view_area
        lo, hi = row_px_limits(frame_w, frame_h)
        anim = build_view_animation(
            source.beat,
            area.w,
            area.h,
            min_row_px=lo,
            max_row_px=hi,
            theme=source.theme,
            seed=source.seed,
        )
        if source.play_ms != anim.duration_ms and source.play_ms > 0:
            anim = anim.retimed(source.play_ms)
        self.width, self.height = anim.width, anim.height
        self.x = area.x + (area.w - anim.width) // 2
        self.y = area.y + (area.h - anim.height) // 2
        self.fps = fps
        self.play_ms = source.play_ms
        self.opaque = False
        self._anim = anim
        self._cache: tuple[int, np.ndarray] | None = None

    def frame_at(self, source_frame: int) -> np.ndarray:
        ms = min(max(0, frames_to_ms(source_frame, self.fps)), self.play_ms)
        if self._cache is not None and self._cache[0] == ms:
            return self._cache[1]
        picture = premultiply(np.ascontiguousarray(self._anim.frame_at(ms)))
        self._cache = (ms, picture)
        return picture

    def close(self) -> None:
        self._cache = None


class TitleFrames:
    """A title card: big text, drawn once, over a backdrop when one is given."""

    def __init__(
        self, source: TitleCardSource, width: int, height: int, backdrop: np.ndarray | None = None
    ) -> None:
        self.width, self.height = width, height
        self.opaque = backdrop is not None
        picture = title_card(source.text, source.subtitle, width, height)
        if backdrop is not None:
            canvas = backdrop.copy()
            over(canvas, picture, 0, 0)
            picture = canvas
        self._picture = picture

    def frame_at(self, source_frame: int) -> np.ndarray:
        return self._picture

    def close(self) -> None:
        pass


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
        if isinstance(source, ProceduralSource):
            return StillFrames(self.still(source, width, height), width, height, source.ken_burns)
        if isinstance(source, ImageSource):
            if not Path(source.path).is_file():
                raise VisualError(f"image not found: {source.path}")
            return StillFrames(load_image(source.path), width, height, source.ken_burns)
        if isinstance(source, VideoSource):
            if not Path(source.path).is_file():
                raise VisualError(f"video not found: {source.path}")
            try:
                return VideoFrames(source.path, width, height, fps, source.mode, source.num_frames)
            except Exception as exc:  # PyAV's errors name the codec, not the fix
                raise VisualError(f"{source.path}: cannot decode this video ({exc})") from exc
        if isinstance(source, TitleCardSource):
            backdrop = None
            if opaque:
                bg = ProceduralSource(prompt=source.text, palette=self.palette)
                backdrop = self.still(bg, width, height).copy()
                backdrop[:, :, :3] = cv2.convertScaleAbs(backdrop[:, :, :3], alpha=0.6)
            return TitleFrames(source, width, height, backdrop)
        if isinstance(source, TerminalSource):
            return TerminalFrames(source, width, height, fps)
        raise VisualError(f"no picture for a {type(source).__name__}")
