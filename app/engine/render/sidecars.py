"""The files written beside a video: captions, the chapters block and the thumbnail.

Captions come from the real speech timings on the timeline's voice track (long lines
split at word boundaries), chapters from its scene markers checked against YouTube's
rules, and the thumbnail from the most colourful, contrasty frame with the title over it.
"""

from __future__ import annotations

import io
import os
import tempfile
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from app.engine.model.time import SAMPLE_RATE, format_timestamp, frames_to_ms
from app.engine.timeline import SpeechSource, Timeline
from app.engine.visuals.text import paste, text_block

MAX_CUE_CHARS = 84
"""Two lines of about 42 characters: the usual limit for readable captions."""
MIN_CHAPTERS = 3
MIN_CHAPTER_MS = 10_000
THUMB_SIZE = (1280, 720)
THUMB_MAX_BYTES = 2_000_000


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def usual_permissions(path: Path) -> None:
    """Give a temporary file (created 0600) the permissions a normally written file gets."""
    os.chmod(path, 0o666 & ~_umask())


def write_atomic(path: Path, data: bytes) -> Path:
    """Write bytes under a temporary name in the same folder, then rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        usual_permissions(Path(tmp))
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


# ----------------------------------------------------------------------------- captions


@dataclass(frozen=True)
class Cue:
    """One caption: integer milliseconds, ``end`` exclusive."""

    start_ms: int
    end_ms: int
    text: str


def _split_words(src: SpeechSource) -> list[tuple[str, int | None]]:
    """Caption words, each with its start sample when the voice reported word timings."""
    words = (src.caption or src.text).split()
    timed = src.words
    if len(timed) == len(words):
        return [(w, t.start_sample) for w, t in zip(words, timed, strict=True)]
    return [(w, None) for w in words]


def caption_cues(timeline: Timeline) -> list[Cue]:
    """Cues from each speech clip: the first starts with the clip's first frame."""
    fps = timeline.fps
    cues: list[Cue] = []
    for track in timeline.tracks:
        if track.kind != "voice" or not track.enabled:
            continue
        for clip in track.clips:
            src = clip.source
            if not isinstance(src, SpeechSource):
                continue
            start_ms, end_ms = frames_to_ms(clip.start, fps), frames_to_ms(clip.end, fps)
            in_ms = frames_to_ms(clip.source_in, fps)
            words = _split_words(src)
            groups: list[list[tuple[str, int | None]]] = [[]]
            for word in words:
                text = " ".join(w for w, _ in [*groups[-1], word])
                if groups[-1] and len(text) > MAX_CUE_CHARS:
                    groups.append([word])
                else:
                    groups[-1].append(word)
            groups = [g for g in groups if g]
            total_chars = max(1, sum(len(w) + 1 for w, _ in words))
            pieces: list[tuple[int, str]] = []
            chars_before = 0
            for i, group in enumerate(groups):
                text = " ".join(w for w, _ in group)
                if i == 0:
                    at = start_ms
                elif group[0][1] is not None:
                    at = start_ms + round(Fraction(group[0][1] * 1000, SAMPLE_RATE)) - in_ms
                else:
                    at = start_ms + (end_ms - start_ms) * chars_before // total_chars
                pieces.append((min(max(at, start_ms), end_ms - 1), text))
                chars_before += sum(len(w) + 1 for w, _ in group)
            for i, (at, text) in enumerate(pieces):
                stop = pieces[i + 1][0] if i + 1 < len(pieces) else end_ms
                if stop > at and text:
                    cues.append(Cue(at, stop, text))
    cues.sort(key=lambda c: c.start_ms)
    return cues


def srt_text(cues: list[Cue]) -> str:
    """SubRip: numbered cues, ``HH:MM:SS,mmm --> HH:MM:SS,mmm``."""
    blocks = [
        f"{i}\n{format_timestamp(c.start_ms)} --> {format_timestamp(c.end_ms)}\n{c.text}\n"
        for i, c in enumerate(cues, 1)
    ]
    return "\n".join(blocks)


def vtt_text(cues: list[Cue]) -> str:
    """WebVTT: the header, then cues with ``.`` before the milliseconds."""
    blocks = [
        f"{format_timestamp(c.start_ms, sep='.')} --> {format_timestamp(c.end_ms, sep='.')}\n{c.text}\n"
        for c in cues
    ]
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
    A first chapter that starts after 0:00 (a title card before it) is moved to 0:00.
    """
    fps = timeline.fps
    chapters = sorted(timeline.chapters, key=lambda c: c.start)
    if len(chapters) < MIN_CHAPTERS:
        return [], f"YouTube needs at least {MIN_CHAPTERS} chapters; this video has {len(chapters)} scene(s)."
    starts = [0] + [frames_to_ms(c.start, fps) for c in chapters[1:]]
    end = frames_to_ms(timeline.duration, fps)
    for i, c in enumerate(chapters):
        stop = starts[i + 1] if i + 1 < len(starts) else end
        if stop - starts[i] < MIN_CHAPTER_MS:
            secs = (stop - starts[i]) / 1000
            return [], (
                f"YouTube ignores chapters shorter than 10 seconds; "
                f"chapter {i + 1} ({c.title!r}) lasts {secs:.1f} s."
            )
    return [f"{_clock(ms)} {c.title}" for ms, c in zip(starts, chapters, strict=True)], None


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
        return f"No chapters: {why}\n" + (f"\n{description.strip()}\n" if description.strip() else "")
    body = description_text(description, timeline)
    return body + "\n"


# ----------------------------------------------------------------------------- thumbnail


def colourfulness(rgb: np.ndarray) -> float:
    """Hasler and Süsstrunk's colourfulness plus contrast: how striking a frame looks."""
    f = rgb.astype(np.float32)
    rg = f[:, :, 0] - f[:, :, 1]
    yb = 0.5 * (f[:, :, 0] + f[:, :, 1]) - f[:, :, 2]
    colour = float(np.sqrt(rg.std() ** 2 + yb.std() ** 2) + 0.3 * np.sqrt(rg.mean() ** 2 + yb.mean() ** 2))
    grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    return colour + 0.5 * float(grey.std())


def thumbnail_candidates(timeline: Timeline, count: int = 8) -> list[int]:
    """Frames worth considering: a little into each chapter, or spread over the video."""
    duration = max(1, timeline.duration)
    fps = timeline.fps
    picks = [min(duration - 1, c.start + int(fps * 3)) for c in timeline.chapters]
    if len(picks) < count:
        picks += [duration * (i + 1) // (count + 1) for i in range(count)]
    return sorted(set(picks))[: max(count, len(timeline.chapters))]


def thumbnail_jpeg(frame_rgb: np.ndarray, title: str) -> bytes:
    """A 1280x720 JPEG under 2 MB: the frame filling the picture, the title over it."""
    tw, th = THUMB_SIZE
    h, w = frame_rgb.shape[:2]
    if w / h < tw / th:  # vertical video: blurred fill behind the whole frame
        scale = tw / w
        back = cv2.resize(frame_rgb, (tw, max(th, round(h * scale))), interpolation=cv2.INTER_AREA)
        y0 = (back.shape[0] - th) // 2
        canvas = cv2.GaussianBlur(back[y0 : y0 + th], (0, 0), 18)
        canvas = (canvas.astype(np.float32) * 0.55).astype(np.uint8)
        fg = cv2.resize(frame_rgb, (round(w * th / h), th), interpolation=cv2.INTER_AREA)
        x0 = (tw - fg.shape[1]) // 2
        canvas[:, x0 : x0 + fg.shape[1]] = fg
    else:
        scale = max(tw / w, th / h)
        fitted = cv2.resize(frame_rgb, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA)
        x0, y0 = (fitted.shape[1] - tw) // 2, (fitted.shape[0] - th) // 2
        canvas = np.ascontiguousarray(fitted[y0 : y0 + th, x0 : x0 + tw])
    # Darken the lower half so the title reads on any picture.
    ramp = np.clip((np.arange(th, dtype=np.float32) / th - 0.35) / 0.65, 0, 1) * 0.65
    canvas = (canvas.astype(np.float32) * (1 - ramp)[:, None, None]).astype(np.uint8)
    if title:
        block = text_block(title, 104, int(tw * 0.9))
        paste(canvas, block, (tw - block.shape[1]) // 2, th - block.shape[0] - 48)
    image = Image.fromarray(canvas, mode="RGB")
    for quality in (92, 85, 75, 60):
        buffer = io.BytesIO()
        image.save(buffer, format="JPEG", quality=quality, optimize=True)
        data = buffer.getvalue()
        if len(data) < THUMB_MAX_BYTES:
            return data
    return data
