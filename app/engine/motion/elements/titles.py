"""The video's title card and each scene's animated title, which settles into a chapter tag."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

import numpy as np

from app.engine.caching import ByteCache
from app.engine.motion import draw
from app.engine.motion.elements import SPRITE_CACHE_BYTES, Context, Element, Sprite, register
from app.engine.motion.typeset import TextStyle, fit_size, render_text
from app.engine.styles import mix

ENTER_MS = 500
LEAVE_MS = 400
SETTLE_MS = 450


@register("title:title_card")
class TitleCard(Element):
    """The video's title, centred over the opening picture while the first words play."""

    def __init__(self, source: Any, ctx: Context) -> None:
        super().__init__(source, ctx)
        st, style = ctx.stage, ctx.style
        box_w = round(st.width * (0.84 if st.vertical else 0.74))
        title_style = fit_size(
            source.text,
            TextStyle(px=st.px(10.5 if st.vertical else 10), family=style.font, weight="bold",
                      fill=style.text, shadow=0.6),
            box_w, round(st.height * 0.3), max_lines=3, min_px=st.px(4),
        )  # fmt: skip
        self.title = render_text(
            source.text, title_style, max_width=box_w, align="center", spacing=1.08
        )
        self.subtitle = None
        if source.subtitle:
            sub = TextStyle(px=st.px(3.6), family=style.font, fill=style.muted, shadow=0.4)
            self.subtitle = render_text(
                source.subtitle, sub, max_width=box_w, align="center", max_lines=2
            )
        gap = st.px(2.2)
        bar_h = max(3, st.px(0.7))
        self.bar_w = min(self.title.width, st.px(22))
        inner_h = (
            self.title.height + gap + bar_h + (gap + self.subtitle.height if self.subtitle else 0)
        )
        inner_w = max(self.title.width, self.subtitle.width if self.subtitle else 0)
        pad = st.px(4)
        panel = draw.rounded_rect(
            inner_w + 2 * pad, inner_h + 2 * pad, st.px(2.5), style.background, 0.55
        )
        self.panel = panel
        self.pad, self.gap, self.bar_h = pad, gap, bar_h
        self.x = (st.width - panel.shape[1]) // 2
        self.y = (st.height - panel.shape[0]) // 2 - (st.px(4) if st.vertical else 0)
        self.enter, self.leave = ctx.frames(ENTER_MS), ctx.frames(LEAVE_MS)
        self._cache: ByteCache[Sprite] = ByteCache(SPRITE_CACHE_BYTES)

    def _compose(self, t_in: float) -> np.ndarray:
        style = self.ctx.style
        canvas = self.panel.copy()
        _h, w = canvas.shape[:2]
        rise = round((1.0 - draw.ease_out(t_in)) * self.ctx.stage.px(3))
        y = self.pad + rise
        draw.over(
            canvas,
            draw.fade(self.title.pixels, draw.ease_out(t_in)),
            (w - self.title.width) // 2,
            y,
        )
        y += self.title.height + self.gap
        bar = max(2, round(self.bar_w * draw.ease_in_out(t_in)))
        draw.over(
            canvas,
            draw.rounded_rect(bar, self.bar_h, self.bar_h // 2, style.accent),
            (w - bar) // 2,
            y,
        )
        y += self.bar_h + self.gap
        if self.subtitle is not None:
            draw.over(
                canvas,
                draw.fade(self.subtitle.pixels, draw.ease_out(t_in)),
                (w - self.subtitle.width) // 2,
                y,
            )
        return draw.fade(canvas, min(1.0, t_in * 1.6))

    def state(self, frame: int, length: int) -> Hashable:
        t_in, t_out = draw.envelope(frame, length, self.enter, self.leave)
        if t_in < 1.0:
            return ("in", frame)
        if t_out > 0.0:
            return ("out", round(t_out * 50))
        return "hold"

    def sprite(self, frame: int, length: int) -> Sprite | None:
        key = self.state(frame, length)
        hit = self._cache.get(key)
        if hit is not None:
            return hit
        t_in, t_out = draw.envelope(frame, length, self.enter, self.leave)
        picture = self._compose(t_in)
        if t_out > 0:
            picture = draw.fade(picture, 1.0 - draw.ease_in_out(t_out))
        sp = Sprite(picture, self.x, self.y)
        if key == "hold" or (isinstance(key, tuple) and key[0] == "out"):
            self._cache.put(key, sp)
        return sp


@register("scene_title")
class SceneTitle(Element):
    """A scene heading: slides in large in the title band, holds, then settles into a tag."""

    def __init__(self, source: Any, ctx: Context) -> None:
        super().__init__(source, ctx)
        st, style = ctx.stage, ctx.style
        band = st.title_band
        self.band = band
        number = f"{source.number:02d}" if source.number else ""
        big_px = st.px(8.4 if st.vertical else 7.4)
        text_w = band.w - st.px(14)
        self.big = self._label(number, source.text, big_px, text_w, band.h)
        self.tag = self._label(number, source.text, st.px(3.0 if st.vertical else 2.6),
                               round(band.w * 0.6), st.px(5.5), tag=True)  # fmt: skip
        self.enter, self.leave = ctx.frames(ENTER_MS), ctx.frames(LEAVE_MS)
        self.settle = ctx.frames(SETTLE_MS)
        self.hold = int(source.hold_frames) or 10**9
        self.tag_y = band.y
        self.big_y = band.y + max(0, (band.h - self.big.shape[0]) // 2)
        _ = style
        self._cache: ByteCache[Sprite] = ByteCache(SPRITE_CACHE_BYTES)

    def _label(
        self, number: str, text: str, px: int, max_w: int, max_h: int, *, tag: bool = False
    ) -> np.ndarray:
        style = self.ctx.style
        st = self.ctx.stage
        heading = fit_size(
            text, TextStyle(px=px, family=style.font, weight="bold", fill=style.text, shadow=0.0 if tag else 0.5),
            max_w, max_h, max_lines=1 if tag else 2, min_px=max(8, px // 2),
        )  # fmt: skip
        title = render_text(text, heading, max_width=max_w, max_lines=1 if tag else 2, spacing=1.05)
        parts: list[np.ndarray] = []
        if number:
            num_style = TextStyle(px=max(8, round(heading.px * 0.62)), family="mono", weight="bold",
                                  fill=style.on_accent())  # fmt: skip
            num = render_text(number, num_style)
            pill = draw.rounded_rect(num.width + heading.px // 3, round(heading.px * 1.05), heading.px // 4,
                                     style.accent)  # fmt: skip
            draw.over(
                pill,
                num.pixels,
                (pill.shape[1] - num.width) // 2,
                (pill.shape[0] - num.height) // 2,
            )
            parts.append(pill)
        gap = max(4, heading.px // 3)
        h = max([title.height, *[p.shape[0] for p in parts]])
        w = sum(p.shape[1] for p in parts) + title.width + gap * len(parts)
        # A backing panel keeps the title readable over any picture.
        pad = st.px(1.2) if tag else max(4, heading.px // 4)
        extra = st.px(1.2) if tag else heading.px // 3
        canvas = np.zeros((h + 2 * pad, w + 2 * pad + extra, 4), np.uint8)
        bg = draw.rounded_rect(
            canvas.shape[1],
            canvas.shape[0],
            canvas.shape[0] // 2 if tag else max(4, heading.px // 4),
            mix(style.background, style.surface, 0.5),
            0.72 if tag else 0.62,
        )
        draw.over(canvas, bg, 0, 0)
        x = pad + (st.px(0.6) if tag else heading.px // 6)
        for p in parts:
            draw.over(canvas, p, x, pad + (h - p.shape[0]) // 2)
            x += p.shape[1] + gap
        draw.over(canvas, title.pixels, x, pad + (h - title.height) // 2)
        return canvas

    def _phase(self, frame: int, length: int) -> tuple[str, float]:
        if frame < self.enter:
            return "in", (frame + 1) / self.enter
        if length - frame <= self.leave:
            return "out", (frame - (length - self.leave) + 1) / self.leave
        if frame < self.hold:
            return "hold", 1.0
        if frame < self.hold + self.settle:
            return "settle", (frame - self.hold + 1) / self.settle
        return "tag", 1.0

    def state(self, frame: int, length: int) -> Hashable:
        phase, t = self._phase(frame, length)
        if phase in ("hold", "tag"):
            return phase
        tagged = frame >= self.hold + self.settle
        return (phase, round(t * 60), tagged)

    def sprite(self, frame: int, length: int) -> Sprite | None:
        key = self.state(frame, length)
        hit = self._cache.get(key)
        if hit is not None:
            return hit
        phase, t = self._phase(frame, length)
        x0 = self.band.x
        if phase == "in":
            e = draw.ease_out(t)
            sp = Sprite(
                draw.fade(self.big, e), x0 - round((1 - e) * self.ctx.stage.px(6)), self.big_y
            )
        elif phase == "hold":
            sp = Sprite(self.big, x0, self.big_y)
        elif phase == "settle":
            e = draw.ease_in_out(t)
            if e < 0.5:
                factor = 1.0 - 0.5 * (e / 0.5) * (1 - self.tag.shape[0] / max(1, self.big.shape[0]))
                sp = Sprite(
                    draw.fade(draw.scaled(self.big, factor), 1 - e * 2),
                    x0,
                    self.big_y - round(e * (self.big_y - self.tag_y)),
                )
            else:
                sp = Sprite(draw.fade(self.tag, (e - 0.5) * 2), x0, self.tag_y)
        elif phase == "tag":
            sp = Sprite(self.tag, x0, self.tag_y)
        else:  # out
            tagged = frame >= self.hold + self.settle
            picture, y = (self.tag, self.tag_y) if tagged else (self.big, self.big_y)
            sp = Sprite(draw.fade(picture, 1 - draw.ease_in_out(t)), x0, y)
        if phase in ("hold", "tag"):
            self._cache.put(key, sp)
        return sp
