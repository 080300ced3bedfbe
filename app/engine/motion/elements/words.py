"""Spoken words on screen: large over a bare background, or as burned-in captions.

Both light up the word being spoken from the voice's real word timings; lines break at
phrase boundaries; captions stay inside the Shorts safe area (the stage says where).
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

import numpy as np

from app.engine.caching import ByteCache
from app.engine.motion import draw
from app.engine.motion.elements import SPRITE_CACHE_BYTES, Context, Element, Sprite, register
from app.engine.motion.stage import Rect
from app.engine.motion.typeset import TextStyle
from app.engine.motion.wordflow import break_lines, emphasis_mask, look_for, render_phrase

ENTER_MS = 220
LEAVE_MS = 160


class _Phrase(Element):
    """A phrase whose words light up as they are spoken, fitted into ``self.box``."""

    box: Rect
    max_lines: int
    on_picture: bool

    def setup(self, max_px: int, min_px: int, *, outline: bool, weight: str = "bold") -> None:
        src, style = self.source, self.ctx.style
        self.words = [w.text for w in src.words] or src.text.split()
        self.mask = emphasis_mask(self.words, list(getattr(src, "emphasis", [])))
        px = max_px
        while True:
            st = TextStyle(px=px, family=style.font, weight=weight,  # type: ignore[arg-type]
                           outline_px=max(2, px // 11) if outline else 0, outline=(8, 10, 14),
                           shadow=0.0 if outline else 0.5)  # fmt: skip
            lines = break_lines(self.words, st, self.box.w, self.max_lines)
            if (
                len(lines) <= self.max_lines and px * 1.15 * len(lines) <= self.box.h
            ) or px <= min_px:
                break
            px = max(min_px, round(px * 0.92))
        self.lines = lines
        self.look = look_for(style, st, on_picture=self.on_picture)
        self.enter, self.leave = self.ctx.frames(ENTER_MS), self.ctx.frames(LEAVE_MS)
        self._cache: ByteCache[np.ndarray] = ByteCache(SPRITE_CACHE_BYTES)

    def current(self, frame: int) -> int | None:
        words = self.source.words
        if not words:
            return None
        last = None
        for i, w in enumerate(words):
            if w.start <= frame:
                last = i
            else:
                break
        return last

    def state(self, frame: int, length: int) -> Hashable:
        t_in, t_out = draw.envelope(frame, length, self.enter, self.leave)
        anim = ("in", frame) if t_in < 1.0 else (("out", frame - length) if t_out > 0 else None)
        return (anim, self.current(frame))

    def picture(self, current: int | None) -> np.ndarray:
        hit = self._cache.get(current)
        if hit is None:
            hit = render_phrase(
                self.words, self.lines, self.look, current, self.mask, reveal=not self.on_picture
            )
            self._cache.put(current, hit)
        return hit

    def sprite(self, frame: int, length: int) -> Sprite | None:
        if not self.words:
            return None
        picture = self.picture(self.current(frame))
        t_in, t_out = draw.envelope(frame, length, self.enter, self.leave)
        b = self.box
        x = b.x + (b.w - picture.shape[1]) // 2
        y = self.anchor_y(picture.shape[0])
        if t_in < 1.0:
            e = draw.ease_out(t_in)
            return Sprite(draw.fade(picture, e), x, y + round((1 - e) * self.ctx.stage.px(1.5)))
        if t_out > 0.0:
            return Sprite(draw.fade(picture, 1.0 - t_out), x, y)
        return Sprite(picture, x, y)

    def anchor_y(self, h: int) -> int:
        return self.box.y + (self.box.h - h) // 2


@register("words:caption")
class SpokenWords(_Phrase):
    """The phrase being spoken, large, over a background with nothing else on it."""

    def __init__(self, source: Any, ctx: Context) -> None:
        super().__init__(source, ctx)
        st = ctx.stage
        self.lower = getattr(source, "placement", "centre") == "lower"
        if self.lower:  # over the user's picture: low, like a caption, outlined
            self.box = st.caption_area
            self.max_lines = 2
            self.on_picture = True
            self.setup(st.px(6.6 if st.vertical else 5.4), st.px(3.2), outline=True)
            return
        self.box = st.words_area
        self.max_lines = 4 if st.vertical else 3
        self.on_picture = False
        self.setup(st.px(9.5 if st.vertical else 8.2), st.px(4.4), outline=False)

    def anchor_y(self, h: int) -> int:
        return self.box.bottom - h if self.lower else super().anchor_y(h)


@register("caption:caption")
class BurnedCaption(_Phrase):
    """A caption at the bottom of the safe area: two lines at most, the spoken word marked."""

    def __init__(self, source: Any, ctx: Context) -> None:
        super().__init__(source, ctx)
        st = ctx.stage
        self.box = st.caption_area
        self.max_lines = 2
        self.on_picture = True
        self.setup(
            st.px(6.6 if st.vertical else 5.0), st.px(3.2), outline=ctx.style.captions != "box"
        )
        if ctx.style.captions == "box":
            self._backing = True

    def anchor_y(self, h: int) -> int:
        return self.box.bottom - h

    def picture(self, current: int | None) -> np.ndarray:
        hit = self._cache.get(current)
        if hit is not None:
            return hit
        text = render_phrase(self.words, self.lines, self.look, current, self.mask, reveal=False)
        if self.ctx.style.captions == "box":
            pad = self.ctx.stage.px(1.2)
            panel = draw.rounded_rect(text.shape[1] + 2 * pad, text.shape[0] + pad, self.ctx.stage.px(1.2),
                                      (10, 12, 16), 0.72)  # fmt: skip
            draw.over(panel, text, pad, pad // 2)
            text = panel
        self._cache.put(current, text)
        return text
