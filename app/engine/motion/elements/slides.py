"""Cards in the view area: list slides whose items appear as they are spoken, tables,
quotes and callouts. Each is laid out once at the largest type that fits the area."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

import numpy as np

from app.engine.caching import ByteCache
from app.engine.model.script import TABLE_MAX_COLS, TABLE_MAX_ROWS
from app.engine.motion import draw
from app.engine.motion.elements import SPRITE_CACHE_BYTES, Context, Element, Sprite, register
from app.engine.motion.typeset import TextImage, TextStyle, Weight, measure, render_text, wrap
from app.engine.styles import mix

ENTER_MS = 400
LEAVE_MS = 300
ITEM_MS = 350


class _Card(Element):
    """Shared panel, entrance and exit of every card."""

    def __init__(self, source: Any, ctx: Context) -> None:
        super().__init__(source, ctx)
        self.area = ctx.stage.card_area
        self.enter, self.leave = ctx.frames(ENTER_MS), ctx.frames(LEAVE_MS)
        self.pad = ctx.stage.px(3.5)
        self.radius = ctx.stage.px(2)

    def panel(self, w: int, h: int) -> np.ndarray:
        style = self.ctx.style
        return draw.rounded_rect(w, h, self.radius, style.surface, 0.93,
                                 border=mix(style.surface, style.accent, 0.35), border_px=max(1, self.ctx.stage.px(0.2)))  # fmt: skip

    def place(self, picture: np.ndarray, frame: int, length: int) -> Sprite:
        t_in, t_out = draw.envelope(frame, length, self.enter, self.leave)
        a = self.area
        x = a.x + (a.w - picture.shape[1]) // 2
        y = a.y + (a.h - picture.shape[0]) // 2
        if t_in < 1.0:
            e = draw.ease_out(t_in)
            factor = 0.94 + 0.06 * e
            scaled = draw.fade(draw.scaled(picture, factor), e)
            return Sprite(scaled, x + (picture.shape[1] - scaled.shape[1]) // 2,
                          y + (picture.shape[0] - scaled.shape[0]) // 2 + round((1 - e) * self.ctx.stage.px(2)))  # fmt: skip
        if t_out > 0.0:
            return Sprite(draw.fade(picture, 1.0 - draw.ease_in_out(t_out)), x, y)
        return Sprite(picture, x, y)

    def envelope_state(self, frame: int, length: int) -> Hashable | None:
        t_in, t_out = draw.envelope(frame, length, self.enter, self.leave)
        if t_in < 1.0:
            return ("in", frame)
        if t_out > 0.0:
            return ("out", frame - length)
        return None


def _fit_px(max_px: int, min_px: int, fits: Any) -> int:
    px = max_px
    while px > min_px and not fits(px):
        px = max(min_px, round(px * 0.93)) if px > min_px + 1 else min_px
    return px


@register("slide")
class Slide(_Card):
    """A list, table, quote or callout card, by the source's ``variant``."""

    def __init__(self, source: Any, ctx: Context) -> None:
        super().__init__(source, ctx)
        self.variant = source.variant
        self._items: list[tuple[TextImage, TextImage, TextImage]] = []
        self._item_pos: list[tuple[int, int]] = []
        self._cache: ByteCache[np.ndarray] = ByteCache(SPRITE_CACHE_BYTES)
        self.item_in = ctx.frames(ITEM_MS)
        if self.variant == "list":
            self._layout_list()
        elif self.variant == "table":
            self._static = self._layout_table()
        else:
            self._static = self._layout_text()

    # -- lists ---------------------------------------------------------------------
    def _layout_list(self) -> None:
        src, st, style = self.source, self.ctx.stage, self.ctx.style
        inner_w = self.area.w - 2 * self.pad
        inner_h = self.area.h - 2 * self.pad
        items = list(src.items)
        title = src.title.strip()

        def sizes(px: int) -> tuple[int, int, list[list[str]]]:
            body = TextStyle(px=px, family=style.font, fill=style.text)
            marker_w = (
                max(measure(it.marker or "•", body) for it in items) + px // 2 if items else 0
            )
            rows = [wrap(it.text, body, inner_w - marker_w - it.depth * px) for it in items]
            line_h = round(px * 1.25)
            height = sum(len(r) * line_h for r in rows) + round(px * 0.45) * max(0, len(rows) - 1)
            if title:
                height += round(px * 1.2 * 1.25) + round(px * 0.6)
            widest = (
                max((max(measure(ln, body) for ln in r) for r in rows if r), default=0) + marker_w
            )
            return height, widest, rows

        px = _fit_px(
            st.px(6.4 if st.vertical else 5.6), st.px(3.4), lambda p: sizes(p)[0] <= inner_h
        )
        height, widest, rows = sizes(px)
        body = TextStyle(px=px, family=style.font, fill=style.text)
        title_img = None
        if title:
            title_img = render_text(title, TextStyle(px=round(px * 1.2), family=style.font, weight="bold",
                                                     fill=style.accent), max_width=inner_w, max_lines=2)  # fmt: skip
            widest = max(widest, title_img.width)
        width = min(inner_w, max(widest, round(inner_w * 0.55))) + 2 * self.pad
        self.card = self.panel(width, min(self.area.h, height + 2 * self.pad))
        y = self.pad
        if title_img is not None:
            draw.over(self.card, title_img.pixels, self.pad, y)
            y += title_img.height + round(px * 0.35)
        marker_w = max(measure(it.marker or "•", body) for it in items) + px // 2 if items else 0
        dim = mix(style.text, style.surface, 0.35)
        for it, lines in zip(items, rows, strict=True):
            indent = it.depth * px
            text = "\n".join(lines)
            bright = render_text(text, body, spacing=1.25)
            dull = render_text(text, body.with_(fill=dim), spacing=1.25)
            marker = render_text(it.marker or " ", body.with_(fill=style.accent, weight="bold"))
            self._items.append((marker, bright, dull))
            self._item_pos.append((self.pad + indent, y))
            y += bright.height + round(px * 0.2)
        self._marker_w = marker_w

    def _visible(self, frame: int) -> int:
        return sum(1 for it in self.source.items if it.at <= frame)

    def _list_picture(self, frame: int) -> tuple[np.ndarray, Hashable]:
        items = self.source.items
        shown = self._visible(frame)
        newest_t = 1.0
        if shown:
            newest_t = min(1.0, (frame - items[shown - 1].at + 1) / self.item_in)
        key: Hashable = (shown, round(newest_t * 20))
        hit = self._cache.get(key)
        if hit is not None:
            return hit, key
        card = self.card.copy()
        for k in range(shown):
            marker, bright, dull = self._items[k]
            x, y = self._item_pos[k]
            text = bright if k == shown - 1 else dull
            t = newest_t if k == shown - 1 else 1.0
            e = draw.ease_out(t)
            dx = round((1 - e) * self.ctx.stage.px(4))
            draw.over(card, draw.fade(marker.pixels, e), x + dx, y)
            draw.over(card, draw.fade(text.pixels, e), x + dx + self._marker_w, y)
        if newest_t >= 1.0:
            self._cache.put(key, card)
        return card, key

    # -- tables --------------------------------------------------------------------
    def _layout_table(self) -> np.ndarray:
        src, st, style = self.source, self.ctx.stage, self.ctx.style
        header = list(src.header)[:TABLE_MAX_COLS]
        cols = len(header)
        rows = [list(r)[:cols] + [""] * (cols - len(r)) for r in src.rows[:TABLE_MAX_ROWS]]
        if len(src.rows) > TABLE_MAX_ROWS:
            rows.append(["…"] + [""] * (cols - 1))
        if len(src.header) > TABLE_MAX_COLS and rows:
            header[-1] = header[-1] + " …"
        inner_w = self.area.w - 2 * self.pad
        inner_h = self.area.h - 2 * self.pad

        def layout(px: int) -> tuple[list[int], int, int]:
            body = TextStyle(px=px, family=style.font, fill=style.text)
            head = body.with_(weight="bold")
            gap = px
            widths = [
                max([measure(header[c], head), *[measure(r[c], body) for r in rows]])
                for c in range(cols)
            ]
            row_h = round(px * 1.7)
            return widths, sum(widths) + gap * max(0, cols - 1), row_h * (len(rows) + 1)

        px = _fit_px(
            st.px(5.0), st.px(2.6), lambda p: layout(p)[1] <= inner_w and layout(p)[2] <= inner_h
        )
        widths, total_w, total_h = layout(px)
        body = TextStyle(px=px, family=style.font, fill=style.text)
        head = body.with_(weight="bold", fill=style.accent)
        gap, row_h = px, round(px * 1.7)
        card = self.panel(total_w + 2 * self.pad, total_h + 2 * self.pad)
        aligns = list(src.align) + ["left"] * cols
        for r, cells in enumerate([header, *rows]):
            y = self.pad + r * row_h
            if r % 2 == 0 and r > 0:
                stripe = draw.rounded_rect(
                    total_w + self.pad, row_h, px // 4, mix(style.surface, style.text, 0.06)
                )
                draw.over(card, stripe, self.pad // 2, y)
            x = self.pad
            for c, cell in enumerate(cells):
                img = render_text(cell, head if r == 0 else body)
                dx = {"center": (widths[c] - img.width) // 2, "right": widths[c] - img.width}.get(
                    aligns[c], 0
                )
                draw.over(card, img.pixels, x + max(0, dx), y + (row_h - img.height) // 2)
                x += widths[c] + gap
            if r == 0:
                rule = draw.rounded_rect(total_w, max(2, px // 12), 1, style.accent)
                draw.over(card, rule, self.pad, y + row_h - max(2, px // 12))
        return card

    # -- quotes and callouts -------------------------------------------------------
    def _layout_text(self) -> np.ndarray:
        src, st, style = self.source, self.ctx.stage, self.ctx.style
        inner_w = round((self.area.w - 2 * self.pad) * (0.9 if st.vertical else 0.8))
        inner_h = self.area.h - 2 * self.pad
        quote = self.variant == "quote"
        family = "serif" if quote else style.font
        weight: Weight = "regular" if quote else "bold"
        text = src.text

        def height(px: int) -> int:
            lines = wrap(text, TextStyle(px=px, family=family, weight=weight), inner_w)
            extra = round(px * 1.6) if src.attribution else 0
            return round(len(lines) * px * 1.3) + extra + (round(px * 0.8) if quote else 0)

        px = _fit_px(st.px(7.0 if quote else 7.6), st.px(3.6), lambda p: height(p) <= inner_h)
        body = TextStyle(px=px, family=family, weight=weight, fill=style.text)
        words = render_text(
            text, body, max_width=inner_w, align="left" if quote else "center", spacing=1.28
        )
        parts: list[tuple[np.ndarray, str]] = []
        if quote:
            mark = render_text(
                "\u201c",
                TextStyle(px=round(px * 2.2), family="serif", weight="bold", fill=style.accent),
            )
            parts.append((mark.pixels[: round(mark.height * 0.62)], "left"))
        parts.append((words.pixels, "left" if quote else "center"))
        if src.attribution:
            who = render_text(
                f"\u2014 {src.attribution}",
                TextStyle(px=round(px * 0.62), family=style.font, fill=style.muted),
            )
            parts.append((who.pixels, "right"))
        width = max(p.shape[1] for p, _ in parts) + 2 * self.pad
        bar = 0 if quote else max(4, st.px(0.8))
        height_px = sum(p.shape[0] for p, _ in parts) + 2 * self.pad + st.px(1) * (len(parts) - 1)
        card = self.panel(width + bar, height_px)
        if bar:
            draw.over(card, draw.rounded_rect(bar, height_px, bar // 2, style.accent), 0, 0)
        y = self.pad
        for picture, align in parts:
            x = {"left": self.pad, "center": (width - picture.shape[1]) // 2,
                 "right": width - self.pad - picture.shape[1]}[align] + bar  # fmt: skip
            draw.over(card, picture, x, y)
            y += picture.shape[0] + st.px(1)
        return card

    # -- frames --------------------------------------------------------------------
    def state(self, frame: int, length: int) -> Hashable:
        env = self.envelope_state(frame, length)
        inner: Hashable = None
        if self.variant == "list":
            items = self.source.items
            shown = self._visible(frame)
            t = 1.0 if not shown else min(1.0, (frame - items[shown - 1].at + 1) / self.item_in)
            inner = (shown, round(t * 20))
        return (env, inner)

    def sprite(self, frame: int, length: int) -> Sprite | None:
        if self.variant == "list":
            picture, _ = self._list_picture(frame)
        else:
            picture = self._static
        return self.place(picture, frame, length)
