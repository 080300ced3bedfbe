"""Encoding a terminal animation on its own: H.264 ``.mp4``, ProRes 4444 ``.mov`` and VP9
``.webm`` with alpha, or a folder of PNG frames. Written under a temporary name, renamed
when complete.

The video files go through the render's encoder with the preset that writes their
suffix, so a terminal clip has the same codec settings and colour tags as a full render.
It lives here rather than in the terminal package because it needs the encoder above it.
"""

from __future__ import annotations

import shutil
from dataclasses import replace
from fractions import Fraction
from pathlib import Path

import numpy as np
from PIL import Image

from app.engine.files import commit, temp_beside
from app.engine.jobs.progress import Progress
from app.engine.model.time import frames_to_ms, ms_to_frames
from app.engine.render.encoder import Encoder
from app.engine.render.presets import preset_for_suffix, registered_presets
from app.engine.terminal.animation import Animation


def video_suffixes() -> tuple[str, ...]:
    """The video files a preset writes: ``.mp4``, ``.mov``, ``.webm``."""
    return tuple(dict.fromkeys(p.suffix for p in registered_presets().values()))


class ExportError(Exception):
    """An export that cannot happen (bad size, unwritable place); the message says why."""


def output_kind(out: Path) -> str:
    """A video suffix (``.mp4``, ``.mov``, ``.webm``) or ``png`` (a folder of frames: no
    suffix, or an existing folder)."""
    suffix = out.suffix.lower()
    suffixes = video_suffixes()
    if suffix in suffixes:
        return suffix
    if suffix == "" or out.is_dir():
        return "png"
    raise ExportError(
        f"{out}: unknown output type {suffix!r}; use {', '.join(suffixes)} "
        "or a folder for PNG frames"
    )


def frame_count(anim: Animation, fps: Fraction) -> int:
    return max(1, ms_to_frames(anim.duration_ms, fps))


def export_animation(
    anim: Animation,
    out: Path,
    *,
    fps: Fraction,
    progress: Progress | None = None,
    threads: int = 2,
) -> Path:
    """Write every frame of ``anim`` at ``fps`` to ``out``; returns ``out``."""
    kind = output_kind(out)
    # 4:2:0 chroma keeps one sample per two by two pixels.
    halved = kind != "png" and "420" in preset_for_suffix(kind).pix_fmt
    if halved and (anim.width % 2 or anim.height % 2):
        raise ExportError(
            f"{out}: {kind} needs an even width and height, got {anim.width}x{anim.height}"
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    n = frame_count(anim, fps)
    if progress is not None:
        progress.set_total(n)
    if kind == "png":
        return _export_png(anim, out, fps, n, progress)
    preset = replace(preset_for_suffix(kind), width=anim.width, height=anim.height)
    tmp = temp_beside(out, out.suffix)
    try:
        with Encoder(
            tmp, preset, fps=fps, width=anim.width, height=anim.height, threads=threads
        ) as enc:
            prev: np.ndarray | None = None
            for i in range(n):
                if progress is not None:
                    progress.check()
                rgba = anim.frame_at(frames_to_ms(i, fps))
                # Terminals hold still most of the time: a repeated frame reuses the
                # converted picture, and for ProRes the encoded frame itself.
                if prev is not None and np.array_equal(rgba, prev):
                    enc.repeat_frame()
                else:
                    enc.add_frame(np.ascontiguousarray(rgba))
                    prev = rgba
                if progress is not None:
                    progress.update(i + 1)
        commit([(tmp, out)])
    finally:
        if tmp.exists():
            tmp.unlink()
    return out


def _export_png(
    anim: Animation, out: Path, fps: Fraction, n: int, progress: Progress | None
) -> Path:
    tmp = out.with_name(f".{out.name}.partial")
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir(parents=True)
    try:
        for i in range(n):
            if progress is not None:
                progress.check()
            Image.fromarray(anim.frame_at(frames_to_ms(i, fps)), "RGBA").save(
                tmp / f"frame_{i:06d}.png", compress_level=1
            )
            if progress is not None:
                progress.update(i + 1)
        old = out.with_name(f".{out.name}.old")
        if out.exists():
            if not out.is_dir():
                raise ExportError(f"{out} exists and is not a folder")
            out.rename(old)
        tmp.rename(out)
        if old.exists():
            shutil.rmtree(old)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp)
    return out
