"""Captions, the YouTube chapters block and the thumbnail written beside a video."""

from __future__ import annotations

import html
import io
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
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


def test_a_short_scene_joins_its_neighbour_so_the_video_keeps_its_chapters() -> None:
    # a 9.5 s intro, then three long scenes: the intro joins the first scene at 0:00,
    # which names the chapter (it is the longer)
    tl = _timeline([("Intro", 0), ("The hello", 285), ("Keys", 900), ("Tunnel", 1500)], 2400)
    lines, why = chapter_lines(tl)
    assert why is None
    assert lines == ["0:00 The hello", "0:30 Keys", "0:50 Tunnel"]
    # a short scene in the middle joins the one before it
    tl = _timeline([("A", 0), ("B", 600), ("C", 900), ("D", 1140)], 1800)
    assert chapter_lines(tl)[0] == ["0:00 A", "0:20 B", "0:38 D"]


def test_too_few_or_too_short_chapters_are_explained() -> None:
    lines, why = chapter_lines(_timeline([("A", 0), ("B", 400)], 900))
    assert lines == [] and why is not None and "at least 3" in why
    lines, why = chapter_lines(_timeline([("A", 0), ("B", 300), ("C", 500)], 1200))
    assert lines == [] and why is not None and "10 seconds" in why and "leaves 2" in why
    assert chapters_file_text("d", _timeline([("A", 0)], 900)).startswith("No chapters: ")


# ----------------------------------------------------------------------------- captions
#
# Every caption check reads the written SRT and VTT text back, the way a player would.

_TIME = r"(\d\d):(\d\d):(\d\d)[,.](\d\d\d)"
_LABEL = re.compile(r"^([A-Z][A-Z0-9_\- ]*): ")
_VOICE = re.compile(r"^<v ([^>]+)>")


@dataclass
class Read:
    """One cue as a viewer gets it: times, the lines shown, and the speaker mark."""

    start: int
    end: int
    lines: list[str]
    mark: str | None
    """``NAME`` from an SRT ``NAME: `` label or a VTT ``<v NAME>`` span."""


def _ms(h: str, m: str, s: str, ms: str) -> int:
    return ((int(h) * 60 + int(m)) * 60 + int(s)) * 1000 + int(ms)


def _read(text: str, kind: str) -> list[Read]:
    if kind == "vtt":
        assert text.startswith("WEBVTT\n\n")
        text = text[len("WEBVTT\n\n") :]
    out = []
    for n, block in enumerate(text.strip("\n").split("\n\n"), 1):
        rows = block.split("\n")
        if kind == "srt":
            assert rows.pop(0) == str(n)
        timing = re.fullmatch(f"{_TIME} --> {_TIME}", rows.pop(0))
        assert timing, block
        g = timing.groups()
        mark = None
        pattern = _LABEL if kind == "srt" else _VOICE
        found = pattern.match(rows[0])
        if found:
            mark = found.group(1)
            rows[0] = rows[0][found.end() :]
        if kind == "vtt":
            assert all("<" not in r and ">" not in r for r in rows), rows  # escaped
            rows = [html.unescape(r) for r in rows]
        out.append(Read(_ms(*g[:4]), _ms(*g[4:]), rows, mark))
    return out


def _check_rules(cues: list[Read], *, labels_shown: bool = False) -> None:
    """Two lines at most, of 42 characters (with an SRT label) unless one long word stands
    alone; at least one second, at most seven; ascending and never overlapping."""
    for i, c in enumerate(cues):
        assert 1 <= len(c.lines) <= 2, c
        for k, line in enumerate(c.lines):
            shown = len(line) + (len(c.mark) + 2 if k == 0 and c.mark and labels_shown else 0)
            assert line == line.strip() and line, c
            assert shown <= 42 or len(line.split()) == 1, c
        assert c.end - c.start >= 1000, c
        assert c.end - c.start <= 7000, c
        if i:
            assert cues[i - 1].end <= c.start, (cues[i - 1], c)


def _both(tl: Timeline) -> tuple[list[Read], list[Read]]:
    cues = caption_cues(tl)
    srt, vtt = _read(srt_text(cues), "srt"), _read(vtt_text(cues), "vtt")
    _check_rules(srt, labels_shown=True)  # an SRT label takes room on the line
    _check_rules(vtt)
    assert [(c.start, c.end, c.lines) for c in srt] == [(c.start, c.end, c.lines) for c in vtt]
    return srt, vtt


def _words(cues: list[Read]) -> list[str]:
    return [w for c in cues for line in c.lines for w in line.split()]


def _spoken(
    speaker: str, words: list[tuple[str, int, int]], length_ms: int | None = None
) -> SpeechSource:
    """A speech source whose words are ``(text, start_ms, end_ms)`` inside its audio."""
    spans = [WordSpan(text=t, start_sample=a * 48, end_sample=b * 48) for t, a, b in words]
    text = " ".join(t for t, _, _ in words)
    n = (length_ms if length_ms is not None else words[-1][2] + 120) * 48
    return SpeechSource(speaker=speaker, text=text, caption=text, num_samples=n, words=spans)


def _voice_timeline(*clips: tuple[int, SpeechSource]) -> Timeline:
    """Speech clips at ``start_ms`` (a multiple of 100 ms: whole frames at 30 fps)."""
    placed = [
        Clip(start=at * 30 // 1000, length=-(-src.num_samples * 30 // SAMPLE_RATE), source=src)
        for at, src in clips
    ]
    return Timeline.create(30, 64, 36, tracks=[Track(kind="voice", clips=placed)])


def _even(text: str, start_ms: int = 0, per_word_ms: int = 250) -> list[tuple[str, int, int]]:
    return [
        (w, start_ms + i * per_word_ms, start_ms + (i + 1) * per_word_ms)
        for i, w in enumerate(text.split())
    ]


def test_long_lines_split_into_cues_at_word_times() -> None:
    numbers = (
        "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
        "sixteen seventeen eighteen nineteen twenty"
    )
    tl = _voice_timeline((1000, _spoken("NARRATOR", _even(numbers), length_ms=5000)))
    srt, vtt = _both(tl)
    assert len(srt) >= 2 and _words(srt) == numbers.split()
    assert srt[0].start == 1000  # the first cue starts with the clip
    for c in srt[1:]:
        first = numbers.split().index(c.lines[0].split()[0])
        assert c.start == 1000 + first * 250  # later cues start on their first word
    assert srt[-1].end == 6000
    assert all(c.mark is None for c in srt + vtt)  # narration alone: no speaker marks
    assert srt_text(caption_cues(tl)).startswith("1\n00:00:01,000 --> ")
    assert vtt_text(caption_cues(tl)).startswith("WEBVTT\n\n00:00:01.000 --> ")


def test_lines_break_at_phrases_and_balance() -> None:
    text = "Every SSH session begins with a handshake, and the server speaks first."
    srt, _ = _both(_voice_timeline((0, _spoken("NARRATOR", _even(text, per_word_ms=300)))))
    assert len(srt) == 1
    assert srt[0].lines == [
        "Every SSH session begins with a handshake,",
        "and the server speaks first.",
    ]
    text = "Nobody listening on the wire can rebuild the shared secret that way"
    srt, _ = _both(_voice_timeline((0, _spoken("NARRATOR", _even(text, per_word_ms=300)))))
    assert [len(srt), len(srt[0].lines)] == [1, 2]
    top, bottom = srt[0].lines
    assert top.split()[-1] not in ("the", "a", "on", "that") and abs(len(top) - len(bottom)) <= 12


def test_a_word_longer_than_a_line_stands_alone() -> None:
    long = "https://example.com/a/very/long/path/that/never/ends.html"
    text = f"Open {long} in a browser now."
    srt, _ = _both(_voice_timeline((0, _spoken("NARRATOR", _even(text, per_word_ms=400)))))
    assert [long] in [c.lines[k : k + 1] for c in srt for k in range(len(c.lines))]
    assert _words(srt) == text.split()


def test_the_out_orphan_is_merged() -> None:
    """The old splitter cut at 84 characters, leaving "out." on screen for 0.3 s."""
    text = (
        "When the tunnel drops, the client retries the handshake twice before it slowly gives out."
    )
    first = text[: text.rindex(" ")]
    assert len(first) <= 84 and len(text) > 84
    words = _even(first, per_word_ms=300)
    end = words[-1][2]
    words.append(("out.", end, end + 300))
    tl = _voice_timeline((0, _spoken("NARRATOR", words, length_ms=end + 300)))
    srt, _ = _both(tl)
    holder = next(c for c in srt if "out." in " ".join(c.lines))
    assert len(_words([holder])) > 1  # never alone
    assert _words(srt) == text.split()
    # A separate 0.3 s line ("out.") right after a cue of the same speaker joins it.
    lead = _spoken("NARRATOR", _even("The client finally gives", per_word_ms=300))
    tail = _spoken("NARRATOR", [("out.", 0, 300)], length_ms=300)
    srt, _ = _both(_voice_timeline((0, lead), (1500, tail)))
    assert [c.lines for c in srt] == [["The client finally gives out."]]
    assert (srt[0].start, srt[0].end) == (0, 1800)


def test_a_short_cue_without_a_neighbour_to_join_is_extended_into_silence() -> None:
    srt, _ = _both(
        _voice_timeline(
            (
                0,
                _spoken(
                    "NARRATOR",
                    _even("This line is long enough to stand on its own.", per_word_ms=300),
                ),
            ),
            (5000, _spoken("NARRATOR", [("Right.", 0, 300)], length_ms=400)),
            (9000, _spoken("NARRATOR", _even("And here we go again.", per_word_ms=300))),
        )
    )
    right = next(c for c in srt if c.lines == ["Right."])
    assert (right.start, right.end) == (5000, 6000)


def test_quick_dialogue_keeps_a_second_per_cue_without_overlap() -> None:
    _, vtt = _both(
        _voice_timeline(
            (0, _spoken("NARRATOR", _even("Ready?", per_word_ms=300))),
            (500, _spoken("PRIYA", _even("Yes.", per_word_ms=300))),
            (1000, _spoken("SAM", _even("No.", per_word_ms=300))),
            (
                1500,
                _spoken(
                    "PRIYA", _even("Then we wait for the next window to open.", per_word_ms=300)
                ),
            ),
        )
    )
    assert [c.mark for c in vtt] == ["NARRATOR", "PRIYA", "SAM", "PRIYA"]


def test_dialogue_marks_speakers_in_vtt_and_at_changes_in_srt() -> None:
    long = "So the password never crosses the wire in the clear, not even once, not even encrypted badly."
    srt, vtt = _both(
        _voice_timeline(
            (
                0,
                _spoken(
                    "NARRATOR", _even("Every session begins with a handshake.", per_word_ms=300)
                ),
            ),
            (3000, _spoken("PRIYA", _even(long, per_word_ms=300))),
            (9000, _spoken("PRIYA", _even("And then what happens?", per_word_ms=300))),
            (11000, _spoken("NARRATOR", _even("The keys are checked.", per_word_ms=300))),
        )
    )
    speakers = ["NARRATOR"] + ["PRIYA"] * (len(vtt) - 2) + ["NARRATOR"]
    assert len(vtt) >= 4 and [c.mark for c in vtt] == speakers  # every cue says who
    changes = [s if i == 0 or speakers[i - 1] != s else None for i, s in enumerate(speakers)]
    assert [c.mark for c in srt] == changes  # SRT names the speaker only when it changes
    assert (
        srt_text(caption_cues(_voice_timeline((0, _spoken("PRIYA", _even("Hi.")))))).count(
            "PRIYA: "
        )
        == 1
    )


def test_vtt_escapes_markup_characters() -> None:
    text = "Use <b> & </b> tags, then type a > b."
    cues = caption_cues(_voice_timeline((0, _spoken("NARRATOR", _even(text, per_word_ms=300)))))
    vtt = vtt_text(cues)
    assert "&lt;b&gt; &amp; &lt;/b&gt;" in vtt and "a &gt; b." in vtt
    assert "<b> & </b>" in srt_text(cues)
    assert _words(_read(vtt, "vtt")) == text.split()


def test_a_caption_worded_differently_from_the_speech_still_follows_the_rules() -> None:
    src = _spoken("NARRATOR", _even("I said a thing in a few words here", per_word_ms=300))
    src = src.model_copy(
        update={
            "caption": "A much longer caption written for readers, with more words than were spoken aloud."
        }
    )
    srt, _ = _both(_voice_timeline((0, src)))
    assert _words(srt) == src.caption.split()


_WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyz'", min_size=1, max_size=12)
_PUNCT = st.sampled_from(["", "", "", "", ",", ".", "?", "!", ";", ":", "—"])


@st.composite
def _clips(draw: st.DrawFn) -> list[tuple[int, SpeechSource]]:
    out = []
    at = 0
    for _ in range(draw(st.integers(1, 6))):
        at += draw(st.integers(0, 30)) * 100  # gaps of 0 to 3 s, on whole frames
        words = []
        t = draw(st.integers(0, 200))
        for _ in range(draw(st.integers(1, 30))):
            if draw(st.integers(0, 40)) == 0:
                text = "x" * draw(st.integers(43, 60))  # a word longer than a line
            else:
                text = draw(_WORD) + draw(_PUNCT)
            length = draw(st.integers(40, 1200))
            words.append((text, t, t + length))
            t += length + draw(st.sampled_from([0, 0, 30, 80, 250, 900]))
        speaker = draw(st.sampled_from(["NARRATOR", "NARRATOR", "PRIYA", "SAM WU"]))
        src = _spoken(speaker, words, length_ms=t + draw(st.integers(0, 300)))
        if draw(st.integers(0, 5)) == 0:
            src = src.model_copy(update={"words": []})  # no word timings: spread by length
        out.append((at, src))
        at += -(-t // 100) * 100
    return out


@settings(max_examples=150, deadline=None)
@given(_clips())
def test_caption_rules_hold_for_any_word_timings(clips: list[tuple[int, SpeechSource]]) -> None:
    tl = _voice_timeline(*clips)
    srt, vtt = _both(tl)
    assert _words(srt) == [w for _, src in clips for w in src.caption.split()]  # nothing lost
    multi = any(src.speaker != "NARRATOR" for _, src in clips)
    if not multi:
        assert all(c.mark is None for c in srt + vtt)
    else:
        assert all(c.mark is not None for c in vtt)
        for i, c in enumerate(srt):
            changed = i == 0 or vtt[i - 1].mark != vtt[i].mark
            assert c.mark == (vtt[i].mark if changed else None)


def test_thumbnail_is_1280x720_under_2mb_even_for_noise(tmp_path: Path) -> None:
    noise = np.random.default_rng(0).integers(0, 255, (1080, 1920, 3), dtype=np.uint8)
    data = thumbnail_jpeg(noise, "A very noisy title")
    assert len(data) < 2_000_000
    with Image.open(io.BytesIO(data)) as im:
        assert im.format == "JPEG" and im.size == (1280, 720)
    vertical = thumbnail_jpeg(np.full((1920, 1080, 3), 90, np.uint8), "Shorts")
    with Image.open(io.BytesIO(vertical)) as im:
        assert im.size == (1280, 720)
