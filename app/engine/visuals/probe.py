"""Checking a visual before it is kept: does it decode, how big is it, how long does it run.

A provider can answer with a file the renderer cannot use (an HTML error page saved as
``.mp4``, a codec FFmpeg lacks, a truncated download). Probing decodes the first
picture, so such a file is refused here, with a message, and the visual moves to the
next provider, instead of failing the render later.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np

from app.engine.visuals.providers.base import Kind, UnusableMedia


@dataclass(frozen=True)
class MediaInfo:
    """What a decodable visual is."""

    kind: Kind
    width: int
    height: int
    duration_ms: int | None = None


def probe(source: bytes | Path, kind: Kind, *, provider: str = "") -> MediaInfo:
    """Decode ``source`` far enough to know it works; :class:`UnusableMedia` if it does not."""
    return _probe_clip(source, provider) if kind == "clip" else _probe_still(source, provider)


def _probe_still(source: bytes | Path, provider: str) -> MediaInfo:
    data = source if isinstance(source, bytes) else Path(source).read_bytes()
    picture = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED) if data else None
    if picture is None or picture.ndim < 2 or picture.shape[0] < 2 or picture.shape[1] < 2:
        raise UnusableMedia(
            f"{provider or 'the provider'} sent a still that is not a readable image (PNG, JPEG or WebP)",
            provider=provider,
            code="unusable",
        )
    return MediaInfo("still", int(picture.shape[1]), int(picture.shape[0]))


def _probe_clip(source: bytes | Path, provider: str) -> MediaInfo:
    opened = io.BytesIO(source) if isinstance(source, bytes) else str(source)
    who = provider or "the provider"
    try:
        with av.open(opened, mode="r") as container:
            if not container.streams.video:
                raise UnusableMedia(
                    f"{who} sent a clip with no video in it", provider=provider, code="unusable"
                )
            stream = container.streams.video[0]
            frame = next(container.decode(stream), None)
            if frame is None:
                raise UnusableMedia(
                    f"{who} sent a clip with no decodable picture",
                    provider=provider,
                    code="unusable",
                )
            seconds: Fraction | None = None
            if stream.duration is not None and stream.time_base is not None:
                seconds = Fraction(stream.duration) * stream.time_base
            elif container.duration is not None:
                seconds = Fraction(container.duration, av.time_base)
            duration_ms = int(seconds * 1000) if seconds is not None and seconds > 0 else None
            return MediaInfo("clip", int(frame.width), int(frame.height), duration_ms)
    except UnusableMedia:
        raise
    except (av.FFmpegError, StopIteration, ValueError, OSError) as exc:
        raise UnusableMedia(
            f"{who} sent a clip in a format that cannot be decoded ({type(exc).__name__}: {str(exc)[:120]})",
            provider=provider,
            code="unusable",
        ) from exc
