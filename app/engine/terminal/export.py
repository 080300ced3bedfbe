"""Encoding an animation: H.264 ``.mp4``, ProRes 4444 ``.mov`` and VP9 ``.webm`` with
alpha, or a folder of PNG frames. Written under a temporary name, renamed when complete.
"""

from __future__ import annotations

import shutil
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from PIL import Image

from app.engine.files import commit, temp_beside
from app.engine.jobs.progress import Progress
from app.engine.model.time import frames_to_ms, ms_to_frames
from app.engine.terminal.animation import Animation

FORMATS = {
    ".mp4": ("libx264", "yuv420p", {"crf": "18", "preset": "veryfast"}),
    ".mov": ("prores_ks", "yuva444p10le", {"profile": "4444", "vendor": "apl0"}),
    ".webm": (
        "libvpx-vp9",
        "yuva420p",
        {"crf": "24", "b": "0", "deadline": "good", "cpu-used": "5", "row-mt": "1"},
    ),
}
ALPHA_FORMATS = {".mov", ".webm"}


class ExportError(Exception):
    """An export that cannot happen (bad size, unwritable place); the message says why."""


def output_kind(out: Path) -> str:
    """``.mp4``, ``.mov``, ``.webm`` or ``png`` (a folder of frames: no suffix, or an existing folder)."""
    suffix = out.suffix.lower()
    if suffix in FORMATS:
        return suffix
    if suffix == "" or out.is_dir():
        return "png"
    raise ExportError(
        f"{out}: unknown output type {suffix!r}; use .mp4, .mov, .webm or a folder for PNG frames"
    )


def frame_count(anim: Animation, fps: Fraction) -> int:
    return max(1, ms_to_frames(anim.duration_ms, fps))


def export_animation(
    anim: Animation, out: Path, *, fps: Fraction, progress: Progress | None = None
) -> Path:
    """Write every frame of ``anim`` at ``fps`` to ``out``; returns ``out``."""
    kind = output_kind(out)
    if kind in (".mp4", ".webm") and (anim.width % 2 or anim.height % 2):
        raise ExportError(
            f"{out}: {kind} needs an even width and height, got {anim.width}x{anim.height}"
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    n = frame_count(anim, fps)
    if progress is not None:
        progress.set_total(n)
    if kind == "png":
        return _export_png(anim, out, fps, n, progress)
    tmp = temp_beside(out, out.suffix)
    codec, pix_fmt, options = FORMATS[kind]
    try:
        with av.open(
            str(tmp), "w", format={".mp4": "mp4", ".mov": "mov", ".webm": "webm"}[kind]
        ) as container:
            stream = container.add_stream(codec, rate=fps, options=dict(options))
            assert isinstance(stream, av.VideoStream)
            stream.width, stream.height = anim.width, anim.height
            stream.pix_fmt = pix_fmt
            stream.time_base = Fraction(1, 1) / fps
            frame_tb = Fraction(1, 1) / fps
            intra_only = kind == ".mov"  # every ProRes frame is a key frame on its own
            # Slice threads return each packet at once, so a reused packet never overtakes one
            # still in the encoder; the inter-frame codecs use whatever threading they like.
            stream.thread_type = "SLICE" if intra_only else "AUTO"
            sent = received = 0
            prev: np.ndarray | None = None
            frame: av.VideoFrame | None = None
            held: bytes | None = None
            for i in range(n):
                if progress is not None:
                    progress.check()
                rgba = anim.frame_at(frames_to_ms(i, fps))
                # Terminals hold still most of the time: a repeated frame reuses the
                # converted picture, and for ProRes the encoded frame itself.
                same = prev is not None and np.array_equal(rgba, prev)
                if same and intra_only and held is not None and sent == received:
                    packet = av.Packet(held)
                    packet.pts = packet.dts = i
                    packet.duration = 1
                    packet.time_base = frame_tb
                    packet.is_keyframe = True
                    packet.stream = stream
                    container.mux(packet)
                else:
                    if frame is None or not same:
                        src = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgba), format="rgba")
                        frame = src.reformat(format=pix_fmt)
                        prev = rgba
                    frame.pts = i
                    sent += 1
                    for packet in stream.encode(frame):
                        received += 1
                        if intra_only:
                            held = bytes(packet)
                        container.mux(packet)
                if progress is not None:
                    progress.update(i + 1)
            for packet in stream.encode():
                container.mux(packet)
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
