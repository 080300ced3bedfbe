"""Text pictures: title and scene cards, burned-in captions, the thumbnail's title.

Text is rasterised by FreeType through Pillow at its final pixel size (the engine may
not use Qt), wrapped to a width, and returned as premultiplied RGBA so the compositor
lays it over any background with one blend.
"""

from __future__ import annotations

from functools import lru_cache

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from app.engine.paths import resources_dir
from app.engine.visuals.base import premultiply

TITLE_FONT = "DejaVuSans.ttf"
FALLBACK_FONT = "DroidSansFallback.ttf"


@lru_cache(maxsize=64)
def font(px: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """The bundled sans font at ``px`` pixels."""
    fonts = resources_dir() / "fonts"
    for name in (TITLE_FONT, FALLBACK_FONT):
        path = fonts / name
        if path.is_file():
            return ImageFont.truetype(str(path), max(6, px))
    return ImageFont.load_default(max(6, px))


def wrap(text: str, fnt: ImageFont.FreeTypeFont | ImageFont.ImageFont, max_width: int) -> list[str]:
    """Greedy word wrap by measured width (a word longer than the line stays whole)."""
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        current = ""
        for word in paragraph.split():
            trial = f"{current} {word}".strip()
            if current and fnt.getlength(trial) > max_width:
                lines.append(current)
                current = word
            else:
                current = trial
        lines.append(current)
    return lines


def text_block(
    text: str,
    px: int,
    max_width: int,
    *,
    fill: tuple[int, int, int] = (255, 255, 255),
    shadow: bool = True,
    align: str = "center",
    highlight_word: int | None = None,
    highlight_fill: tuple[int, int, int] = (255, 214, 10),
) -> np.ndarray:
    """Wrapped text as premultiplied RGBA, sized to its contents, with a soft shadow."""
    fnt = font(px)
    lines = wrap(text, fnt, max_width)
    _, top, _, bottom = fnt.getbbox("Ág")
    line_h = int((bottom - min(0, top)) * 1.2)
    widths = [int(fnt.getlength(line)) for line in lines]
    pad = max(4, px // 4)
    w = max([*widths, 1]) + 2 * pad
    h = line_h * len(lines) + 2 * pad
    img = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    word_index = 0
    for i, line in enumerate(lines):
        x = pad + ((w - 2 * pad - widths[i]) // 2 if align == "center" else 0)
        y = pad + i * line_h
        if highlight_word is None:
            draw.text((x, y), line, font=fnt, fill=(*fill, 255))
            continue
        for word in line.split(" "):
            colour = highlight_fill if word_index == highlight_word else fill
            draw.text((x, y), word, font=fnt, fill=(*colour, 255))
            x += int(fnt.getlength(word + " "))
            word_index += 1
    rgba = np.asarray(img, dtype=np.uint8)
    if shadow:
        alpha = rgba[:, :, 3]
        blur = cv2.GaussianBlur(alpha, (0, 0), sigmaX=max(1.0, px / 12))
        offset = max(1, px // 20)
        shadow_a = np.zeros_like(alpha)
        shadow_a[offset:, offset:] = (
            blur[:-offset, :-offset].astype(np.uint16) * 200 // 255
        ).astype(np.uint8)
        # Straight "text over shadow": alpha = a + s(1 - a); colour premultiplied = rgb * a.
        a = alpha.astype(np.uint16)
        out_a = a + (shadow_a.astype(np.uint16) * (255 - a) + 127) // 255
        out = np.zeros_like(rgba)
        out[:, :, :3] = ((rgba[:, :, :3].astype(np.uint16) * a[..., None] + 127) // 255).astype(
            np.uint8
        )
        out[:, :, 3] = np.minimum(out_a, 255).astype(np.uint8)
        return out
    return premultiply(rgba)


def title_card(title: str, subtitle: str, width: int, height: int) -> np.ndarray:
    """A title (and subtitle) centred on a transparent frame, premultiplied RGBA."""
    canvas = np.zeros((height, width, 4), np.uint8)
    short = min(width, height)
    big = text_block(title, max(12, short // 9), int(width * 0.82))
    blocks = [big]
    if subtitle:
        blocks.append(
            text_block(subtitle, max(8, short // 22), int(width * 0.75), fill=(220, 220, 230))
        )
    total = sum(b.shape[0] for b in blocks)
    y = (height - total) // 2
    for b in blocks:
        bh, bw = b.shape[:2]
        x = (width - bw) // 2
        paste(canvas, b, x, y)
        y += bh
    return canvas


def paste(canvas: np.ndarray, block: np.ndarray, x: int, y: int) -> None:
    """Premultiplied ``block`` over premultiplied ``canvas`` at (x, y), clipped to the canvas."""
    h, w = canvas.shape[:2]
    bh, bw = block.shape[:2]
    x0, y0, x1, y1 = max(0, x), max(0, y), min(w, x + bw), min(h, y + bh)
    if x1 <= x0 or y1 <= y0:
        return
    src = block[y0 - y : y1 - y, x0 - x : x1 - x]
    dst = canvas[y0:y1, x0:x1]
    inv = 255 - src[:, :, 3:4].astype(np.uint16)
    channels = dst.shape[2]
    blended = src[:, :, :channels].astype(np.uint16) + (dst.astype(np.uint16) * inv + 127) // 255
    canvas[y0:y1, x0:x1] = np.minimum(blended, 255).astype(np.uint8)
