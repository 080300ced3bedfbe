"""Looking at a rendered video the way a viewer does: decoded frames, OCR, and the sound.

Tests of the picture's grammar read text back from decoded frames with tesseract (from
Debian's ``tesseract-ocr``; ``make test`` installs it) and measure silence on the decoded
audio, never the engine's internal state.
"""

from __future__ import annotations

import itertools
import re
import shutil
import subprocess
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import av
import cv2
import numpy as np
import pytest

from app.engine.model.script import PauseBeat, Script
from app.engine.model.time import frames_to_ms
from app.engine.timeline import Timeline


def need_tesseract() -> str:
    exe = shutil.which("tesseract")
    if exe is None:
        pytest.skip("tesseract is not installed (make test installs Debian's tesseract-ocr)")
    return exe


def frames_at(video: Path, seconds: list[float]) -> dict[float, np.ndarray]:
    """RGB frames nearest after each time (decoded in one forward pass)."""
    wanted = sorted(set(seconds))
    out: dict[float, np.ndarray] = {}
    with av.open(str(video)) as container:
        stream = container.streams.video[0]
        i = 0
        for frame in container.decode(stream):
            t = float(frame.pts * frame.time_base)
            while i < len(wanted) and t + 1e-6 >= wanted[i]:
                out[wanted[i]] = frame.to_ndarray(format="rgb24")
                i += 1
            if i >= len(wanted):
                break
    return out


def audio_of(video: Path) -> tuple[np.ndarray, int]:
    """The soundtrack as mono float32 and its rate."""
    chunks: list[np.ndarray] = []
    rate = 48_000
    with av.open(str(video)) as container:
        stream = container.streams.audio[0]
        rate = stream.rate
        for frame in container.decode(stream):
            data = frame.to_ndarray()
            if data.ndim == 2 and data.shape[0] > 1 and not frame.format.is_packed:
                data = data.mean(axis=0)
            chunks.append(np.asarray(data, dtype=np.float32).reshape(-1))
    return (np.concatenate(chunks) if chunks else np.zeros(0, np.float32)), rate


def silent_runs(
    audio: np.ndarray, rate: int, window_ms: int = 100, threshold_db: float = -55.0
) -> list[tuple[float, float]]:
    """Stretches (start s, end s) where every ``window_ms`` window is below ``threshold_db``."""
    n = rate * window_ms // 1000
    count = audio.size // n
    if count == 0:
        return []
    blocks = audio[: count * n].reshape(count, n).astype(np.float64)
    rms = np.sqrt(np.mean(blocks**2, axis=1))
    db = 20 * np.log10(np.maximum(rms, 1e-9))
    quiet = db < threshold_db
    runs: list[tuple[float, float]] = []
    start: int | None = None
    for i, q in enumerate(quiet):
        if q and start is None:
            start = i
        elif not q and start is not None:
            runs.append((start * window_ms / 1000, i * window_ms / 1000))
            start = None
    if start is not None:
        runs.append((start * window_ms / 1000, count * window_ms / 1000))
    return runs


@dataclass(frozen=True)
class Silence:
    """A silent stretch of the soundtrack, and how much of it the script asked for."""

    start: float
    end: float
    written: float
    """Seconds of ``[pause]`` the script writes between the lines around it."""

    @property
    def length(self) -> float:
        return self.end - self.start

    @property
    def unasked(self) -> float:
        """The silence the writer did not ask for: what the no-dead-air rule limits."""
        return max(0.0, self.length - self.written)


def silences(video: Path, timeline: Timeline, script: Script) -> list[Silence]:
    """Every silent stretch of ``video``'s decoded sound, with the written pauses inside it.

    The timeline only says which script lines sound around a stretch (to find the
    ``[pause]`` lines between them); the silence itself is measured on the audio.
    """
    audio, rate = audio_of(video)
    fps = timeline.fps
    voice = [
        (frames_to_ms(c.start, fps) / 1000, frames_to_ms(c.end, fps) / 1000, c.script_line or 0)
        for c in timeline.tracks_of("voice")[0].clips
    ]
    pauses = [b for b in script.beats() if isinstance(b, PauseBeat)]
    found: list[Silence] = []
    for start, end in silent_runs(audio, rate):
        before = max((line for _, e, line in voice if e <= start + 0.05), default=0)
        after = min((line for s, _, line in voice if s >= end - 0.05), default=10**9)
        written = sum(p.duration_ms / 1000 for p in pauses if before < p.line < after)
        found.append(Silence(start, end, written))
    return found


@dataclass(frozen=True)
class Word:
    text: str
    conf: float
    left: int
    top: int
    width: int
    height: int
    line: tuple[int, int, int]
    """(block, paragraph, line) as tesseract numbers them."""


def _prepared(rgb: np.ndarray, scale: float) -> np.ndarray:
    grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    if scale != 1.0:
        grey = cv2.resize(grey, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
    return grey


def ocr_words(
    rgb: np.ndarray, *, psm: int = 11, scale: float = 1.0, invert: bool = False
) -> list[Word]:
    """Words tesseract reads in a picture, with boxes in the picture's own pixels."""
    exe = need_tesseract()
    grey = _prepared(rgb, scale)
    if invert:
        grey = 255 - grey
    ok, png = cv2.imencode(".png", grey)
    assert ok
    result = subprocess.run(
        [exe, "stdin", "stdout", "--psm", str(psm), "-l", "eng", "tsv"],
        input=png.tobytes(),
        capture_output=True,
        check=True,
    )
    words: list[Word] = []
    for row in result.stdout.decode("utf-8", "replace").splitlines()[1:]:
        cols = row.split("\t")
        if len(cols) < 12 or not cols[11].strip():
            continue
        words.append(
            Word(
                text=cols[11].strip(),
                conf=float(cols[10]),
                left=round(int(cols[6]) / scale),
                top=round(int(cols[7]) / scale),
                width=round(int(cols[8]) / scale),
                height=round(int(cols[9]) / scale),
                line=(int(cols[2]), int(cols[3]), int(cols[4])),
            )
        )
    return words


def ocr_text(rgb: np.ndarray, *, psms: tuple[int, ...] = (11,), scale: float = 1.0) -> str:
    """Everything read in a picture, as normalised words joined by spaces.

    Each page-segmentation mode in ``psms`` is tried on both polarities (light text on
    dark and dark on light), and everything read is kept: OCR misses differ by mode.
    """
    words: list[Word] = []
    for psm in psms:
        words += ocr_words(rgb, psm=psm, scale=scale) + ocr_words(
            rgb, psm=psm, scale=scale, invert=True
        )
    return " ".join(norm(w.text) for w in words if w.conf > 30)


def ocr_region(
    rgb: np.ndarray, box: tuple[int, int, int, int], *, psms: tuple[int, ...] = (7, 6, 11)
) -> str:
    """Text read in one region ``(x, y, w, h)`` of a picture, binarised to dark on light
    with a white margin: how OCR reads a label best."""
    exe = need_tesseract()
    x, y, w, h = box
    grey = cv2.cvtColor(
        np.ascontiguousarray(rgb[max(0, y) : y + h, max(0, x) : x + w]), cv2.COLOR_RGB2GRAY
    )
    _, binary = cv2.threshold(grey, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    if (binary > 0).mean() < 0.5:
        binary = 255 - binary
    binary = cv2.copyMakeBorder(binary, 24, 24, 24, 24, cv2.BORDER_CONSTANT, value=255)
    ok, png = cv2.imencode(".png", binary)
    assert ok
    found = []
    for psm in psms:
        out = subprocess.run(
            [exe, "stdin", "stdout", "--psm", str(psm), "-l", "eng"],
            input=png.tobytes(),
            capture_output=True,
            check=True,
        )
        found.append(norm(out.stdout.decode("utf-8", "replace")))
    return " ".join(found)


def norm(text: str) -> str:
    """Lower case letters and digits only, accents removed: what OCR matching compares."""
    text = unicodedata.normalize("NFKD", text)
    return re.sub(r"[^a-z0-9 ]+", "", text.lower())


def _close(a: str, b: str) -> bool:
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1 or len(a) < 4:
        return False
    # one substitution, insertion or deletion
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) <= 1
    short, long_ = sorted((a, b), key=len)
    return any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))


def reads(seen: str, expected: str, fraction: float = 0.6) -> bool:
    """True when at least ``fraction`` of the expected words were read (one OCR slip allowed each)."""
    want = [w for w in norm(expected).split() if len(w) >= 2]
    if not want:
        return True
    got = set(seen.split())
    hits = sum(1 for w in want if any(_close(w, g) for g in got))
    return hits >= max(1, round(fraction * len(want)))


def row_pitch(words: list[Word]) -> float:
    """The usual distance between the tops of consecutive text lines.

    Word tops are grouped into lines (within a third of the text height), and the median
    step between lines is the row pitch: a window's title bar makes one step shorter and
    a line OCR missed one step longer, but most steps are the row pitch itself.
    """
    good = [w for w in words if w.conf > 40 and len(w.text) >= 2 and w.height >= 8]
    if not good:
        return 0.0
    text_h = float(np.median([w.height for w in good]))
    tops = sorted(w.top for w in good)
    lines: list[list[int]] = [[tops[0]]]
    for top in tops[1:]:
        if top - lines[-1][-1] <= text_h / 3:
            lines[-1].append(top)
        else:
            lines.append([top])
    centres = [float(np.median(line)) for line in lines]
    gaps = [b - a for a, b in itertools.pairwise(centres) if b - a >= 0.8 * text_h]
    return float(np.median(gaps)) if gaps else 0.0
