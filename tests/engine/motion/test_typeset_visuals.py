"""The compositor's text helpers (title cards, burned captions, the thumbnail title) draw
CJK, Arabic and emoji through typeset, without boxes."""

from __future__ import annotations

import numpy as np

from app.engine.visuals.text import font, text_block, title_card, wrap
from tests.engine.motion.conftest import UNMAPPED, colourful_share, count_boxes, text_ink

PX = 60


def test_text_block_draws_every_character_of_cjk_arabic_and_emoji_without_boxes() -> None:
    for ch in "你好世界ひらがな한국어مرحباשלוםनमस्ते":
        block = text_block(ch, PX, 1000, shadow=False)
        assert text_ink(block).sum() > 20, ch
        assert count_boxes(block, PX) == 0, ch
    for emoji in ("🚀", "🔥", "👍🏽"):
        block = text_block(emoji, PX, 1000)
        assert colourful_share(block) > 0.3, emoji
    assert count_boxes(text_block(f"x{UNMAPPED}", PX, 1000, shadow=False), PX) == 1


def test_a_wrapped_caption_with_a_highlighted_word_has_no_boxes() -> None:
    text = "Captions 字幕も 🚀 تعمل jetzt überall"
    plain = text_block(text, PX, 500)
    marked = text_block(text, PX, 500, highlight_word=2)
    assert plain.shape == marked.shape
    assert count_boxes(plain, PX) == 0
    assert np.array_equal(plain, marked)  # word 2 is the rocket: emoji keep their colours
    marked = text_block(text, PX, 500, highlight_word=1)
    yellow = (marked[:, :, 0].astype(int) > 200) & (marked[:, :, 2].astype(int) < 60)
    assert yellow.sum() > 200  # "字幕も" in the highlight colour


def test_a_cjk_word_wrapped_across_lines_keeps_one_highlight_index() -> None:
    text = "开始 这是一个没有空格的很长的中文句子 结束"
    marked = text_block(text, PX, 400, highlight_word=2)
    assert len(wrap(text, font(PX), 400)) >= 3
    yellow = (marked[:, :, 0].astype(int) > 200) & (marked[:, :, 2].astype(int) < 60)
    rows = np.nonzero(yellow.any(axis=1))[0]
    # Only "结束", on the last line, is highlighted.
    assert rows.size and rows.min() > marked.shape[0] // 2


def test_title_card_draws_cjk_and_emoji_titles() -> None:
    card = title_card("标题 Title 🚀", "サブタイトル مرحبا", 1280, 720)
    assert card.shape == (720, 1280, 4)
    # The title is drawn at a ninth of the height, the subtitle at a 22nd.
    assert count_boxes(card, 720 // 9) == 0 and count_boxes(card, 720 // 22) == 0
    assert colourful_share(card) > 0.02  # the rocket
    _, xs = np.nonzero(text_ink(card))
    assert abs((xs.min() + xs.max()) / 2 - 640) < 40  # centred
    missing = title_card(f"A{UNMAPPED}", f"b{UNMAPPED}", 1280, 720)
    assert count_boxes(missing, 720 // 9) == 1 and count_boxes(missing, 720 // 22) == 1


def test_wrap_keeps_its_old_contract() -> None:
    assert wrap("one  two\nthree", font(20), 1000) == ["one two", "three"]
    lines = wrap("这是一个很长的中文句子用来测试", font(40), 200)
    assert len(lines) > 1 and "".join(lines) == "这是一个很长的中文句子用来测试"
