"""Every script draws real glyphs: CJK, Arabic (shaped, right to left), Hebrew, Devanagari,
Thai, symbols and colour emoji, checked from the pixels against each font's .notdef box."""

from __future__ import annotations

import numpy as np
import pytest

from app.engine.motion.typeset import TextStyle, measure, render_runs, render_text
from tests.engine.motion.conftest import (
    UNMAPPED,
    colourful_share,
    count_boxes,
    ink_components,
    text_ink,
)

PX = 60
STYLE = TextStyle(px=PX)

SAMPLES = {
    "chinese": "你好世界中文字体测试",
    "japanese": "ひらがなカタカナ漢字です",
    "korean": "한국어글자안녕하세요",
    "arabic": "مرحبا بالعالم",
    "hebrew": "שלום עולם",
    "devanagari": "नमस्ते दुनिया",
    "thai": "สวัสดีชาวโลก",
    "greek and cyrillic": "Ωμέγα Жизнь",
    "symbols": "→★✓☃♞⚙⌖",
}
MIXED = [
    "Hi 你好 مرحبا 🚀 שלום नमस्ते ok",
    "日本語とEnglish混ざり😀テキスト",
    "Résumé — «ÇA» 한국 ✓ 🔥👍🏽",
]


def test_the_box_check_sees_a_box_when_a_font_has_no_glyph() -> None:
    # Guards the helper below: an unmapped code point must be found as boxes.
    for weight in ("regular", "bold"):
        picture = render_text(f"a{UNMAPPED}b{UNMAPPED}", STYLE.with_(weight=weight))
        assert count_boxes(picture.pixels, PX) == 2


@pytest.mark.parametrize("weight", ["regular", "bold"])
@pytest.mark.parametrize("script", sorted(SAMPLES))
def test_each_character_draws_ink_that_is_not_a_box(script: str, weight: str) -> None:
    style = STYLE.with_(weight=weight)
    for ch in SAMPLES[script].replace(" ", ""):
        picture = render_text(ch, style)
        assert text_ink(picture.pixels).sum() > 20, f"{ch!r} ({script}) drew nothing"
        assert count_boxes(picture.pixels, PX) == 0, f"{ch!r} ({script}) drew a .notdef box"


@pytest.mark.parametrize("family", ["sans", "serif", "display", "mono"])
def test_mixed_lines_draw_without_boxes_in_every_family(family: str) -> None:
    for text in MIXED:
        picture = render_text(text, STYLE.with_(family=family))
        assert count_boxes(picture.pixels, PX) == 0, text
        assert picture.width == measure(text, STYLE.with_(family=family)) + 4


@pytest.mark.parametrize(
    ("emoji", "colourful"),
    [
        ("🚀", 0.4),
        ("🔥", 0.6),
        ("👍🏽", 0.6),
        ("❤️", 0.6),
        ("😀", 0.6),
        ("1️⃣", 0.15),
        ("🇯🇵", 0.1),
        ("👨‍👩‍👧", 0.0),
    ],
)
def test_emoji_are_drawn_as_pictures_at_the_text_size(emoji: str, colourful: float) -> None:
    picture = render_text(emoji, STYLE)
    alpha = picture.pixels[:, :, 3]
    ys, xs = np.nonzero(alpha > 128)
    assert 0.5 * PX <= ys.max() - ys.min() + 1 <= 1.3 * PX  # scaled from the 109 px bitmap
    assert 0.8 * PX <= xs.max() - xs.min() + 1 <= 1.3 * PX
    assert colourful_share(picture.pixels) >= colourful  # the flag is mostly white
    assert count_boxes(picture.pixels, PX) == 0


def test_emoji_sequences_are_one_picture() -> None:
    one = measure("👨", STYLE)
    assert measure("👨‍👩‍👧", STYLE) == one  # a ZWJ family is one glyph, not three
    assert measure("👍🏽", STYLE) == measure("👍", STYLE)
    plain = render_text("👍", STYLE).pixels
    toned = render_text("👍🏽", STYLE).pixels
    assert plain.shape == toned.shape and np.abs(plain.astype(int) - toned.astype(int)).mean() > 5


def test_text_style_symbols_stay_text_unless_asked_for_emoji() -> None:
    # U+2764 alone is a text symbol; with VS16 it is the red emoji heart.
    assert colourful_share(render_text("❤", STYLE).pixels) < 0.05
    assert colourful_share(render_text("❤\ufe0f", STYLE).pixels) > 0.3
    assert colourful_share(render_text("🚀", STYLE).pixels) > 0.2


def test_arabic_letters_join_when_shaped() -> None:
    # lam, meem, hah join into one stroke; drawn apart they are three shapes.
    assert len(ink_components(render_text("لمح", STYLE).pixels)) == 1
    assert len(ink_components(render_text("ل م ح", STYLE).pixels)) == 3
    isolated = sum(measure(ch, STYLE) for ch in "لمح")
    assert measure("لمح", STYLE) < isolated * 0.9


def test_arabic_reads_right_to_left_inside_a_left_to_right_line() -> None:
    alef = ink_components(render_text("ا", STYLE).pixels)[0]
    shapes = ink_components(render_text("x اح", STYLE).pixels)
    x_only = ink_components(render_text("x", STYLE).pixels)[0]
    # The logically first letter (alef) is the rightmost shape; "x" stays on the left.
    assert shapes[-1][2:] == alef[2:]
    assert shapes[0][2:] == x_only[2:]


def test_the_paragraph_direction_orders_runs() -> None:
    arabic, latin = TextStyle(px=PX), TextStyle(px=PX, fill=(255, 200, 0))
    rtl = render_runs([("مرحبا ", arabic), ("Python", latin)])
    ltr = render_runs([("Hello ", arabic), ("مرحبا", latin)])
    assert rtl.boxes[1][0] < rtl.boxes[0][0]  # Arabic paragraph: the Latin word sits left
    assert ltr.boxes[0][0] < ltr.boxes[1][0]
    # The box of each run holds that run's colour.
    x0, y0, x1, y1 = rtl.boxes[1]
    part = rtl.pixels[y0:y1, x0:x1]
    assert (part[:, :, 2] < part[:, :, 0] - 100).any()


def test_hebrew_reads_right_to_left() -> None:
    shin = ink_components(render_text("ש", STYLE).pixels)[0]
    shapes = ink_components(render_text("של", STYLE).pixels)
    assert shapes[-1][2:] == shin[2:]


def test_bold_cjk_is_drawn_heavier_than_regular() -> None:
    regular = text_ink(render_text("中文", STYLE).pixels).sum()
    bold = text_ink(render_text("中文", STYLE.with_(weight="bold")).pixels).sum()
    assert bold > regular * 1.15
