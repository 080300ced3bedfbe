"""Integer time. Video positions are frames at a rational rate, audio positions are samples.

Seconds appear only at the edges (the script's ``1.5s``, labels in the UI); everything
in between is an ``int`` so that cuts never drift by a frame.
"""

from __future__ import annotations

from fractions import Fraction

SAMPLE_RATE = 48_000
"""The one audio rate inside the engine: every clip is brought to it."""


def fps_fraction(fps: int | Fraction | str) -> Fraction:
    """A frame rate as an exact fraction (``"30000/1001"`` and ``29.97`` are both NTSC)."""
    if isinstance(fps, Fraction):
        return fps
    if isinstance(fps, int):
        return Fraction(fps)
    text = str(fps).strip()
    if text in ("29.97", "23.976", "59.94"):
        return Fraction(round(float(text) + 0.03) * 1000, 1001)
    return Fraction(text)


def ms_to_frames(ms: int, fps: Fraction) -> int:
    """Milliseconds to the nearest whole frame."""
    return round(Fraction(ms, 1000) * fps)


def frames_to_ms(frames: int, fps: Fraction) -> int:
    """Frames to the nearest whole millisecond."""
    return round(Fraction(frames) / fps * 1000)


def samples_to_frames(samples: int, fps: Fraction, rate: int = SAMPLE_RATE) -> int:
    """Audio samples to the nearest frame."""
    return round(Fraction(samples, rate) * fps)


def frames_to_samples(frames: int, fps: Fraction, rate: int = SAMPLE_RATE) -> int:
    """The first audio sample of a frame."""
    return round(Fraction(frames) / fps * rate)


def ms_to_samples(ms: int, rate: int = SAMPLE_RATE) -> int:
    """Milliseconds to samples (exact for 48 kHz)."""
    return ms * rate // 1000


def samples_to_ms(samples: int, rate: int = SAMPLE_RATE) -> int:
    """Samples to the nearest millisecond."""
    return round(Fraction(samples * 1000, rate))


def format_timestamp(ms: int, *, sep: str = ",", hours: bool = True) -> str:
    """``HH:MM:SS,mmm`` (SubRip) or ``HH:MM:SS.mmm`` (WebVTT) from milliseconds."""
    ms = max(0, ms)
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, milli = divmod(rest, 1000)
    if hours:
        return f"{h:02d}:{m:02d}:{s:02d}{sep}{milli:03d}"
    return f"{m:02d}:{s:02d}{sep}{milli:03d}"
