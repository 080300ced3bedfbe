"""The compositor: a timeline frame number in, one picture out.

Frames are pulled (architecture rule 4): the consumer asks for frame ``n``; each clip's
:class:`FrameSource` answers ``frame_at(source_frame)``; layers are blended bottom to top
as uint8 premultiplied alpha with OpenCV (no per-pixel Python). The same code draws the
studio's reduced-size preview and the export's full-size frame: sizes scale, nothing else
changes.

``Timeline.frame_key`` hashes everything that decides a frame's picture, so a stretch
where nothing moves (a still background behind a finished terminal) is drawn once and
handed back for every frame of the stretch.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from uuid import UUID

import cv2
import numpy as np

from app.engine.motion.draw import inverse_alpha, over
from app.engine.motion.elements import Context, Element, drawn_as_element, open_element
from app.engine.motion.stage import Stage
from app.engine.motion.transitions import transition
from app.engine.pictures import load_image
from app.engine.styles import resolve_style
from app.engine.timeline import (
    VISUAL_TRACK_KINDS,
    Clip,
    Timeline,
    TitleCardSource,
    Track,
)
from app.engine.visuals.base import FrameSource
from app.engine.visuals.service import VisualService


@dataclass(frozen=True)
class Frame:
    """One composited picture and the key that says which frames share it."""

    image: np.ndarray
    """Premultiplied RGBA uint8 (alpha 255 wherever an opaque layer covers)."""
    key: Hashable


def _with_opacity(picture: np.ndarray, opacity: float) -> np.ndarray:
    """A premultiplied picture faded to ``opacity`` (every channel scales, alpha too)."""
    return cv2.convertScaleAbs(picture, alpha=max(0.0, min(1.0, opacity)))


class Compositor:
    """Draws a timeline's frames at ``width`` x ``height`` (the timeline's size by default).

    ``alpha=True`` keeps transparency for ProRes 4444 and VP9: the background track's
    generated and media pictures are left out, so terminals, titles and captions sit on
    a transparent frame ready to lay over other footage.
    """

    def __init__(
        self,
        timeline: Timeline,
        *,
        width: int | None = None,
        height: int | None = None,
        alpha: bool = False,
        burn_captions: bool = False,
        watermark: Path | None = None,
        visuals: VisualService | None = None,
        max_sources: int = 12,
    ) -> None:
        self.timeline = timeline
        self.width = width or timeline.width
        self.height = height or (round(self.width * timeline.height / timeline.width / 2) * 2)
        self.alpha = alpha
        self._burn_param = burn_captions
        self.burn_captions = burn_captions or timeline.burn_captions
        self.visuals = visuals or VisualService()
        self.ctx = self._context()
        self._sources: OrderedDict[tuple[UUID, str], FrameSource | Element] = OrderedDict()
        self._max_sources = max_sources
        self._last: Frame | None = None
        self._watermark = self._load_watermark(watermark) if watermark else None
        self._hashes: dict[int, tuple[Clip, str]] = {}
        self._ends: tuple[Timeline, dict[UUID, int]] | None = None
        self._inv: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self._adopt_palette()

    def _context(self) -> Context:
        stage = Stage(self.width, self.height, captions=self.burn_captions)
        return Context(stage=stage, style=resolve_style(self.timeline.look), fps=self.timeline.fps)

    def _adopt_palette(self) -> None:
        for _, clip in self.timeline.clips():
            palette = getattr(clip.source, "palette", None)
            if palette:
                self.visuals.palette = list(palette)
                return

    @property
    def fps(self) -> Fraction:
        return self.timeline.fps

    def set_timeline(self, timeline: Timeline) -> None:
        """Draw another snapshot; sources of unchanged clips are kept."""
        self.timeline = timeline
        self._last = None
        self._hashes = {}
        self.burn_captions = self._burn_param or timeline.burn_captions
        ctx = self._context()
        if ctx != self.ctx:  # another style or caption setting: every element looks different
            self.ctx = ctx
            self.close()
        self._adopt_palette()

    # -- sources ---------------------------------------------------------------------
    def _clip_hash(self, clip: Clip) -> str:
        entry = self._hashes.get(id(clip))
        if entry is not None and entry[0] is clip:
            return entry[1]
        h = clip.content_hash()
        self._hashes[id(clip)] = (clip, h)
        return h

    def _source(
        self, clip: Clip, opaque: bool = False, track_kind: str = ""
    ) -> FrameSource | Element:
        key = (clip.id, self._clip_hash(clip))
        src = self._sources.get(key)
        if src is not None:
            self._sources.move_to_end(key)
            return src
        if drawn_as_element(track_kind, clip.source.kind):
            src = open_element(clip.source, self.ctx, track_kind)
        else:
            src = self.visuals.open(clip.source, self.width, self.height, self.fps, opaque=opaque)
        self._sources[key] = src
        while len(self._sources) > self._max_sources:
            _, old = self._sources.popitem(last=False)
            old.close()
        return src

    def release_before(self, frame: int) -> None:
        """Close the sources of clips that ended before ``frame`` (export walks forward)."""
        if self._ends is None or self._ends[0] is not self.timeline:
            self._ends = (self.timeline, {c.id: c.end for _, c in self.timeline.clips()})
        ends = self._ends[1]  # made once: called every second, over an hour's clips
        for key in [k for k in self._sources if ends.get(k[0], 0) <= frame]:
            self._sources.pop(key).close()

    def close(self) -> None:
        for src in self._sources.values():
            src.close()
        self._sources.clear()

    # -- drawing ---------------------------------------------------------------------
    def frame_key(self, n: int) -> Hashable:
        """Everything that decides the picture at ``n``: equal keys, identical pictures.

        Finer than ``Timeline.frame_key``: a Ken Burns move that has reached its end, a
        terminal that has finished typing, a video held on its last frame and keyframed
        properties that have settled all count as still, so the rest of a scene is drawn
        once however long it lasts.
        """
        parts: list[Hashable] = []
        for track, clip in self._visible(n):
            parts.append((track.id, self._clip_hash(clip), self._motion_state(track, clip, n)))
        return tuple(parts)

    def _visible(self, n: int) -> list[tuple[Track, Clip]]:
        """The clips drawn at ``n``: burned captions give way to the large spoken words."""
        clips = self.timeline.clips_at(n, kinds=VISUAL_TRACK_KINDS)
        words = any(t.kind == "words" for t, _ in clips)
        return [
            (t, c)
            for t, c in clips
            if not (t.kind == "caption" and (not self.burn_captions or words))
        ]

    def _motion_state(self, track: Track, clip: Clip, n: int) -> Hashable:
        """What changes a clip's picture from frame to frame, at ``n``."""
        if clip.transition_progress(n) is not None:
            return ("transition", n)
        # Each source says which of its frames look alike: an element by its kind's
        # module, a picture by its opener's frame source.
        opaque = track.kind == "visual" and not self.alpha
        src = self._source(clip, opaque, track.kind)
        sf = clip.source_frame(n)
        own = src.state(sf, clip.length) if isinstance(src, Element) else src.state(sf)
        if not clip.keyframes:
            return own
        values = tuple((name, clip.value_at(name, n)) for name in sorted(clip.keyframes))
        return (own, values)

    def frame(self, n: int) -> Frame:
        """The picture at timeline frame ``n``; the same object again while nothing moves."""
        key = self.frame_key(n)
        if self._last is not None and self._last.key == key:
            return self._last
        image = self._draw(n)
        self._last = Frame(image, key)
        return self._last

    def rgb(self, n: int) -> np.ndarray:
        """The picture at ``n`` as contiguous RGB (over black): previews and thumbnails."""
        return np.ascontiguousarray(self.frame(n).image[:, :, :3])

    def _draw(self, n: int) -> np.ndarray:
        canvas: np.ndarray | None = None
        for track, clip in self._visible(n):
            if canvas is None:
                canvas = self._bottom(track, clip, n)
                if canvas is not None:
                    continue
                canvas = np.zeros((self.height, self.width, 4), np.uint8)
            if (
                self.alpha
                and track.kind == "visual"
                and not isinstance(clip.source, TitleCardSource)
            ):
                continue
            self._draw_clip(canvas, track, clip, n)
        if canvas is None:
            canvas = np.zeros((self.height, self.width, 4), np.uint8)
        if self._watermark is not None:
            wm = self._watermark
            margin = self.width // 40
            over(canvas, wm, self.width - wm.shape[1] - margin, self.height - wm.shape[0] - margin)
        return canvas

    def _bottom(self, track: Track, clip: Clip, n: int) -> np.ndarray | None:
        """The bottom layer as the canvas itself when it is a plain full-frame opaque picture."""
        if (
            track.kind != "visual"
            or self.alpha
            or clip.keyframes
            or clip.transition_progress(n) is not None
        ):
            return None
        src = self._source(clip, opaque=True)
        if not getattr(src, "opaque", False):
            return None
        picture = src.frame_at(clip.source_frame(n))
        if picture.shape[:2] != (self.height, self.width):
            return None
        return picture.copy()

    def _layer(
        self, clip: Clip, frame: int, opaque: bool = False, track_kind: str = ""
    ) -> tuple[np.ndarray, int, int] | None:
        src = self._source(clip, opaque, track_kind)
        if isinstance(src, Element):
            sprite = src.sprite(clip.source_frame(frame), clip.length)
            return None if sprite is None else (sprite.pixels, sprite.x, sprite.y)
        picture = src.frame_at(clip.source_frame(frame))
        return picture, int(getattr(src, "x", 0)), int(getattr(src, "y", 0))

    def _draw_clip(self, canvas: np.ndarray, track: Track, clip: Clip, n: int) -> None:
        layer = self._layer(
            clip, n, opaque=track.kind == "visual" and not self.alpha, track_kind=track.kind
        )
        if layer is None:
            return
        picture, x, y = layer
        progress = clip.transition_progress(n)
        if progress is not None and clip.transition_in is not None:
            picture = self._transition(track, clip, picture, float(progress), n)
        raw_scale = clip.value_at("scale", n) if "scale" in clip.keyframes else 1.0
        scale = raw_scale if isinstance(raw_scale, float | int) else 1.0
        if "position" in clip.keyframes or scale != 1.0:
            if "position" in clip.keyframes:
                pos = clip.value_at("position", n)
                cx, cy = pos if isinstance(pos, tuple) else (0.5, 0.5)
                centre_x, centre_y = cx * self.width, cy * self.height
            else:  # scaled about its own centre, where its source placed it
                centre_x, centre_y = x + picture.shape[1] / 2, y + picture.shape[0] / 2
            if scale != 1.0:
                size = (
                    max(1, round(picture.shape[1] * scale)),
                    max(1, round(picture.shape[0] * scale)),
                )
                picture = cv2.resize(picture, size, interpolation=cv2.INTER_LINEAR)
            x = round(centre_x - picture.shape[1] / 2)
            y = round(centre_y - picture.shape[0] / 2)
        inv = None
        if "opacity" in clip.keyframes:
            picture = _with_opacity(picture, float(clip.value_at("opacity", n)))  # type: ignore[arg-type]
        elif progress is None and scale == 1.0:
            inv = self._inverse_alpha(picture)
        over(canvas, picture, x, y, inv)

    def _inverse_alpha(self, picture: np.ndarray) -> np.ndarray:
        """``255 - alpha`` in four channels for a picture, kept while the picture is reused."""
        entry = self._inv.get(id(picture))
        if entry is not None and entry[0] is picture:
            return entry[1]
        inv = inverse_alpha(picture)
        self._inv[id(picture)] = (picture, inv)
        while len(self._inv) > 4:
            self._inv.pop(next(iter(self._inv)))
        return inv

    def _transition(
        self, track: Track, clip: Clip, picture: np.ndarray, p: float, n: int
    ) -> np.ndarray:
        """The incoming clip blended with what the track showed just before it, by the
        transition the registry holds under the clip's transition name."""
        assert clip.transition_in is not None
        kind = clip.transition_in.kind
        prev = track.previous(clip)
        before: np.ndarray
        layer = None
        if prev is not None and prev.end == clip.start:
            layer = self._layer(prev, prev.end - 1, opaque=track.kind == "visual" and not self.alpha,
                                track_kind=track.kind)  # fmt: skip
        if layer is not None and layer[0].shape == picture.shape:
            before = layer[0]
        else:
            before = np.zeros_like(picture)
        return transition(kind)(before, picture, p, n)

    def _load_watermark(self, path: Path) -> np.ndarray:
        picture = load_image(path)
        target_w = max(8, self.width // 10)
        scale = target_w / picture.shape[1]
        size = (target_w, max(1, round(picture.shape[0] * scale)))
        resized = cv2.resize(picture, size, interpolation=cv2.INTER_AREA)
        return _with_opacity(resized, 0.8)


class PreviewCompositors:
    """Compositors for small pictures, kept per size, each drawing one frame at a time.

    Each user owns one (the studio's preview worker, its timeline thumbnails), so drawing
    for one never waits on another's lock. Keeping them per size lets scrubbing reuse
    decoded media and generated backgrounds.
    """

    KEEP = 3
    """Sizes kept at once (a resized dock goes back to a size it had)."""

    def __init__(self) -> None:
        self._by_size: OrderedDict[tuple[int, int, bool], Compositor] = OrderedDict()
        self.lock = threading.Lock()
        """Held while a frame is drawn (a caller may ask from any thread)."""

    def frame(
        self, timeline: Timeline, frame: int, *, width: int, alpha: bool = False
    ) -> np.ndarray:
        """The frame at ``frame`` drawn at ``width`` pixels wide (RGB, or RGBA with ``alpha``)."""
        height = max(2, round(width * timeline.height / timeline.width / 2) * 2)
        key = (width, height, alpha)
        with self.lock:
            comp = self._by_size.get(key)
            if comp is None:
                comp = Compositor(timeline, width=width, height=height, alpha=alpha)
                self._by_size[key] = comp
                while len(self._by_size) > self.KEEP:
                    self._by_size.popitem(last=False)[1].close()
            elif comp.timeline is not timeline:
                comp.set_timeline(timeline)
            image = comp.frame(frame).image
            return image.copy() if alpha else np.ascontiguousarray(image[:, :, :3])

    def close(self) -> None:
        """Release every kept compositor's media (after the frame being drawn, if any)."""
        with self.lock:
            while self._by_size:
                self._by_size.popitem()[1].close()


_SHARED = PreviewCompositors()
"""For callers that own none (the command line, benchmarks, tests)."""


def preview_frame(
    timeline: Timeline,
    frame: int,
    *,
    width: int,
    alpha: bool = False,
    compositors: PreviewCompositors | None = None,
) -> np.ndarray:
    """The frame at ``frame`` drawn at ``width`` pixels wide: the studio's scrub preview.

    The same compositor as the export, at reduced size, from ``compositors`` (a shared
    set when none is given).
    """
    return (compositors or _SHARED).frame(timeline, frame, width=width, alpha=alpha)
