"""The visual-source interface: everything that draws a picture answers ``frame_at(n)``.

A :class:`FrameSource` is opened for one clip at one output size and pulled frame by
frame by the compositor (architecture rule 4). Pictures are *premultiplied* RGBA uint8
(H x W x 4; alpha 255 throughout for an opaque source, which says so with ``opaque``),
so the compositor blends any of them with one multiply-add and no per-pixel Python, and
four-channel images are what OpenCV's warps and blends vectorise best.

A :class:`StillGenerator` makes the still behind a prompt. The procedural generator is
the offline one; cloud image generators plug in later behind the same small interface
and are cached by the visual service.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Protocol, runtime_checkable

import numpy as np


@runtime_checkable
class FrameSource(Protocol):
    """A clip's picture at one output size."""

    width: int
    height: int
    opaque: bool
    """True when every picture covers its whole area (alpha 255): drawn without blending."""

    def frame_at(self, source_frame: int) -> np.ndarray:
        """The premultiplied RGBA picture at a source frame (owned by the source: do not modify)."""
        ...

    def state(self, source_frame: int) -> Hashable:
        """What decides the picture at ``source_frame``: equal states, identical pictures
        (a held still or a finished terminal is drawn once however long it shows)."""
        ...

    def close(self) -> None:
        """Release files and decoders."""
        ...


@runtime_checkable
class StillGenerator(Protocol):
    """Makes a still picture for a prompt; the same inputs always give the same picture."""

    name: str
    """``provider`` part of the cache key: ``procedural``, later ``openai``, ``stability``..."""

    def generate(
        self, prompt: str, *, width: int, height: int, seed: int, palette: list[str]
    ) -> np.ndarray:
        """An opaque RGB uint8 picture of exactly ``width`` x ``height``."""
        ...


def cover_fit(size: tuple[int, int], width: int, height: int) -> tuple[float, float]:
    """Scale factors that make a picture of ``size`` (w, h) cover ``width`` x ``height``."""
    sw, sh = size
    scale = max(width / max(1, sw), height / max(1, sh))
    return scale, scale
