"""Where things go on screen: one set of rectangles for every element, by frame shape.

Every on-screen element asks the stage for its place, so a title never sits under a
terminal and captions never sit under YouTube's Shorts buttons. Rectangles are whole
pixels at the output size; the studio's reduced preview gets the same layout scaled.

16:9 keeps a band at the top for scene titles and the chapter tag, the view area
(terminals, code, slides) below it, and captions near the bottom. 9:16 (Shorts) keeps
everything inside YouTube's safe area: nothing in the bottom quarter (title, channel and
description) or the right 15% (like, comment and share buttons).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Rect:
    """A rectangle in whole pixels."""

    x: int
    y: int
    w: int
    h: int

    @property
    def right(self) -> int:
        return self.x + self.w

    @property
    def bottom(self) -> int:
        return self.y + self.h

    @property
    def cx(self) -> int:
        return self.x + self.w // 2

    @property
    def cy(self) -> int:
        return self.y + self.h // 2

    def contains(self, other: Rect) -> bool:
        return (
            self.x <= other.x
            and self.y <= other.y
            and other.right <= self.right
            and other.bottom <= self.bottom
        )


@dataclass(frozen=True)
class Stage:
    """The layout of one frame size."""

    width: int
    height: int
    captions: bool = False
    """Captions are burned in: the caption row is never free for a name plate."""

    @property
    def vertical(self) -> bool:
        return self.height > self.width

    @property
    def unit(self) -> float:
        """One layout unit: 1/100 of the frame's short side (10.8 px at 1080p)."""
        return min(self.width, self.height) / 100

    def px(self, units: float) -> int:
        """Layout units to whole pixels (at least 1)."""
        return max(1, round(units * self.unit))

    @property
    def safe(self) -> Rect:
        """Where text may go: title-safe margins, and the Shorts buttons avoided."""
        if self.vertical:
            x, y = round(self.width * 0.06), round(self.height * 0.06)
            right = round(self.width * 0.85)
            bottom = round(self.height * 0.75)
            return Rect(x, y, right - x, bottom - y)
        mx, my = round(self.width * 0.05), round(self.height * 0.05)
        return Rect(mx, my, self.width - 2 * mx, self.height - 2 * my)

    @property
    def title_band(self) -> Rect:
        """The scene title's home at the top of the safe area."""
        s = self.safe
        return Rect(s.x, s.y, s.w, round(self.height * (0.085 if self.vertical else 0.12)))

    @property
    def caption_area(self) -> Rect:
        """Burned-in captions: two lines at the bottom of the safe area."""
        s = self.safe
        if self.vertical:
            h = round(self.height * 0.15)
            return Rect(s.x, s.bottom - h - self.px(2), s.w, h)
        h = round(self.height * 0.15)
        badge = self.px(12)
        x = s.x + badge + self.px(3)
        return Rect(x, s.bottom - h, s.right - x - badge - self.px(3), h)

    @property
    def speaker_anchor(self) -> Rect:
        """The speaker badge's square; the name plate starts at its right edge."""
        s = self.safe
        if self.vertical:
            size = self.px(13)
            return Rect(s.x, self.caption_area.y - size - self.px(3), size, size)
        size = self.px(12)
        band = self.caption_area
        return Rect(s.x, band.y + (band.h - size) // 2, size, size)

    @property
    def name_plate(self) -> Rect:
        """The lower-third's box when the caption row is busy: beside the badge in a Short,
        above the caption row in 16:9 (burned captions and the words shown low over a
        picture are centred in that row and would run under the plate)."""
        if self.vertical:
            return self._beside_badge(0.55)
        a = self.speaker_anchor
        h = round(a.h * 0.72)
        return Rect(a.x, self.caption_area.y - h - self.px(2), round(self.width * 0.34), h)

    def _beside_badge(self, width: float) -> Rect:
        """A plate ``width`` of the frame wide, right of the speaker badge, centred on it."""
        a = self.speaker_anchor
        h = round(a.h * 0.72)
        return Rect(a.right + self.px(2), a.y + (a.h - h) // 2, round(self.width * width), h)

    def name_plate_in(self, row: str) -> Rect:
        """The lower-third's box for a plate laid out in ``row`` (``caption`` or ``above``):
        in 16:9 a free caption row keeps it beside the badge, clear of the windows above."""
        if self.vertical or self.captions or row != "caption":
            return self.name_plate
        return self._beside_badge(0.34)

    @property
    def view_area(self) -> Rect:
        """Where terminals, code, slides, tables and quotes are drawn."""
        s = self.safe
        top = self.title_band.bottom + self.px(1.5)
        if self.vertical:
            # Windows may use the full width above 46% of the height: the Shorts buttons
            # (like, comment, share) sit lower down the right edge.
            x = round(self.width * 0.04)
            bottom = min(self.speaker_anchor.y - self.px(2), round(self.height * 0.46))
            return Rect(x, top, self.width - 2 * x, bottom - top)
        bottom = self.caption_area.y - self.px(1.5)
        return Rect(s.x, top, s.w, bottom - top)

    @property
    def card_area(self) -> Rect:
        """Where list slides, tables, quotes and callouts go: the view area, kept inside
        the safe area's width in a Short."""
        v = self.view_area
        if self.vertical:
            s = self.safe
            return Rect(s.x, v.y, s.w, v.h)
        return v

    @property
    def words_area(self) -> Rect:
        """The spoken words shown large over a bare background (inside the safe area)."""
        v = self.view_area
        if self.vertical:
            s = self.safe
            top = self.title_band.bottom + self.px(5)
            return Rect(s.x, top, s.w, self.speaker_anchor.y - self.px(3) - top)
        pad = round(v.w * 0.06)
        top = v.y + round(v.h * 0.08)
        bottom = min(v.y + round(v.h * 0.92), self.name_plate.y - self.px(1))  # the plate's row
        return Rect(v.x + pad, top, v.w - 2 * pad, bottom - top)


__all__ = ["Rect", "Stage"]
