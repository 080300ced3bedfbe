"""Hardware encoders: use one where it opens, else the preset's software fallback.

A ``-nvenc`` preset names its libx264 twin as ``fallback``. Whether ``h264_nvenc`` opens
(a GPU, a driver, a free session) is asked once per process per codec by opening a tiny
encoder with the preset's settings; where it does not, the render encodes with the
fallback and says so once: a log warning, and a note a command or dialog can show.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Iterator
from dataclasses import replace
from fractions import Fraction
from typing import cast

import av

from app.engine.render.encoder import codec_options
from app.engine.render.presets import Preset, for_aspect, get_preset

log = logging.getLogger(__name__)

_PROBE_FPS = Fraction(30)
_lock = threading.Lock()
_problems: dict[str, str | None] = {}
"""Why each codec asked about cannot encode here, or None where it opened."""
_unshown: list[str] = []
"""Fallback notes no caller has taken yet (see :func:`take_fallback_note`)."""
_callers_showing = 0


def _open_problem(preset: Preset) -> str | None:
    """Open a 256x144 encoder as :class:`~app.engine.render.encoder.Encoder` would set
    it up for ``preset``; None when it opens, else why not in a few words."""
    try:
        ctx = cast(av.VideoCodecContext, av.CodecContext.create(preset.video_codec, "w"))
        ctx.width, ctx.height, ctx.pix_fmt = 256, 144, preset.pix_fmt
        ctx.time_base = Fraction(1) / _PROBE_FPS
        ctx.framerate = _PROBE_FPS
        if preset.profile:
            ctx.profile = preset.profile
        if preset.gop is not None:
            ctx.gop_size = preset.gop.frames(_PROBE_FPS)
            ctx.max_b_frames = preset.gop.b_frames
        ctx.options = codec_options(preset, _PROBE_FPS, 1)
        ctx.open()
    except (av.FFmpegError, OSError, ValueError) as exc:
        return getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    return None


def usable_preset(preset: Preset) -> Preset:
    """``preset`` where its codec opens here, else its fallback at the same size (a
    vertical ``youtube-1080p-nvenc`` falls back to ``shorts``)."""
    if preset.fallback is None:
        return preset
    codec = preset.video_codec
    with _lock:
        if codec not in _problems:
            _problems[codec] = _open_problem(preset)
            if _problems[codec] is not None:
                instead = _fallback(preset)
                note = (
                    f"{codec} is not available here ({_problems[codec]}); "
                    f"encoding with {instead.video_codec} ({instead.name})"
                )
                log.log(logging.INFO if _callers_showing else logging.WARNING, "%s", note)
                _unshown.append(note)
        usable = _problems[codec] is None
    return preset if usable else _fallback(preset)


def _fallback(preset: Preset) -> Preset:
    assert preset.fallback is not None
    aspect = "9:16" if preset.height > preset.width else "16:9"
    instead = for_aspect(get_preset(preset.fallback), aspect)
    return replace(instead, width=preset.width, height=preset.height)


def take_fallback_note() -> str | None:
    """The note of a fallback no caller has shown yet, for showing it to the user once;
    None when nothing fell back (or the note was taken already)."""
    with _lock:
        notes = "\n".join(_unshown)
        _unshown.clear()
    return notes or None


@contextlib.contextmanager
def showing_fallback_notes() -> Iterator[None]:
    """While open, a fallback is logged at INFO rather than WARNING: the caller shows its
    note itself with :func:`take_fallback_note` (the command line, whose log lines go to
    the same terminal, would say it twice)."""
    global _callers_showing
    with _lock:
        _callers_showing += 1
    try:
        yield
    finally:
        with _lock:
            _callers_showing -= 1
