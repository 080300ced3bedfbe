"""A thumbnail that earns a click: a frame chosen for its content, a big short title.

The frame is picked among moments where something is on screen (a finished terminal, a
card, the user's own picture), drawn without the spoken words or titles on top, and
scored for detail and colour. The title is cut to at most five words, set large and
bold with a dark outline over a shade of the style's background, its key word in the
accent colour.
"""

from __future__ import annotations

import re

import cv2
import numpy as np

from app.engine.motion import draw
from app.engine.motion.typeset import TextStyle, fit_size, measure, render_runs, wrap
from app.engine.styles import Style

THUMB_W, THUMB_H = 1280, 720
MAX_WORDS = 5
_SMALL = frozenset(
    [
        "a",
        "an",
        "the",
        "of",
        "to",
        "in",
        "on",
        "at",
        "for",
        "and",
        "or",
        "but",
        "with",
        "from",
        "by",
        "into",
        "how",
        "why",
        "what",
        "your",
        "you",
        "is",
        "are",
    ]
)


def short_title(title: str, max_words: int = MAX_WORDS) -> str:
    """The title in at most ``max_words`` words: small words go first, order is kept."""
    words = title.split()
    if len(words) <= max_words:
        return title.strip()
    keep = list(range(len(words)))
    for i in range(len(words)):
        if len(keep) <= max_words:
            break
        if _bare(words[i]) in _SMALL:
            keep.remove(i)
    keep = keep[:max_words]
    return " ".join(words[i] for i in keep).rstrip(",;:")


def _bare(word: str) -> str:
    return re.sub(r"[^\w]", "", word.lower())


def key_word(title: str) -> int:
    """Index of the word drawn in the accent colour: an acronym or a number if there is
    one (``SSH``, ``2024``), else the longest word that is not small."""
    words = title.split()
    for i, w in enumerate(words):
        core = re.sub(r"[^\w]", "", w)
        if len(core) >= 2 and (core.isupper() or core.isdigit()):
            return i
    best, best_len = len(words) - 1, -1
    for i, w in enumerate(words):
        n = len(_bare(w))
        if _bare(w) not in _SMALL and n > best_len:
            best, best_len = i, n
    return max(0, best)


def content_score(rgb: np.ndarray) -> float:
    """How much there is to see: edge density plus colourfulness, on a small copy."""
    small = cv2.resize(
        rgb, (320, max(1, 320 * rgb.shape[0] // rgb.shape[1])), interpolation=cv2.INTER_AREA
    )
    grey = cv2.cvtColor(small, cv2.COLOR_RGB2GRAY)
    edges = float(np.count_nonzero(cv2.Canny(grey, 60, 160))) / grey.size
    r, g, b = (small[:, :, k].astype(np.float32) for k in range(3))
    rg, yb = r - g, 0.5 * (r + g) - b
    colour = float(
        np.sqrt(rg.std() ** 2 + yb.std() ** 2) + 0.3 * np.sqrt(rg.mean() ** 2 + yb.mean() ** 2)
    )
    return edges * 4.0 + colour / 100.0


def _cover(rgb: np.ndarray, w: int, h: int) -> np.ndarray:
    ih, iw = rgb.shape[:2]
    scale = max(w / iw, h / ih)
    fitted = cv2.resize(
        rgb, (max(w, round(iw * scale)), max(h, round(ih * scale))), interpolation=cv2.INTER_AREA
    )
    x0, y0 = (fitted.shape[1] - w) // 2, (fitted.shape[0] - h) // 2
    return np.ascontiguousarray(fitted[y0 : y0 + h, x0 : x0 + w])


def backdrop(frame_rgb: np.ndarray) -> np.ndarray:
    """The frame filling 1280x720; a vertical frame sits on the right over a blurred fill."""
    h, w = frame_rgb.shape[:2]
    if w >= h:
        return _cover(frame_rgb, THUMB_W, THUMB_H)
    canvas = cv2.GaussianBlur(_cover(frame_rgb, THUMB_W, THUMB_H), (0, 0), 22)
    canvas = (canvas.astype(np.float32) * 0.5).astype(np.uint8)
    fg = cv2.resize(frame_rgb, (round(w * THUMB_H / h), THUMB_H), interpolation=cv2.INTER_AREA)
    x0 = THUMB_W - fg.shape[1] - THUMB_W // 16
    canvas[:, x0 : x0 + fg.shape[1]] = fg
    return canvas


def design(frame_rgb: np.ndarray, title: str, style: Style) -> np.ndarray:
    """The finished 1280x720 RGB thumbnail: the frame, a shade, the short title."""
    canvas = backdrop(frame_rgb).astype(np.float32)
    # A shade of the style's background from the left, where the title goes.
    xs = np.arange(THUMB_W, dtype=np.float32) / THUMB_W
    shade = (np.clip(1.0 - (xs - 0.25) / 0.45, 0.0, 1.0) * 0.86).astype(np.float32)
    bg = np.array(style.background, np.float32)
    canvas = (
        canvas * (1 - shade)[None, :, None] + bg[None, None, :] * shade[None, :, None]
    ).astype(np.float32)
    out = np.ascontiguousarray(np.clip(canvas, 0, 255).astype(np.uint8))
    text = short_title(title)
    if not text:
        return out
    rgba = np.zeros((THUMB_H, THUMB_W, 4), np.uint8)
    rgba[:, :, :3] = out
    rgba[:, :, 3] = 255
    box_w, box_h = round(THUMB_W * 0.56), round(THUMB_H * 0.66)
    base = TextStyle(px=150, family=style.font, weight="bold", fill=(255, 255, 255), outline_px=0)
    fitted = fit_size(text, base, box_w, box_h, max_lines=3, min_px=56, spacing=1.02)
    outline = max(4, fitted.px // 16)
    plain = fitted.with_(fill=style.text if not style.is_light else (255, 255, 255), outline_px=outline,
                         outline=(6, 8, 12))  # fmt: skip
    accent = plain.with_(fill=style.accent)
    lines = wrap(text, plain, box_w)
    key = key_word(text)
    index = 0
    step = round(fitted.px * 1.04)
    total_h = step * len(lines)
    y = (THUMB_H - total_h) // 2 - fitted.px // 6
    x = THUMB_W // 18
    for line in lines:
        runs = []
        for k, word in enumerate(line.split()):
            runs.append(
                (
                    word + (" " if k < len(line.split()) - 1 else ""),
                    accent if index == key else plain,
                )
            )
            index += 1
        img = render_runs(runs)
        draw.over(rgba, img.pixels, x, y)
        y += step
    bar_w = min(box_w, max(measure(ln, plain) for ln in lines)) // 3
    draw.over(
        rgba,
        draw.rounded_rect(bar_w, max(8, fitted.px // 9), 6, style.accent),
        x + outline,
        y + fitted.px // 6,
    )
    return np.ascontiguousarray(rgba[:, :, :3])


def fitted_image(rgb: np.ndarray) -> np.ndarray:
    """A user's own thumbnail image brought to 1280x720 (cropped to fill, never stretched)."""
    return _cover(rgb, THUMB_W, THUMB_H)


__all__ = [
    "THUMB_H",
    "THUMB_W",
    "backdrop",
    "content_score",
    "design",
    "fitted_image",
    "key_word",
    "short_title",
]
