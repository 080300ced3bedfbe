"""Measuring, wrapping and fitting agree with what is drawn, in every script and family."""

from __future__ import annotations

import numpy as np
import pytest

from app.engine.motion.typeset import (
    TextStyle,
    family_names,
    fit_size,
    font_for,
    line_height,
    measure,
    missing_glyphs,
    render_lines,
    render_runs,
    render_text,
    wrap,
)
from app.engine.styles import FONT_FAMILIES
from tests.engine.motion.conftest import UNMAPPED, count_boxes, text_ink

PX = 60
STYLE = TextStyle(px=PX)

TEXTS = [
    "The quick brown fox jumps over the lazy dog while the narrator keeps talking",
    "这是一个很长的中文句子，用来测试自动换行是否正确。「引号」也要处理好。",
    "日本語の文章とEnglish wordsが混ざった字幕です😀🚀",
    "مرحبا بالعالم هذا نص عربي طويل لاختبار التفاف الأسطر في الترجمة",
    "Launch 🚀 day: 🔥👍🏽 and 한국어 자막도 잘 나와야 합니다",
]


def _ink_columns(pixels: np.ndarray) -> tuple[int, int]:
    cols = np.nonzero(pixels[:, :, 3].max(axis=0) > 32)[0]
    return int(cols.min()), int(cols.max())


def test_every_style_family_has_fonts() -> None:
    assert set(family_names()) == set(FONT_FAMILIES)
    for family in FONT_FAMILIES:
        regular = text_ink(render_text("Haggle", STYLE.with_(family=family)).pixels).sum()
        bold = text_ink(
            render_text("Haggle", STYLE.with_(family=family, weight="bold")).pixels
        ).sum()
        assert bold > regular * 1.15, family
    assert measure("iiii", STYLE.with_(family="mono")) == measure(
        "WWWW", STYLE.with_(family="mono")
    )
    sans = render_text("Serif", STYLE).pixels
    serif = render_text("Serif", STYLE.with_(family="serif")).pixels
    assert sans.shape != serif.shape or np.abs(sans.astype(int) - serif.astype(int)).mean() > 1
    # An unknown family falls back to sans rather than failing.
    assert measure("Hello", STYLE.with_(family="nope")) == measure("Hello", STYLE)


@pytest.mark.parametrize("text", TEXTS)
def test_measured_width_is_the_drawn_width(text: str) -> None:
    text = text.rstrip("。")  # a full stop leaves the right of its em box empty
    for style in (STYLE, STYLE.with_(weight="bold", family="display"), STYLE.with_(tracking=0.08)):
        width = measure(text, style)
        picture = render_text(text, style)
        assert picture.width == width + 4  # a 2 px margin each side, nothing else
        left, right = _ink_columns(picture.pixels)
        assert left >= 0 and right < picture.width
        assert right >= 2 + width - 0.25 * PX  # the ink reaches the measured end
        assert left <= 2 + 0.25 * PX


@pytest.mark.parametrize("text", TEXTS)
@pytest.mark.parametrize("max_width", [300, 520, 900])
def test_wrap_keeps_lines_within_the_width_and_loses_nothing(text: str, max_width: int) -> None:
    lines = wrap(text, STYLE, max_width)
    assert all(measure(line, STYLE) <= max_width for line in lines), lines
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
    picture = render_text(text, STYLE, max_width=max_width)
    assert picture.width <= max_width + 4
    assert count_boxes(picture.pixels, PX) == 0


def test_wrap_never_cuts_a_word_or_an_emoji_sequence() -> None:
    lines = wrap("a Supercalifragilisticexpialidocious word", STYLE, 200)
    assert lines == ["a", "Supercalifragilisticexpialidocious", "word"]
    family = "👨‍👩‍👧"
    lines = wrap(f"{family}{family}{family}", STYLE, 100)
    assert lines == [family * 3]  # no spaces: one word, never split inside a ZWJ sequence


def test_cjk_punctuation_does_not_start_a_line() -> None:
    text = "这是一个很长的中文句子，用来测试自动换行是否正确。「引号」也要处理好。"
    for width in range(200, 700, 37):
        for line in wrap(text, STYLE, width)[1:]:
            assert line[0] not in "，。」、", (width, line)


def test_fit_size_shrinks_until_the_text_fits() -> None:
    for text in TEXTS:
        style = fit_size(text, STYLE.with_(px=120), 700, 260, max_lines=3)
        assert style.px < 120
        picture = render_text(text, style, max_width=700, spacing=1.15)
        assert len(wrap(text, style, 700)) <= 3
        assert picture.width <= 700 + 4 and picture.height <= 260 + 4 + style.px


def test_max_lines_ends_in_an_ellipsis_within_the_width() -> None:
    text = TEXTS[0] + " " + TEXTS[2]
    picture = render_text(text, STYLE, max_width=600, max_lines=2)
    assert picture.width <= 604
    assert picture.height < 3 * line_height(STYLE)
    short = render_text("short", STYLE, max_width=600, max_lines=2)
    assert short.width == measure("short", STYLE) + 4


def test_runs_report_where_each_was_drawn() -> None:
    runs = [("Say ", STYLE), ("你好", STYLE.with_(fill=(0, 255, 0))), (" 🚀 now", STYLE)]
    picture = render_runs(runs)
    assert len(picture.boxes) == 3
    lefts = [box[0] for box in picture.boxes]
    assert lefts == sorted(lefts)
    x0, y0, x1, y1 = picture.boxes[1]
    rgb = picture.pixels[:, :, :3].astype(int)
    green = rgb[:, :, 1] - np.maximum(rgb[:, :, 0], rgb[:, :, 2]) > 150
    ys, xs = np.nonzero(green)
    assert x0 <= xs.min() and xs.max() <= x1 and y0 <= ys.min() and ys.max() <= y1
    assert picture.width == round(sum(measure(t, s) for t, s in runs)) + 4


def test_lines_of_runs_stack_at_the_line_height() -> None:
    picture = render_lines([[("one", STYLE)], [("二", STYLE)], [("ثلاثة", STYLE)]], align="center")
    tops = [box[1] for box in picture.boxes]
    assert np.diff(tops).tolist() == [line_height(STYLE)] * 2
    assert picture.line_height == line_height(STYLE)
    assert count_boxes(picture.pixels, PX) == 0


def test_outline_and_shadow_grow_the_ink_but_not_the_advance() -> None:
    plain = render_text("Hi 你好 🚀", STYLE)
    outlined = render_text("Hi 你好 🚀", STYLE.with_(outline_px=4, outline=(0, 0, 0), shadow=0.8))
    assert (outlined.pixels[:, :, 3] > 0).sum() > (plain.pixels[:, :, 3] > 0).sum() * 1.5
    assert measure("Hi 你好 🚀", STYLE.with_(outline_px=4)) == measure("Hi 你好 🚀", STYLE) + 8
    assert text_ink(outlined.pixels).sum() > 0.8 * text_ink(plain.pixels).sum()


def test_missing_glyphs_names_what_no_bundled_font_draws() -> None:
    assert missing_glyphs(" ".join(TEXTS)) == []
    assert missing_glyphs(f"ok {UNMAPPED}") == [UNMAPPED]


def test_font_for_is_the_family_font_at_the_size() -> None:
    font = font_for(STYLE.with_(family="serif", weight="bold"))
    assert font.size == PX and "Serif" in (font.getname()[0] or "")
