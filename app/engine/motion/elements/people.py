"""Who is speaking: a name plate on a character's first line in a scene, and a badge in
dialogue that pulses with the loudness of their voice."""

from __future__ import annotations

import logging
from collections.abc import Hashable
from typing import Any

import cv2
import numpy as np

from app.engine.caching import ByteCache
from app.engine.model.time import SAMPLE_RATE, frames_to_samples
from app.engine.motion import draw
from app.engine.motion.elements import SPRITE_CACHE_BYTES, Context, Element, Sprite, register
from app.engine.motion.typeset import TextStyle, fit_size, render_text
from app.engine.styles import RGB, contrast, parse_hex

log = logging.getLogger(__name__)

PLATE_IN_MS = 350
PLATE_OUT_MS = 300
BADGE_IN_MS = 250
BADGE_OUT_MS = 200
LEVELS = 10
"""The pulse is drawn at this many loudness steps, so equal levels reuse one picture."""


def _colour(text: str, fallback: RGB) -> RGB:
    try:
        return parse_hex(text)
    except ValueError:
        return fallback


def initials(name: str) -> str:
    """One or two letters for a monogram: ``Dr. Who`` -> ``DW``, ``ALICE`` -> ``A``."""
    words = [w for w in name.replace(".", " ").split() if w and w[0].isalnum()]
    if not words:
        return "?"
    if len(words) == 1:
        return words[0][0].upper()
    return (words[0][0] + words[-1][0]).upper()


@register("lower_third")
class NamePlate(Element):
    """A speaker's name in their colour on a plate that wipes in from the left."""

    def __init__(self, source: Any, ctx: Context) -> None:
        super().__init__(source, ctx)
        st, style = ctx.stage, ctx.style
        rect = st.name_plate_in(source.row)
        colour = _colour(source.color, style.speaker_color(0))
        surface = style.surface
        name_colour = colour if contrast(colour, surface) >= 3.0 else style.text
        name_style = fit_size(
            source.name.upper(),
            TextStyle(px=round(rect.h * 0.5), family=style.font, weight="bold", fill=name_colour,
                      tracking=0.04),
            rect.w - st.px(5), round(rect.h * 0.6), max_lines=1, min_px=max(10, rect.h // 4),
        )  # fmt: skip
        name = render_text(source.name.upper(), name_style)
        role = None
        if source.role:
            role = render_text(
                source.role, TextStyle(px=round(rect.h * 0.24), family=style.font, fill=style.muted)
            )
        bar_w = max(4, st.px(0.9))
        pad = st.px(2.2)
        width = bar_w + pad + name.width + pad
        if role is not None:
            width = max(width, bar_w + pad + role.width + pad)
        plate = draw.rounded_rect(width, rect.h, st.px(1.2), surface, 0.94)
        bar = draw.rounded_rect(bar_w, rect.h, bar_w // 2, colour)
        draw.over(plate, bar, 0, 0)
        text_h = name.height + (role.height if role is not None else 0)
        y = (rect.h - text_h) // 2
        draw.over(plate, name.pixels, bar_w + pad, y)
        if role is not None:
            draw.over(plate, role.pixels, bar_w + pad, y + name.height)
        self.plate = plate
        self.x, self.y = rect.x, rect.y
        self.enter, self.leave = ctx.frames(PLATE_IN_MS), ctx.frames(PLATE_OUT_MS)

    def state(self, frame: int, length: int) -> Hashable:
        t_in, t_out = draw.envelope(frame, length, self.enter, self.leave)
        if t_in >= 1.0 and t_out <= 0.0:
            return "hold"
        return frame if t_in < 1.0 else ("out", frame - length)

    def sprite(self, frame: int, length: int) -> Sprite | None:
        t_in, t_out = draw.envelope(frame, length, self.enter, self.leave)
        picture = self.plate
        if t_in < 1.0:
            shown = max(1, round(picture.shape[1] * draw.ease_out(t_in)))
            picture = picture[:, :shown]
        if t_out > 0.0:
            picture = draw.fade(picture, 1.0 - draw.ease_in_out(t_out))
        return Sprite(picture, self.x, self.y)


def loudness_levels(path: str | None, offset: int, frames: int, fps: Any) -> np.ndarray:
    """Per frame, the voice's loudness as a step from 0 to ``LEVELS`` (silence to loud).

    RMS over each frame's samples in dB, mapped from -42 dBFS (0) to -12 dBFS (top),
    with a quick rise and a slower fall so the badge breathes rather than flickers.
    """
    out = np.zeros(max(0, frames), np.int8)
    if not path or frames <= 0:
        return out
    from app.engine.audio import read_wav

    try:
        audio, rate = read_wav(path)
    except Exception as exc:  # a missing or broken file only stops the pulse
        log.debug("badge: cannot read %s (%s)", path, exc)
        return out
    if rate != SAMPLE_RATE or audio.ndim != 1:
        return out
    bounds = [offset + frames_to_samples(f, fps) for f in range(frames + 1)]
    levels = np.zeros(frames, np.float32)
    for f in range(frames):
        chunk = audio[max(0, bounds[f]) : max(0, bounds[f + 1])]
        if chunk.size:
            rms = float(np.sqrt(np.mean(np.square(chunk, dtype=np.float32))))
            db = 20 * np.log10(max(rms, 1e-6))
            levels[f] = min(1.0, max(0.0, (db + 42) / 30))
    smooth = np.zeros_like(levels)
    current = 0.0
    for f, v in enumerate(levels.tolist()):
        current = v if v > current else current * 0.78 + v * 0.22
        smooth[f] = current
    return np.rint(smooth * LEVELS).astype(np.int8)


@register("badge")
class SpeakerBadge(Element):
    """An avatar, or a monogram disc, in the speaker's colour; its ring glows as they talk."""

    def __init__(self, source: Any, ctx: Context) -> None:
        super().__init__(source, ctx)
        st, style = ctx.stage, ctx.style
        rect = st.speaker_anchor
        self.rect = rect
        colour = _colour(source.color, style.speaker_color(0))
        self.colour = colour
        d = round(rect.w * 0.84)
        ring = max(3, d // 18)
        face = self._avatar(source.avatar, d - 2 * ring) if source.avatar else None
        if face is None:
            face = draw.disc(d - 2 * ring, colour)
            letters = initials(source.name)
            fg = (
                (12, 14, 18)
                if contrast(colour, (12, 14, 18)) >= contrast(colour, (255, 255, 255))
                else (255, 255, 255)
            )
            mono = fit_size(letters, TextStyle(px=round(d * 0.42), family=style.font, weight="bold", fill=fg),
                            round(d * 0.66), round(d * 0.5), max_lines=1)  # fmt: skip
            text = render_text(letters, mono)
            draw.over(
                face,
                text.pixels,
                (face.shape[1] - text.width) // 2,
                (face.shape[0] - text.height) // 2,
            )
        base = draw.disc(d, colour)
        draw.over(base, face, ring, ring)
        self.base = base
        self.glows = [draw.glow(base, colour, radius=d * (0.05 + 0.09 * k / LEVELS), strength=0.4 + 1.6 * k / LEVELS)
                      for k in range(LEVELS + 1)]  # fmt: skip
        self.enter = ctx.frames(BADGE_IN_MS) if getattr(source, "enter", True) else 0
        self.leave = ctx.frames(BADGE_OUT_MS) if getattr(source, "leave", True) else 0
        self._levels: np.ndarray | None = None
        self._cache: ByteCache[Sprite] = ByteCache(SPRITE_CACHE_BYTES)

    def _avatar(self, path: str, d: int) -> np.ndarray | None:
        from app.engine.pictures import VisualError, load_image

        try:
            picture = load_image(path)
        except (VisualError, OSError, cv2.error) as exc:
            log.info("avatar %s cannot be drawn (%s); using a monogram", path, exc)
            return None
        h, w = picture.shape[:2]
        side = min(h, w)
        crop = picture[
            (h - side) // 2 : (h - side) // 2 + side, (w - side) // 2 : (w - side) // 2 + side
        ]
        face = cv2.resize(crop, (d, d), interpolation=cv2.INTER_AREA)
        return draw.masked(face, draw.circle_mask(d))

    def level(self, frame: int, length: int) -> int:
        if self._levels is None or self._levels.size < length:
            src = self.source
            self._levels = loudness_levels(src.audio_path, src.audio_offset, length, self.ctx.fps)
        if 0 <= frame < self._levels.size:
            return int(self._levels[frame])
        return 0

    def state(self, frame: int, length: int) -> Hashable:
        t_in, t_out = draw.envelope(frame, length, self.enter, self.leave)
        if t_in < 1.0 or t_out > 0.0:
            return ("anim", frame, length)
        return ("level", self.level(frame, length))

    def sprite(self, frame: int, length: int) -> Sprite | None:
        key = self.state(frame, length)
        hit = self._cache.get(key)
        if hit is not None:
            return hit
        level = self.level(frame, length)
        halo = self.glows[level]
        pad = (halo.shape[0] - self.base.shape[0]) // 2
        canvas = halo.copy()
        pulse = 1.0 + 0.07 * level / LEVELS
        body = draw.scaled(self.base, pulse)
        off = (canvas.shape[0] - body.shape[0]) // 2
        draw.over(canvas, body, off, off)
        t_in, t_out = draw.envelope(frame, length, self.enter, self.leave)
        scale = draw.ease_out_back(t_in) if t_in < 1.0 else 1.0
        if scale < 0.999:
            canvas = draw.scaled(canvas, max(0.05, scale))
        if t_out > 0:
            canvas = draw.fade(canvas, 1.0 - t_out)
        cx = self.rect.x + self.rect.w // 2
        cy = self.rect.y + self.rect.h // 2
        _ = pad
        sp = Sprite(canvas, cx - canvas.shape[1] // 2, cy - canvas.shape[0] // 2)
        if isinstance(key, tuple) and key[0] == "level":
            self._cache.put(key, sp)
        return sp
