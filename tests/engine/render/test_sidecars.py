"""Captions, the YouTube chapters block and the thumbnail written beside a video."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image

from app.engine.model.time import SAMPLE_RATE
from app.engine.render.sidecars import (
    caption_cues,
    chapter_lines,
    chapters_file_text,
    srt_text,
    thumbnail_jpeg,
    vtt_text,
)
from app.engine.timeline import Chapter, Clip, SpeechSource, Timeline, Track, WordSpan


def _timeline(chapters: list[tuple[str, int]], frames: int) -> Timeline:
    marker = Track(kind="visual", clips=[])
    tl = Timeline.create(
        30, 64, 36, tracks=[marker], chapters=[Chapter(title=t, start=s) for t, s in chapters]
    )
    tl.tracks[0].clips.append(
        Clip(start=0, length=frames, source={"kind": "title_card", "text": "x"})
    )  # type: ignore[arg-type]
    return tl


def test_chapters_follow_youtube_rules() -> None:
    tl = _timeline([("Intro", 0), ("Middle", 300), ("End", 900)], 1500)
    lines, why = chapter_lines(tl)
    assert why is None
    assert lines == ["0:00 Intro", "0:10 Middle", "0:30 End"]
    text = chapters_file_text("About this video.", tl)
    assert text.startswith("About this video.\n\nChapters:\n0:00 Intro\n")


def test_first_chapter_moves_to_zero() -> None:
    lines, _ = chapter_lines(_timeline([("A", 45), ("B", 600), ("C", 1200)], 1800))
    assert lines[0] == "0:00 A"


def test_too_few_or_too_short_chapters_are_explained() -> None:
    lines, why = chapter_lines(_timeline([("A", 0), ("B", 400)], 900))
    assert lines == [] and why is not None and "at least 3" in why
    lines, why = chapter_lines(_timeline([("A", 0), ("B", 300), ("C", 500)], 1200))
    assert lines == [] and why is not None and "'B'" in why and "10 seconds" in why
    assert chapters_file_text("d", _timeline([("A", 0)], 900)).startswith("No chapters: ")


def test_long_lines_split_into_cues_at_word_times() -> None:
    words = [
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "thirteen",
        "fourteen",
        "fifteen",
        "sixteen",
        "seventeen",
        "eighteen",
        "nineteen",
        "twenty",
    ]
    spans = [
        WordSpan(text=w, start_sample=i * SAMPLE_RATE // 4, end_sample=(i + 1) * SAMPLE_RATE // 4)
        for i, w in enumerate(words)
    ]
    src = SpeechSource(
        speaker="N",
        text=" ".join(words),
        caption=" ".join(words),
        num_samples=5 * SAMPLE_RATE,
        words=spans,
    )
    tl = Timeline.create(
        30, 64, 36, tracks=[Track(kind="voice", clips=[Clip(start=30, length=150, source=src)])]
    )
    cues = caption_cues(tl)
    assert len(cues) == 2
    assert cues[0].start_ms == 1000
    first_word_of_second = len(cues[0].text.split())
    assert cues[1].start_ms == 1000 + first_word_of_second * 250
    assert cues[0].end_ms == cues[1].start_ms and cues[1].end_ms == 6000
    assert all(len(c.text) <= 84 for c in cues)
    srt = srt_text(cues)
    assert srt.startswith("1\n00:00:01,000 --> ")
    assert vtt_text(cues).startswith("WEBVTT\n\n00:00:01.000 --> ")


def test_thumbnail_is_1280x720_under_2mb_even_for_noise(tmp_path: Path) -> None:
    noise = np.random.default_rng(0).integers(0, 255, (1080, 1920, 3), dtype=np.uint8)
    data = thumbnail_jpeg(noise, "A very noisy title")
    assert len(data) < 2_000_000
    with Image.open(io.BytesIO(data)) as im:
        assert im.format == "JPEG" and im.size == (1280, 720)
    vertical = thumbnail_jpeg(np.full((1920, 1080, 3), 90, np.uint8), "Shorts")
    with Image.open(io.BytesIO(vertical)) as im:
        assert im.size == (1280, 720)
