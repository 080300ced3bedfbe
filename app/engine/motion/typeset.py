"""Setting type for the screen: measuring, wrapping and drawing text as premultiplied RGBA.

Every piece of on-screen text (titles, name plates, captions, slides, the thumbnail's
title) is drawn here, at its final pixel size, by FreeType through Pillow (the engine may
not use Qt). Families (``sans``, ``serif``, ``display``, ``mono``) map to bundled fonts,
and characters a family lacks are drawn from bundled fallback fonts (Arabic, Hebrew,
Devanagari, Thai, symbols, CJK, colour emoji), so no script is drawn as boxes.

A line is cut into pieces by font coverage (each font's character map is read once with
fontTools), the pieces are put in visual order for right-to-left text, and each piece is
shaped by HarfBuzz (Pillow's raqm layout) so Arabic joins and Indic clusters form. One
layout serves measuring, wrapping and drawing, so a measured width is the drawn width.

The pictures are premultiplied RGBA uint8 sized to their contents, so the compositor
lays them over anything with one blend.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from functools import cache, lru_cache
from typing import Literal

import cv2
import numpy as np
from fontTools import unicodedata as ft_unicodedata
from fontTools.ttLib import TTFont
from PIL import Image, ImageDraw, ImageFont, features

from app.engine.caching import byte_cached
from app.engine.paths import resources_dir

RGB = tuple[int, int, int]
Weight = Literal["regular", "bold"]
Align = Literal["left", "center", "right"]

_FAMILY_FILES: dict[str, dict[str, str]] = {
    "sans": {"regular": "NotoSans-Regular.ttf", "bold": "NotoSans-Bold.ttf"},
    "serif": {"regular": "NotoSerif-Regular.ttf", "bold": "NotoSerif-Bold.ttf"},
    "display": {"regular": "NotoSansDisplay-Regular.ttf", "bold": "NotoSansDisplay-Bold.ttf"},
    "mono": {"regular": "JetBrainsMono-Regular.ttf", "bold": "JetBrainsMono-Bold.ttf"},
}
"""The main font of each family (``app.engine.styles.FONT_FAMILIES``) per weight."""

EMOJI_FILE = "NotoColorEmoji.ttf"
EMOJI_PX = 109
"""Noto Color Emoji holds bitmaps for one size only: drawn at this size, then scaled."""

_FALLBACK_FILES: tuple[dict[str, str], ...] = (
    {"regular": "NotoSans-Regular.ttf", "bold": "NotoSans-Bold.ttf"},
    {"regular": "NotoSansArabic-Regular.ttf", "bold": "NotoSansArabic-Bold.ttf"},
    {"regular": "NotoSansHebrew-Regular.ttf", "bold": "NotoSansHebrew-Bold.ttf"},
    {"regular": "NotoSansDevanagari-Regular.ttf"},
    {"regular": "NotoSansThai-Regular.ttf", "bold": "NotoSansThai-Bold.ttf"},
    {"regular": "DejaVuSans.ttf"},
    {"regular": "NotoSansSymbols2-Regular.ttf"},
    {"regular": "NotoSansSymbols-Regular.ttf"},
    {"regular": "NotoSansCJKsc-Regular.otf"},
    {"regular": EMOJI_FILE},
    {"regular": "DroidSansFallback.ttf"},
)
"""Where a character the family lacks is looked for, in order, after the family's font.

Files without a bold face are drawn bold by stroking the regular outlines. The big CJK
font's character map is only read when a character reaches it.
"""

_RAQM = bool(features.check("raqm"))
"""Pillow's raqm layout (HarfBuzz and FriBiDi) shapes Arabic and Indic text and joins emoji
sequences; where a Pillow build lacks it, text is laid out glyph by glyph, unjoined."""
_LAYOUT = ImageFont.Layout.RAQM if _RAQM else ImageFont.Layout.BASIC
_BOLD_STROKE = 0.03
"""Stroke, as a fraction of the size, that thickens a regular face to stand in for bold."""


@dataclass(frozen=True)
class TextStyle:
    """How a run of text looks. ``px`` is the font size in pixels."""

    px: int
    family: str = "sans"
    weight: Weight = "regular"
    fill: RGB = (255, 255, 255)
    outline_px: int = 0
    outline: RGB = (0, 0, 0)
    shadow: float = 0.0
    """Soft drop shadow strength, 0 (none) to 1."""
    tracking: float = 0.0
    """Extra space between letters, as a fraction of ``px`` (for capitals in name plates)."""

    def with_(self, **changes: object) -> TextStyle:
        return replace(self, **changes)  # type: ignore[arg-type]


@dataclass(frozen=True)
class TextImage:
    """Drawn text: premultiplied RGBA pixels and where the first baseline sits.

    ``boxes`` holds, for every run drawn (lines taken in order), its box
    ``(left, top, right, bottom)`` in the picture's pixels, for marking a spoken word.
    """

    pixels: np.ndarray
    baseline: int
    line_height: int
    boxes: tuple[tuple[int, int, int, int], ...] = ()

    @property
    def width(self) -> int:
        return int(self.pixels.shape[1])

    @property
    def height(self) -> int:
        return int(self.pixels.shape[0])


# --- fonts and their coverage -------------------------------------------------------------


@dataclass(frozen=True)
class _Face:
    """One font file as used for one weight."""

    file: str
    fake_bold: bool = False

    @property
    def emoji(self) -> bool:
        return self.file == EMOJI_FILE


def _fonts_dir() -> str:
    return str(resources_dir() / "fonts")


def family_names() -> tuple[str, ...]:
    """The families this module draws (the names a style's ``font`` may take)."""
    return tuple(_FAMILY_FILES)


@lru_cache(maxsize=256)
def _font(name: str, px: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(f"{_fonts_dir()}/{name}", max(4, px), layout_engine=_LAYOUT)


@lru_cache(maxsize=1)
def _emoji_font() -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(f"{_fonts_dir()}/{EMOJI_FILE}", EMOJI_PX, layout_engine=_LAYOUT)


@cache
def coverage(name: str) -> frozenset[int]:
    """The code points a bundled font file maps to glyphs (read once from its cmap)."""
    font = TTFont(f"{_fonts_dir()}/{name}", lazy=True)
    try:
        return frozenset(font.getBestCmap() or {})
    finally:
        font.close()


def _pick_face(files: dict[str, str], weight: str) -> _Face:
    if weight in files or files["regular"] == EMOJI_FILE:
        return _Face(files.get(weight, files["regular"]))
    return _Face(files["regular"], fake_bold=weight == "bold")


@lru_cache(maxsize=16)
def _chain(family: str, weight: str) -> tuple[_Face, ...]:
    """The family's own face first, then every fallback not already in the list."""
    main = _pick_face(_FAMILY_FILES.get(family) or _FAMILY_FILES["sans"], weight)
    chain = [main]
    for files in _FALLBACK_FILES:
        face = _pick_face(files, weight)
        if all(f.file != face.file for f in chain):
            chain.append(face)
    return tuple(chain)


def font_for(style: TextStyle) -> ImageFont.FreeTypeFont:
    """The main font of a style's family and weight at its size."""
    return _font(_chain(style.family, style.weight)[0].file, style.px)


def line_height(style: TextStyle, spacing: float = 1.2) -> int:
    """Distance between baselines of wrapped lines."""
    ascent, descent = font_for(style).getmetrics()
    return max(1, round((ascent + descent) * spacing))


# --- cutting text into clusters and pieces ------------------------------------------------

_VS15, _VS16, _ZWJ, _KEYCAP = "\ufe0e", "\ufe0f", "\u200d", "\u20e3"


def _is_skin_tone(ch: str) -> bool:
    return "\U0001f3fb" <= ch <= "\U0001f3ff"


def _is_regional(ch: str) -> bool:
    return "\U0001f1e6" <= ch <= "\U0001f1ff"


def _is_tag(ch: str) -> bool:
    return "\U000e0020" <= ch <= "\U000e007f"


def _emoji_by_default(cp: int) -> bool:
    """Whether a code point in the emoji font shows as a colour picture without VS16.

    Emoji with default emoji presentation are all East Asian Wide; pictographs newer than
    this Python's Unicode tables are unnamed here and are emoji too.
    """
    ch = chr(cp)
    if 0x3000 <= cp <= 0x33FF:  # wavy dash, CJK ideograph circles: text by default
        return False
    if unicodedata.east_asian_width(ch) == "W":
        return True
    return cp >= 0x1F000 and not unicodedata.name(ch, "")


def _clusters(text: str) -> Iterator[tuple[str, bool]]:
    """Emoji sequences (flags, keycaps, skin tones, ZWJ families) as one unit marked True;
    every other character on its own, marked False."""
    emoji = coverage(EMOJI_FILE)
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        cp = ord(ch)
        if ch.isascii() and not (i + 1 < n and text[i + 1] in (_VS16, _KEYCAP)):
            yield ch, False
            i += 1
            continue
        if _is_regional(ch) and i + 1 < n and _is_regional(text[i + 1]):
            yield text[i : i + 2], True
            i += 2
            continue
        if cp not in emoji:
            yield ch, False
            i += 1
            continue
        j = i + 1
        while j < n:
            nxt = text[j]
            if nxt in (_VS15, _VS16, _KEYCAP) or _is_skin_tone(nxt) or _is_tag(nxt):
                j += 1
            elif (
                nxt == _ZWJ
                and j + 1 < n
                and ord(text[j + 1]) in emoji
                and not text[j + 1].isascii()
            ):
                j += 2
            else:
                break
        seq = text[i:j]
        if _VS15 in seq:
            is_emoji = False
        elif len(seq) > 1 or _emoji_by_default(cp):
            is_emoji = True
        else:
            is_emoji = False
        if is_emoji:
            yield seq, True
        else:
            for c in seq:
                if c not in (_VS15, _VS16):
                    yield c, False
        i = j


@lru_cache(maxsize=4096)
def _script(ch: str) -> str:
    return str(ft_unicodedata.script(ch))


def _neutral(ch: str) -> bool:
    """Punctuation, spaces, digits, marks and format characters: they stay in the font of
    the text around them when that font has them."""
    return _script(ch) in ("Zyyy", "Zinh", "Zzzz") or unicodedata.category(ch) == "Cf"


def _face_for(ch: str, chain: tuple[_Face, ...]) -> _Face:
    cp = ord(ch)
    for face in chain:
        if cp in coverage(face.file):
            return face
    return chain[0]


_SPACEABLE_SCRIPTS = frozenset(
    {
        "Latn",
        "Grek",
        "Cyrl",
        "Armn",
        "Geor",
        "Hebr",
        "Hani",
        "Hira",
        "Kana",
        "Hang",
        "Bopo",
        "Zyyy",
        "Zinh",
        "Zzzz",
    }
)
"""Scripts whose letters may be spread apart; cursive and Indic scripts would lose their
joins and conjuncts, so letter spacing leaves their stretches whole."""


def _trackable(text: str) -> bool:
    return all(_script(c) in _SPACEABLE_SCRIPTS for c in text)


def _graphemes(text: str) -> list[str]:
    """Base characters with their combining marks (enough for letter spacing)."""
    out: list[str] = []
    for ch in text:
        if out and (unicodedata.category(ch)[0] == "M" or ch in (_ZWJ, "\u200c")):
            out[-1] += ch
        else:
            out.append(ch)
    return out


def _direction(text: str) -> str:
    """``rtl``, ``ltr``, ``num`` (digits only) or ``neutral``, from the first strong character."""
    num = False
    for ch in text:
        bidi = unicodedata.bidirectional(ch)
        if bidi == "L":
            return "ltr"
        if bidi in ("R", "AL"):
            return "rtl"
        if bidi in ("EN", "AN"):
            num = True
    return "num" if num else "neutral"


@dataclass
class _Piece:
    """A stretch of one run in one font, with what it takes to measure and draw it."""

    text: str
    face: _Face
    style: TextStyle
    run: int
    units: list[str]
    advances: list[float]
    direction: str = "neutral"
    level: int = 0

    @property
    def rtl(self) -> bool:
        return self.level % 2 == 1


def _segment(text: str, style: TextStyle) -> list[tuple[str, _Face]]:
    """``text`` cut into stretches that one font of the style's chain draws."""
    text = "".join(" " if unicodedata.category(c) == "Cc" else c for c in text)
    chain = _chain(style.family, style.weight)
    main = chain[0]
    if text.isascii() and all(ord(c) in coverage(main.file) for c in set(text)):
        return [(text, main)]
    out: list[tuple[str, _Face]] = []
    buf: list[str] = []
    current: _Face | None = None
    emoji_face = _Face(EMOJI_FILE)
    for unit, is_emoji in _clusters(text):
        invisible = not is_emoji and unicodedata.category(unit) == "Cf"
        if invisible and not _RAQM:
            continue  # without HarfBuzz an invisible format character (ZWJ, LRM) shows as a box
        if is_emoji:
            face = emoji_face
        elif (
            current is not None
            and not current.emoji
            and (invisible or (_neutral(unit) and ord(unit) in coverage(current.file)))
        ):
            face = current
        elif invisible:
            face = main
        else:
            face = _face_for(unit, chain)
        if face != current and buf:
            assert current is not None
            out.append(("".join(buf), current))
            buf = []
        current = face
        buf.append(unit)
    if buf and current is not None:
        out.append(("".join(buf), current))
    return out


def _emoji_units(text: str) -> list[str]:
    units = [u for u, _ in _clusters(text)]
    return units or [text]


def _advance(face: _Face, style: TextStyle, text: str, direction: str) -> float:
    if face.emoji:
        return _emoji_font().getlength(text if _RAQM else text[0]) * style.px / EMOJI_PX
    font = _font(face.file, style.px)
    if _RAQM:
        return float(font.getlength(text, direction=direction))
    return float(font.getlength(text))


def _metrics(face: _Face, px: int) -> tuple[int, int]:
    if face.emoji:
        a, d = _emoji_font().getmetrics()
        return math.ceil(a * px / EMOJI_PX), math.ceil(d * px / EMOJI_PX)
    a, d = _font(face.file, px).getmetrics()
    return int(a), int(d)


@dataclass(frozen=True)
class _Line:
    """One laid-out line: pieces in visual order, each unit's x, the total advance."""

    pieces: tuple[_Piece, ...]
    xs: tuple[tuple[float, ...], ...]
    width: float
    ascent: int
    descent: int
    runs: tuple[tuple[float, float], ...]
    """Per input run, its left and right x (0, 0 for an empty run)."""


def _split_edges(piece: _Piece) -> list[_Piece]:
    """Leading and trailing spaces of a piece as pieces of their own, so they land on the
    correct side when the piece's direction is not the paragraph's."""
    text = piece.text
    core = text.strip(" ")
    if not core or core == text:
        return [piece]
    lead = text[: len(text) - len(text.lstrip(" "))]
    trail = text[len(text.rstrip(" ")) :]
    out = []
    for part in (lead, core, trail):
        if part:
            out.append(replace(piece, text=part, units=[], advances=[]))
    return out


def _reorder(pieces: list[_Piece], para: int) -> list[_Piece]:
    """Bidi levels for pieces (a simplified Unicode bidi algorithm) and visual order."""
    strong = [
        p.direction if p.direction in ("ltr", "rtl") else ("ltr" if p.direction == "num" else None)
        for p in pieces
    ]
    for i, p in enumerate(pieces):
        d = strong[i]
        if d is None:
            before = next((s for s in reversed(strong[:i]) if s), None)
            after = next((s for s in strong[i + 1 :] if s), None)
            d = before if before is not None and before == after else None
        if d == "rtl":
            p.level = 1
        elif d == "ltr":
            p.level = 0 if para == 0 else 2
        else:
            p.level = para
    order = list(pieces)
    top = max((p.level for p in order), default=0)
    for level in range(top, 0, -1):
        i = 0
        while i < len(order):
            if order[i].level >= level:
                j = i
                while j < len(order) and order[j].level >= level:
                    j += 1
                order[i:j] = order[i:j][::-1]
                i = j
            else:
                i += 1
    return order


@lru_cache(maxsize=4096)
def _layout(runs: tuple[tuple[str, TextStyle], ...]) -> _Line:
    pieces: list[_Piece] = []
    for index, (text, style) in enumerate(runs):
        for part, face in _segment(text, style):
            pieces.append(_Piece(part, face, style, index, [], [], _direction(part)))
    para = next(
        (0 if p.direction == "ltr" else 1 for p in pieces if p.direction in ("ltr", "rtl")), 0
    )
    split: list[_Piece] = []
    for p in pieces:
        opposite = (p.direction == "rtl") != (para == 1) and p.direction in ("ltr", "rtl")
        split.extend(_split_edges(p) if opposite else [p])
    for p in split:
        p.direction = _direction(p.text) if p.text.strip() else "neutral"
    ordered = _reorder(split, para)
    for p in ordered:
        direction = "rtl" if p.rtl else "ltr"
        if p.face.emoji:
            p.units = _emoji_units(p.text)
        elif p.style.tracking and _trackable(p.text):
            p.units = _graphemes(p.text)
        else:
            p.units = [p.text if _RAQM or not p.rtl else p.text[::-1]]
        p.advances = [_advance(p.face, p.style, u, direction) for u in p.units]
    total_units = sum(len(p.units) for p in ordered)
    xs: list[tuple[float, ...]] = []
    spans: dict[int, tuple[float, float]] = {}
    x, done = 0.0, 0
    for p in ordered:
        gap = p.style.tracking * p.style.px
        row = []
        start = x
        for adv in p.advances:
            row.append(x)
            done += 1
            x += adv + (gap if done < total_units else 0.0)
        xs.append(tuple(row))
        lo, hi = spans.get(p.run, (start, x))
        spans[p.run] = (min(lo, start), max(hi, x))
    ascent = descent = 0
    for _, style in runs:
        a, d = _metrics(_chain(style.family, style.weight)[0], style.px)
        ascent, descent = max(ascent, a), max(descent, d)
    for p in ordered:
        a, d = _metrics(p.face, p.style.px)
        ascent, descent = max(ascent, a), max(descent, d)
    return _Line(
        tuple(ordered),
        tuple(xs),
        x,
        ascent,
        descent,
        tuple(spans.get(i, (0.0, 0.0)) for i in range(len(runs))),
    )


def measure(text: str, style: TextStyle) -> int:
    """Advance width of ``text`` on one line, in pixels (what :func:`render_text` draws)."""
    return round(_layout(((text, style),)).width + 2 * style.outline_px)


def missing_glyphs(text: str, style: TextStyle | None = None) -> list[str]:
    """Characters of ``text`` that no bundled font draws (they would show as boxes)."""
    chain = _chain(*(("sans", "regular") if style is None else (style.family, style.weight)))
    out: list[str] = []
    for unit, is_emoji in _clusters(text):
        ch = unit[0]
        if is_emoji or ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf") or ch in out:
            continue
        if not any(ord(ch) in coverage(face.file) for face in chain):
            out.append(ch)
    return out


# --- wrapping -----------------------------------------------------------------------------

_CJK = re.compile(r"[\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef\U00020000-\U0003ffff]")
_NO_LINE_START = frozenset(
    "、。，．,.!?！？：；:;）)]」』】〉》〕］｝’”ー…・ぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶ々"
)
"""Closing punctuation and small kana never start a line in CJK text (kinsoku)."""
_NO_LINE_END = frozenset("（「『【〈《〔［｛‘“([")
"""Opening brackets never end a line."""


def _tokens(paragraph: str) -> list[str]:
    """Breakable pieces: words with their trailing space, and single CJK characters (with
    the punctuation that may not be parted from them)."""
    out: list[str] = []
    for word in re.findall(r"\S+\s*", paragraph):
        if not _CJK.search(word):
            out.append(word)
            continue
        buf = ""
        for ch in word:
            after_cjk = bool(buf) and bool(_CJK.match(buf[-1]))
            breakable = (bool(_CJK.match(ch)) or after_cjk) and ch not in _NO_LINE_START
            if buf and breakable and buf[-1] not in _NO_LINE_END and not ch.isspace():
                out.append(buf)
                buf = ch
            else:
                buf += ch
        if buf:
            out.append(buf)
    return out


def wrap(text: str, style: TextStyle, max_width: int) -> list[str]:
    """Greedy wrap by measured width; CJK may break between any two characters.

    A single word wider than the line stays whole (it is never cut mid-word).
    """
    lines: list[str] = []
    # Token widths add up to the line's width to within kerning and letter spacing, so a
    # line is only laid out whole when the sum comes within one em of the edge.
    near = max_width - style.px - 2 * style.outline_px
    for paragraph in text.split("\n"):
        current, advance = "", 0.0
        for token in _tokens(paragraph):
            trial = current + token
            ahead = advance + _layout(((token.rstrip(), style),)).width
            if current and ahead > near and measure(trial.rstrip(), style) > max_width:
                lines.append(current.rstrip())
                current, advance = token, _layout(((token, style),)).width
            else:
                current = trial
                advance += _layout(((token, style),)).width + style.tracking * style.px
        lines.append(current.rstrip())
    return lines


# --- drawing ------------------------------------------------------------------------------


@byte_cached(32 * 1024 * 1024)
def _emoji_image(seq: str, px: int) -> tuple[Image.Image, int]:
    """An emoji drawn in colour at the font's one size and scaled to ``px``; with the
    distance from its top to the baseline."""
    font = _emoji_font()
    seq = seq if _RAQM else seq[0]
    ascent, descent = font.getmetrics()
    width = max(1, math.ceil(font.getlength(seq)))
    big = Image.new("RGBA", (width, ascent + descent), (0, 0, 0, 0))
    ImageDraw.Draw(big).text((0, ascent), seq, font=font, embedded_color=True, anchor="ls")
    scale = px / EMOJI_PX
    size = (max(1, round(width * scale)), max(1, round((ascent + descent) * scale)))
    return big.resize(size, Image.Resampling.LANCZOS), round(ascent * scale)


def _draw_piece(
    img: Image.Image,
    draw: ImageDraw.ImageDraw,
    piece: _Piece,
    xs: Sequence[float],
    baseline: float,
    outline_pass: bool,
) -> None:
    """The piece's fill, or (``outline_pass``) its outline drawn by FreeType's stroker."""
    style = piece.style
    if piece.face.emoji:
        if outline_pass:
            return
        for unit, x in zip(piece.units, xs, strict=True):
            emoji, top = _emoji_image(unit, style.px)
            img.alpha_composite(emoji, (max(0, round(x)), max(0, round(baseline) - top)))
        return
    font = _font(piece.face.file, style.px)
    bold = max(1, round(style.px * _BOLD_STROKE)) if piece.face.fake_bold else 0
    if outline_pass:
        if not style.outline_px:
            return
        colour, stroke = (*style.outline, 255), style.outline_px + bold
    else:
        colour, stroke = (*style.fill, 255), bold
    extra: dict[str, object] = {"direction": "rtl" if piece.rtl else "ltr"} if _RAQM else {}
    for unit, x in zip(piece.units, xs, strict=True):
        if not unit.strip():
            continue
        draw.text(
            (x, baseline),
            unit,
            font=font,
            fill=colour,
            anchor="ls",
            stroke_width=stroke,
            stroke_fill=colour,
            **extra,  # type: ignore[arg-type]
        )


def _under(img: Image.Image, alpha: np.ndarray, colour: RGB) -> Image.Image:
    """``img`` (straight RGBA) laid over a layer of one colour with the given coverage."""
    layer = Image.new("RGBA", img.size, (*colour, 0))
    layer.putalpha(Image.fromarray(alpha))
    layer.alpha_composite(img)
    return layer


def _outlined(img: Image.Image, width: int, colour: RGB) -> Image.Image:
    """Text over an outline grown from its own coverage.

    Growing the drawn coverage by a disc is one image operation for the whole block, where
    FreeType's stroker would rasterise every glyph twice more.
    """
    disc = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * width + 1, 2 * width + 1))
    return _under(img, cv2.dilate(np.asarray(img.getchannel("A")), disc), colour)


def _shadowed(img: Image.Image, style: TextStyle) -> Image.Image:
    """Text over its soft drop shadow, when the style has one.

    The blur runs at half size: a shadow this soft loses nothing, and it is the slowest
    step of drawing a line.
    """
    if style.shadow <= 0:
        return img
    alpha = np.asarray(img.getchannel("A"))
    h, w = alpha.shape
    small = cv2.resize(alpha, (max(1, w // 2), max(1, h // 2)), interpolation=cv2.INTER_AREA)
    small = cv2.GaussianBlur(small, (0, 0), sigmaX=max(0.5, style.px / 20))
    blur = cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)
    off = max(1, style.px // 18)
    shadow = np.zeros_like(alpha)
    shadow[off:, off:] = blur[:-off, :-off]
    strength = round(220 * min(1.0, style.shadow)) / 255
    return _under(img, cv2.convertScaleAbs(shadow, alpha=strength), (0, 0, 0))


def _block_metrics(lines: Sequence[_Line], step: int) -> tuple[int, int, int]:
    """Ascent of the first line, descent of the last and the block's ink height."""
    ascent = max(line.ascent for line in lines)
    descent = max(line.descent for line in lines)
    return ascent, descent, step * (len(lines) - 1) + ascent + descent


def render_lines(
    lines: Sequence[Sequence[tuple[str, TextStyle]]],
    *,
    align: Align = "left",
    spacing: float = 1.2,
    pad: int | None = None,
) -> TextImage:
    """Lines, each made of runs in different styles, drawn one under another.

    The largest style sets the line spacing, the margin and the shadow.
    """
    styles = [s for line in lines for _, s in line]
    biggest = max(styles, key=lambda s: s.px) if styles else TextStyle(px=12)
    kept = [tuple(line) or (("", biggest),) for line in lines] or [(("", biggest),)]
    layouts = [_layout(line) for line in kept]
    outline = max(s.outline_px for line in kept for _, s in line)
    margin = pad if pad is not None else max(2, outline + round(biggest.px * biggest.shadow * 0.25))
    step = line_height(biggest, spacing)
    ascent, _, ink_h = _block_metrics(layouts, step)
    widths = [round(lay.width) + 2 * outline for lay in layouts]
    box_w = max([*widths, 1])
    img = Image.new("RGBA", (box_w + 2 * margin, ink_h + 2 * margin), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    origins: list[tuple[float, int]] = []
    for i in range(len(layouts)):
        dx = 0 if align == "left" else (box_w - widths[i]) // (2 if align == "center" else 1)
        origins.append((margin + dx + outline, margin + ascent + i * step))
    outlines = {(s.outline_px, s.outline) for line in kept for _, s in line}
    grow = len(outlines) == 1 and outline > 0
    for outline_pass in (False,) if grow or not outline else (True, False):
        for lay, (x0, base) in zip(layouts, origins, strict=True):
            for piece, xs in zip(lay.pieces, lay.xs, strict=True):
                _draw_piece(img, draw, piece, [x0 + x for x in xs], base, outline_pass)
    boxes: list[tuple[int, int, int, int]] = []
    for line, lay, (x0, base) in zip(kept, layouts, origins, strict=True):
        for (_, style), (left, right) in zip(line, lay.runs, strict=True):
            a, d = font_for(style).getmetrics()
            boxes.append((math.floor(x0 + left), base - a, math.ceil(x0 + right), base + d))
    if grow:
        img = _outlined(img, *outlines.pop())
    pixels = np.asarray(_shadowed(img, biggest).convert("RGBa"), dtype=np.uint8)
    return TextImage(pixels, margin + ascent, step, tuple(boxes))


def render_runs(runs: list[tuple[str, TextStyle]], *, pad: int | None = None) -> TextImage:
    """One line made of runs in different styles (a highlighted word, an accented phrase)."""
    return render_lines([runs], pad=pad)


def render_text(
    text: str,
    style: TextStyle,
    *,
    max_width: int | None = None,
    align: Align = "left",
    spacing: float = 1.2,
    max_lines: int | None = None,
) -> TextImage:
    """Text wrapped to ``max_width`` (when given) and drawn line by line.

    With ``max_lines`` the last kept line ends in an ellipsis when text was left out.
    """
    lines = wrap(text, style, max_width) if max_width else text.split("\n")
    if max_lines is not None and len(lines) > max_lines:
        lines = lines[:max_lines]
        units = [u for u, _ in _clusters(lines[-1])]
        while units and max_width and measure("".join(units) + "…", style) > max_width:
            units.pop()
        lines[-1] = "".join(units).rstrip() + "…"
    return render_lines([[(line, style)] for line in lines], align=align, spacing=spacing)


def fit_size(
    text: str,
    style: TextStyle,
    max_width: int,
    max_height: int,
    *,
    max_lines: int = 3,
    min_px: int = 8,
    spacing: float = 1.15,
) -> TextStyle:
    """The largest size (at most ``style.px``) at which ``text`` fits the box in ``max_lines``."""
    px = style.px
    while px > min_px:
        trial = style.with_(px=px)
        lines = wrap(text, trial, max_width)
        layouts = [_layout(((ln or " ", trial),)) for ln in lines]
        _, _, height = _block_metrics(layouts, line_height(trial, spacing))
        if (
            len(lines) <= max_lines
            and height <= max_height
            and all(measure(ln, trial) <= max_width for ln in lines)
        ):
            return trial
        px = max(min_px, round(px * 0.92)) if px > min_px + 1 else min_px
    return style.with_(px=min_px)


__all__ = [
    "EMOJI_FILE",
    "RGB",
    "Align",
    "TextImage",
    "TextStyle",
    "Weight",
    "coverage",
    "family_names",
    "fit_size",
    "font_for",
    "line_height",
    "measure",
    "missing_glyphs",
    "render_lines",
    "render_runs",
    "render_text",
    "wrap",
]
