"""Title cards: big text, over a darkened backdrop in the script's palette when asked."""

from __future__ import annotations

from collections.abc import Hashable

import cv2
import numpy as np

from app.engine.motion.draw import over
from app.engine.timeline import ProceduralSource, TitleCardSource
from app.engine.visuals.sources import Opening, register
from app.engine.visuals.text import title_card


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

    def state(self, source_frame: int) -> Hashable:
        """A title card never moves."""
        return None

    def close(self) -> None:
        pass


@register("title_card")
def open_title_card(source: TitleCardSource, at: Opening) -> TitleFrames:
    """``opaque`` asks for a full picture: a title card on the background track gets a
    darkened procedural backdrop in the script's palette instead of black."""
    backdrop = None
    if at.opaque:
        bg = ProceduralSource(prompt=source.text, palette=at.service.palette)
        backdrop = at.service.still(bg, at.width, at.height).copy()
        backdrop[:, :, :3] = cv2.convertScaleAbs(backdrop[:, :, :3], alpha=0.6)
    return TitleFrames(source, at.width, at.height, backdrop)
