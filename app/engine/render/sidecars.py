"""The files written beside a video: captions, the chapters block and the thumbnail.

Captions come from the real speech timings on the timeline's voice track, cut into
cues and lines by the usual caption rules (see the captions section), chapters from its
scene markers checked against YouTube's rules, and the thumbnail from the most colourful,
contrasty frame with the title over it.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
from PIL import Image

from app.engine.model.time import SAMPLE_RATE, format_timestamp, frames_to_ms
from app.engine.motion.thumbnail import design
from app.engine.phrasing import (
    SENTENCE_END,
    boundary_cost,
)
from app.engine.script import NARRATOR
from app.engine.styles import Style, resolve_style
from app.engine.timeline import SpeechSource, Timeline

MIN_CHAPTERS = 3
MIN_CHAPTER_MS = 10_000
THUMB_SIZE = (1280, 720)
THUMB_MAX_BYTES = 2_000_000


# ----------------------------------------------------------------------------- captions
#
# Caption rules (what broadcasters and YouTube's own guidance ask for): a cue shows at
# most two lines of at most 42 characters, broken at phrase boundaries; it stays at least
# a second and at most about seven; cues never overlap. Timing comes from the voice's
# word timings. Speakers: a script with only the narrator gets no speaker marks; once any
# other character speaks, every cue names its speaker in WebVTT (a ``<v NAME>`` voice
# span) and SubRip puts ``NAME: `` before the first cue after each change of speaker.

MAX_LINE_CHARS = 42
MAX_LINES = 2
MAX_CUE_CHARS = MAX_LINE_CHARS * MAX_LINES
"""Two lines of 42 characters: the usual limit for readable captions."""
MIN_CUE_MS = 1000
MAX_CUE_MS = 7000
MERGE_GAP_MS = 1000
"""A short cue joins a neighbour of the same speaker across at most this much silence."""


@dataclass(frozen=True)
class Cue:
    """One caption: integer milliseconds (``end`` exclusive), its lines joined by a newline,
    and who says it (``""`` when unknown; :func:`srt_text` and :func:`vtt_text` mark it)."""

    start_ms: int
    end_ms: int
    text: str
    speaker: str = ""


@dataclass
class _Word:
    text: str
    start: int
    """Timeline milliseconds."""
    end: int


@dataclass
class _Draft:
    speaker: str
    words: list[_Word]
    start: int
    end: int


def _lines(words: list[str], first_width: int = MAX_LINE_CHARS) -> tuple[list[str], float] | None:
    """The best way to show ``words`` on one or two lines, and its cost; ``None`` if they do
    not fit. The first line has ``first_width`` characters (less when a speaker label goes
    before it). A word longer than a line stands alone on its line."""

    def fits(line: list[str], width: int) -> bool:
        return len(line) == 1 or len(" ".join(line)) <= width

    if fits(words, first_width):
        return [" ".join(words)], 0.0
    best: tuple[list[str], float] | None = None
    for k in range(1, len(words)):
        top, bottom = words[:k], words[k:]
        if not (fits(top, first_width) and fits(bottom, MAX_LINE_CHARS)):
            continue
        a, b = " ".join(top), " ".join(bottom)
        cost = boundary_cost(top[-1], bottom[0]) + 10.0 * ((len(a) - len(b)) / MAX_LINE_CHARS) ** 2
        if best is None or cost < best[1]:
            best = ([a, b], cost)
    return best


def _clip_words(
    timeline: Timeline, start: int, end: int, source_in: int, src: SpeechSource
) -> list[_Word]:
    """The caption's words in timeline milliseconds, cut to the clip.

    The voice's word timings are used when they match the caption word for word; a
    caption worded differently from the speech is spread over the spoken span by length.
    """
    fps = timeline.fps
    tokens = (src.caption or src.text).split()
    if not tokens:
        return []
    timed = src.words
    if len(timed) == len(tokens):
        spans = [(w.start_sample, w.end_sample) for w in timed]
    else:
        lo, hi = (timed[0].start_sample, timed[-1].end_sample) if timed else (0, src.num_samples)
        weights = [len(t) + 1 for t in tokens]
        total = sum(weights)
        spans, acc = [], 0
        for weight in weights:
            a = lo + (hi - lo) * acc // total
            acc += weight
            spans.append((a, lo + (hi - lo) * acc // total))
    clip_start, clip_end = frames_to_ms(start, fps), frames_to_ms(end, fps)
    origin = clip_start - frames_to_ms(source_in, fps)
    out: list[_Word] = []
    floor = clip_start
    for token, (a, b) in zip(tokens, spans, strict=True):
        w_start = origin + round(Fraction(a * 1000, SAMPLE_RATE))
        w_end = origin + round(Fraction(b * 1000, SAMPLE_RATE))
        if (w_end <= clip_start and w_start < clip_start) or w_start >= clip_end:
            continue  # trimmed off the clip
        w_start = min(max(w_start, floor), clip_end)
        out.append(_Word(token, w_start, min(max(w_end, w_start), clip_end)))
        floor = w_start
    return out


def _segment(
    words: list[_Word], clip_start: int, clip_end: int, first_width: int
) -> list[tuple[int, int]]:
    """Split a clip's words into cues ``[(i, j)]`` by dynamic programming.

    A cue must fit two lines and, unless it is one word, span at most :data:`MAX_CUE_MS`.
    The cheapest split ends cues at sentence ends, then clause and phrase ends, never
    after a word that clings to the next; it avoids cues shorter than :data:`MIN_CUE_MS`
    and keeps whole sentences apart when they are long enough to stand alone.
    """
    n = len(words)
    starts = [clip_start] + [w.start for w in words[1:]]
    best = [math.inf] * (n + 1)
    back = [0] * (n + 1)
    best[0] = 0.0
    for i in range(n):
        if best[i] == math.inf:
            continue
        width = first_width if i == 0 else MAX_LINE_CHARS
        chars = -1
        for j in range(i + 1, n + 1):
            chars += len(words[j - 1].text) + 1
            if chars > MAX_CUE_CHARS + MAX_LINE_CHARS and j - i > 1:
                break
            if j - i > 1 and words[j - 1].end - starts[i] > MAX_CUE_MS:
                break
            shown = _lines([w.text for w in words[i:j]], width)
            if shown is None:
                continue
            stop = starts[j] if j < n else clip_end
            cost = 1.0 + shown[1] * 0.5
            if j < n:
                # A cue break mid-phrase is worse than a line break there.
                cost += 1.5 * boundary_cost(words[j - 1].text, words[j].text)
            cost += 3.0 * sum(1 for w in words[i : j - 1] if SENTENCE_END.search(w.text))
            if stop - starts[i] < MIN_CUE_MS:
                cost += 50.0 + (MIN_CUE_MS - (stop - starts[i])) / 20
            if best[i] + cost < best[j]:
                best[j] = best[i] + cost
                back[j] = i
    if best[n] == math.inf:  # cannot happen: one word per cue always fits
        return [(i, i + 1) for i in range(n)]
    cuts: list[tuple[int, int]] = []
    j = n
    while j > 0:
        cuts.append((back[j], j))
        j = back[j]
    return cuts[::-1]


def _multi_speaker(speakers: set[str]) -> bool:
    """Speakers are marked once anyone but the narrator speaks."""
    return any(s and s != NARRATOR for s in speakers)


def _label(speaker: str) -> str:
    return f"{speaker}: "


def caption_cues(timeline: Timeline) -> list[Cue]:
    """Caption cues for the timeline's speech, following the caption rules above.

    Each speech clip is split by :func:`_segment` (its first cue starts on the clip's
    first frame, each later one on its first word, each ends where the next starts or
    at the clip's end). Then short cues are fixed across clips: a short cue joins the
    previous cue of the same speaker when the text still fits, else it is extended into
    the silence after it, else it joins the next cue; what is still short takes time from
    the silence before it, then from its neighbours, and as a last resort pushes the next
    cues later. Cues are at least :data:`MIN_CUE_MS`, at most :data:`MAX_CUE_MS`, and
    never overlap.
    """
    fps = timeline.fps
    clips = sorted(
        (
            (clip.start, clip.end, clip.source_in, clip.source)
            for track in timeline.tracks
            if track.kind == "voice" and track.enabled
            for clip in track.clips
            if isinstance(clip.source, SpeechSource)
        ),
        key=lambda c: (c[0], c[1]),
    )
    multi = _multi_speaker({src.speaker for *_, src in clips})
    drafts: list[_Draft] = []
    for start, end, source_in, src in clips:
        words = _clip_words(timeline, start, end, source_in, src)
        if not words:
            continue
        clip_start, clip_end = frames_to_ms(start, fps), frames_to_ms(end, fps)
        labelled = multi and (not drafts or drafts[-1].speaker != src.speaker)
        first_width = MAX_LINE_CHARS - (len(_label(src.speaker)) if labelled else 0)
        cuts = _segment(words, clip_start, clip_end, first_width)
        for k, (i, j) in enumerate(cuts):
            cue_start = clip_start if k == 0 else words[i].start
            cue_end = words[cuts[k + 1][0]].start if k + 1 < len(cuts) else clip_end
            drafts.append(_Draft(src.speaker, words[i:j], cue_start, max(cue_end, cue_start)))
    video_end = frames_to_ms(timeline.duration, fps)
    _merge_short(drafts, multi, video_end)
    _settle(drafts, video_end)
    cues = []
    for i, d in enumerate(drafts):
        labelled = multi and (i == 0 or drafts[i - 1].speaker != d.speaker)
        width = MAX_LINE_CHARS - (len(_label(d.speaker)) if labelled else 0)
        texts = [w.text for w in d.words]
        shown = _lines(texts, width)
        lines = shown[0] if shown is not None else [" ".join(texts)]
        cues.append(Cue(d.start, d.end, "\n".join(lines), d.speaker))
    return cues


def _fits(drafts: list[_Draft], i: int, words: list[_Word], multi: bool) -> bool:
    """Would ``words`` fit in two lines at position ``i`` (with its speaker label, if any)?"""
    d = drafts[i]
    labelled = multi and (i == 0 or drafts[i - 1].speaker != d.speaker)
    width = MAX_LINE_CHARS - (len(_label(d.speaker)) if labelled else 0)
    return _lines([w.text for w in words], width) is not None


def _merge_short(drafts: list[_Draft], multi: bool, video_end: int) -> None:
    """Orphans (cues under a second): into the previous cue, else a longer end, else the next."""
    i = 0
    while i < len(drafts):
        d = drafts[i]
        if d.end - d.start >= MIN_CUE_MS:
            i += 1
            continue
        if i > 0:
            p = drafts[i - 1]
            if (
                p.speaker == d.speaker
                and d.start - p.end <= MERGE_GAP_MS
                and d.end - p.start <= MAX_CUE_MS
                and _fits(drafts, i - 1, p.words + d.words, multi)
            ):
                p.words += d.words
                p.end = d.end
                del drafts[i]
                i -= 1  # the joined cue may still be short
                continue
        limit = drafts[i + 1].start if i + 1 < len(drafts) else max(video_end, d.end)
        if d.start + MIN_CUE_MS <= limit:
            d.end = d.start + MIN_CUE_MS
            i += 1
            continue
        if i + 1 < len(drafts):
            nxt = drafts[i + 1]
            if (
                nxt.speaker == d.speaker
                and nxt.start - d.end <= MERGE_GAP_MS
                and nxt.end - d.start <= MAX_CUE_MS
                and _fits(drafts, i, d.words + nxt.words, multi)
            ):
                nxt.words = d.words + nxt.words
                nxt.start = d.start
                del drafts[i]
                continue
        i += 1


def _settle(drafts: list[_Draft], video_end: int) -> None:
    """Make every cue between :data:`MIN_CUE_MS` and :data:`MAX_CUE_MS`, with no overlaps.

    A cue still short takes silence after it, then silence before it, then spare time
    from the previous cue; failing all that it keeps its second and the cues after it
    start later (the lag is absorbed by the next silence).
    """
    for i, d in enumerate(drafts):
        prev_end = drafts[i - 1].end if i > 0 else 0
        if d.start < prev_end:
            d.start = prev_end
        d.end = max(d.end, d.start)
        if d.end - d.start < MIN_CUE_MS:
            limit = drafts[i + 1].start if i + 1 < len(drafts) else max(video_end, d.end)
            d.end = max(d.end, min(d.start + MIN_CUE_MS, limit))
        if d.end - d.start < MIN_CUE_MS:
            d.start = max(prev_end, d.end - MIN_CUE_MS)
        if d.end - d.start < MIN_CUE_MS and i > 0:
            p = drafts[i - 1]
            new_start = max(p.start + MIN_CUE_MS, d.end - MIN_CUE_MS)
            if new_start < d.start:
                p.end = min(p.end, new_start)
                d.start = new_start
        if d.end - d.start < MIN_CUE_MS:
            d.end = d.start + MIN_CUE_MS
        d.end = min(d.end, d.start + MAX_CUE_MS)


def _srt_label(cues: list[Cue], i: int, multi: bool) -> str:
    c = cues[i]
    if not (multi and c.speaker) or (i > 0 and cues[i - 1].speaker == c.speaker):
        return ""
    return _label(c.speaker)


def srt_text(cues: list[Cue]) -> str:
    """SubRip: numbered cues, ``HH:MM:SS,mmm --> HH:MM:SS,mmm``; ``NAME: `` starts the
    first cue after each change of speaker in a script where more than the narrator speaks."""
    multi = _multi_speaker({c.speaker for c in cues})
    blocks = [
        f"{i}\n{format_timestamp(c.start_ms)} --> {format_timestamp(c.end_ms)}\n"
        f"{_srt_label(cues, i - 1, multi)}{c.text}\n"
        for i, c in enumerate(cues, 1)
    ]
    return "\n".join(blocks)


def _vtt_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def vtt_text(cues: list[Cue]) -> str:
    """WebVTT: the header, then cues with ``.`` before the milliseconds; in a script where
    more than the narrator speaks every cue opens with its speaker's ``<v NAME>`` span."""
    multi = _multi_speaker({c.speaker for c in cues})
    blocks = []
    for c in cues:
        voice = f"<v {_vtt_escape(c.speaker)}>" if multi and c.speaker else ""
        blocks.append(
            f"{format_timestamp(c.start_ms, sep='.')} --> {format_timestamp(c.end_ms, sep='.')}\n"
            f"{voice}{_vtt_escape(c.text)}\n"
        )
    return "WEBVTT\n\n" + "\n".join(blocks)


# ----------------------------------------------------------------------------- chapters


def _clock(ms: int) -> str:
    s = ms // 1000
    h, rest = divmod(s, 3600)
    m, sec = divmod(rest, 60)
    return f"{h}:{m:02d}:{sec:02d}" if h else f"{m}:{sec:02d}"


def chapter_lines(timeline: Timeline) -> tuple[list[str], str | None]:
    """``(lines, None)`` when the chapters meet YouTube's rules, else ``([], why)``.

    The rules: the first at 0:00, at least three, ascending, each at least 10 s long.
    A first chapter that starts after 0:00 (a title card before it) is moved to 0:00. A
    scene shorter than 10 s joins its neighbour (a short intro joins the first scene), the
    longer of the two giving the chapter its name, so one short scene does not cost the
    video all its chapters.
    """
    fps = timeline.fps
    chapters = sorted(timeline.chapters, key=lambda c: c.start)
    end = frames_to_ms(timeline.duration, fps)
    marks: list[tuple[int, str]] = [
        (0 if i == 0 else frames_to_ms(c.start, fps), c.title) for i, c in enumerate(chapters)
    ]

    def length(i: int) -> int:
        stop = marks[i + 1][0] if i + 1 < len(marks) else end
        return stop - marks[i][0]

    while len(marks) >= MIN_CHAPTERS:
        short = [i for i in range(len(marks)) if length(i) < MIN_CHAPTER_MS]
        if not short:
            break
        i = min(short, key=length)
        j = i + 1 if i == 0 else i - 1  # the first joins the next; others join the one before
        first, second = sorted((i, j))
        title = marks[i][1] if length(i) >= length(j) else marks[j][1]
        marks[first] = (marks[first][0], title)
        del marks[second]
    if len(marks) < MIN_CHAPTERS:
        scenes = len(chapters)
        if scenes < MIN_CHAPTERS:
            return (
                [],
                f"YouTube needs at least {MIN_CHAPTERS} chapters; this video has {scenes} scene(s).",
            )
        return [], (
            f"YouTube needs at least {MIN_CHAPTERS} chapters of 10 seconds or more; joining the "
            f"short scenes of this video leaves {len(marks)}."
        )
    return [f"{_clock(ms)} {title}" for ms, title in marks], None


def description_text(description: str, timeline: Timeline) -> str:
    """The YouTube description: the script's description, then the chapters (or why none)."""
    lines, _ = chapter_lines(timeline)
    parts = [description.strip()] if description.strip() else []
    if lines:
        parts.append("Chapters:\n" + "\n".join(lines))
    return "\n\n".join(parts)


def chapters_file_text(description: str, timeline: Timeline) -> str:
    """The ``.chapters.txt`` block to paste into YouTube (without chapters: why, then the description)."""
    lines, why = chapter_lines(timeline)
    if not lines:  # the note first; the description (with any stock credits) still follows
        return f"No chapters: {why}\n" + (
            f"\n{description.strip()}\n" if description.strip() else ""
        )
    body = description_text(description, timeline)
    return body + "\n"


# ----------------------------------------------------------------------------- thumbnail


CONTENT_TRACKS = frozenset({"visual", "overlay", "terminal"})
"""What a thumbnail frame is made of: the picture and the views, without words or titles."""


def thumbnail_candidates(timeline: Timeline, count: int = 8) -> list[int]:
    """Frames worth considering: finished windows and cards, the user's own pictures,
    and a little into each chapter."""
    duration = max(1, timeline.duration)
    fps = timeline.fps
    picks: list[int] = []
    for track in timeline.tracks:
        if track.kind == "terminal":
            picks += [c.start + c.length * 4 // 5 for c in track.clips]
        elif track.kind == "visual":
            picks += [
                c.start + c.length // 2 for c in track.clips if c.source.kind in ("image", "video")
            ]
    picks += [min(duration - 1, c.start + int(fps * 3)) for c in timeline.chapters]
    if len(picks) < count:
        picks += [duration * (i + 1) // (count + 1) for i in range(count)]
    return sorted({min(duration - 1, max(0, p)) for p in picks})


def content_only(timeline: Timeline) -> Timeline:
    """A copy showing only the picture and the views (no words, titles, names or captions)."""
    snap = timeline.snapshot()
    for track in snap.tracks:
        if track.kind not in CONTENT_TRACKS:
            track.enabled = False
    snap.burn_captions = False
    return snap


def thumbnail_jpeg(frame_rgb: np.ndarray, title: str, style: Style | None = None) -> bytes:
    """A 1280x720 JPEG under 2 MB: the frame, a shade of the style's colour, the short title."""
    return jpeg_under_limit(design(frame_rgb, title, style or resolve_style()))


def jpeg_under_limit(rgb: np.ndarray) -> bytes:
    """JPEG bytes under YouTube's 2 MB thumbnail limit (quality lowered until it fits)."""
    image = Image.fromarray(rgb, mode="RGB")
    data = b""
    for quality in (92, 85, 75, 60):
        buffer = io.BytesIO()
        image.save(buffer, format="JPEG", quality=quality, optimize=True)
        data = buffer.getvalue()
        if len(data) < THUMB_MAX_BYTES:
            return data
    return data
