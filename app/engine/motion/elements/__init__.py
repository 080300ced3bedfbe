"""On-screen elements: one module per kind of timeline source, each registering itself.

An element is opened for one clip at one output size (like a visual source) and asked,
frame by frame, for a :class:`Sprite`: a small premultiplied picture and where it goes.
Only what moves is redrawn: :meth:`Element.state` says which frames look the same, so
the compositor draws a held title once however long it stays.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, TypeVar

import numpy as np

from app.engine.model.time import ms_to_frames
from app.engine.motion.stage import Stage
from app.engine.plugins import Submodules
from app.engine.styles import Style

SPRITE_CACHE_BYTES = 48 * 1024 * 1024
"""What one element keeps of the pictures it drew (a frame at 4K is 33 MB)."""


@dataclass(frozen=True)
class Sprite:
    """A picture (premultiplied RGBA) and the frame position of its top-left corner."""

    pixels: np.ndarray
    x: int
    y: int


@dataclass(frozen=True)
class Context:
    """What every element is drawn with: the stage, the style and the frame rate."""

    stage: Stage
    style: Style
    fps: Fraction

    def frames(self, ms: int) -> int:
        """Milliseconds as whole frames at this rate (at least 1)."""
        return max(1, ms_to_frames(ms, self.fps))


class Element(ABC):
    """A timeline source drawn as an animated sprite."""

    opaque = False

    def __init__(self, source: Any, ctx: Context) -> None:
        self.source = source
        self.ctx = ctx
        self.width = ctx.stage.width
        self.height = ctx.stage.height

    @abstractmethod
    def sprite(self, frame: int, length: int) -> Sprite | None:
        """The picture at source ``frame`` of a clip ``length`` frames long (``None``: nothing)."""

    def state(self, frame: int, length: int) -> Hashable:
        """Equal states draw identical sprites; the default says every frame differs."""
        return frame

    def frame_at(self, source_frame: int) -> np.ndarray:
        """A full-frame picture (for callers that do not place sprites themselves)."""
        canvas = np.zeros((self.height, self.width, 4), np.uint8)
        sp = self.sprite(source_frame, source_frame + 10_000)
        if sp is not None:
            from app.engine.motion.draw import over

            over(canvas, sp.pixels, sp.x, sp.y)
        return canvas

    def close(self) -> None:  # noqa: B027 - most elements hold only small pictures
        """Release what the element holds."""


_E = TypeVar("_E", bound=type[Element])
_REGISTRY: dict[str, type[Element]] = {}


def register(kind: str) -> Callable[[_E], _E]:
    """Class decorator: the element that draws sources of ``kind``.

    ``track:kind`` (``words:caption``) registers an element for a source kind on one
    kind of track only: the same caption is drawn large on the words track and small at
    the bottom on the caption track.
    """

    def add(cls: _E) -> _E:
        _REGISTRY[kind] = cls
        return cls

    return add


_load = Submodules(__name__, __path__)
"""Imports every module here once, so each registers itself."""


def drawn_as_element(track_kind: str, source_kind: str) -> bool:
    """True when a source of ``source_kind`` on a ``track_kind`` track is an element."""
    _load()
    return f"{track_kind}:{source_kind}" in _REGISTRY or source_kind in _REGISTRY


def open_element(source: Any, ctx: Context, track_kind: str = "") -> Element:
    """The element for a timeline source; ``KeyError`` when no element draws its kind."""
    _load()
    cls = _REGISTRY.get(f"{track_kind}:{source.kind}") or _REGISTRY[source.kind]
    return cls(source, ctx)


__all__ = ["Context", "Element", "Sprite", "drawn_as_element", "open_element", "register"]
