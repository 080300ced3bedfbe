"""Terminal and code windows, animated by the terminal engine and placed in the view area."""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from app.engine.model.time import frames_to_ms
from app.engine.pictures import premultiply
from app.engine.timeline import TerminalSource
from app.engine.visuals.sources import Opening, register


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
        ms = self.state(source_frame)
        if self._cache is not None and self._cache[0] == ms:
            return self._cache[1]
        picture = premultiply(np.ascontiguousarray(self._anim.frame_at(ms)))
        self._cache = (ms, picture)
        return picture

    def state(self, source_frame: int) -> int:
        """The animation's time, which stops at its end: a finished terminal is still."""
        return min(max(0, frames_to_ms(source_frame, self.fps)), self.play_ms)

    def close(self) -> None:
        self._cache = None


@register("terminal")
def open_terminal(source: TerminalSource, at: Opening) -> TerminalFrames:
    return TerminalFrames(source, at.width, at.height, at.fps)
