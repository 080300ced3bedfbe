"""Waveforms and thumbnails for clips, computed in workers and cached by content.

A clip's picture is keyed by its content hash and its waveform by the audio file, so an
edit elsewhere never recomputes them and a changed clip never shows a stale one.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QImage

from app.engine.audio.io import decode_audio
from app.engine.render.compositor import PreviewCompositors
from app.engine.timeline import Clip, Timeline, Track
from app.ui import workers

THUMB_WIDTH = 160
PEAKS_PER_SECOND = 50


def waveform_peaks(path: str) -> np.ndarray:
    """Peak amplitude (0..1) of every 1/PEAKS_PER_SECOND of an audio file (any format)."""
    audio, rate = decode_audio(Path(path))
    mono = np.abs(audio if audio.ndim == 1 else audio.mean(axis=1))
    hop = max(1, rate // PEAKS_PER_SECOND)
    usable = mono.size - mono.size % hop
    if usable == 0:
        return np.zeros(1, dtype=np.float32)
    peaks = mono[:usable].reshape(-1, hop).max(axis=1)
    return np.clip(peaks, 0.0, 1.0).astype(np.float32)


def rgba_to_qimage(frame: np.ndarray) -> QImage:
    """A QImage holding its own copy of an RGB or RGBA uint8 array.

    The pixels are copied into memory the QImage allocated, rather than wrapping the
    array's buffer, so no Python object's lifetime is tied to the image.
    """
    h, w = frame.shape[:2]
    rgba = frame.ndim == 3 and frame.shape[2] == 4
    fmt = QImage.Format.Format_RGBA8888 if rgba else QImage.Format.Format_RGB888
    image = QImage(w, h, fmt)
    channels = 4 if rgba else 3
    stride = image.bytesPerLine()
    view = np.frombuffer(image.bits(), dtype=np.uint8).reshape(h, stride)
    view[:, : w * channels] = np.ascontiguousarray(frame, dtype=np.uint8).reshape(h, w * channels)
    return image


def clip_thumbnail(
    timeline: Timeline, track: Track, clip: Clip, compositors: PreviewCompositors
) -> np.ndarray:
    """The clip alone on an empty timeline, drawn small: what its row in the timeline shows."""
    alone = clip.model_copy(update={"start": 0, "transition_in": None})
    solo = Timeline.create(
        timeline.fps,
        timeline.width,
        timeline.height,
        tracks=[Track(kind=track.kind, clips=[alone])],
    )
    # A terminal is best recognised finished; anything else a second in.
    frame = (
        alone.length - 1
        if track.kind == "terminal"
        else min(alone.length - 1, max(0, round(timeline.fps)))
    )
    return compositors.frame(solo, frame, width=THUMB_WIDTH)


class ClipMedia(QObject):
    """Asynchronously filled caches; ``ready`` fires when something new can be drawn."""

    ready = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.peaks: dict[str, np.ndarray] = {}
        self.thumbs: dict[str, QImage] = {}
        self._pending: set[str] = set()
        self.closed = False
        self._thumb_pool = ThreadPoolExecutor(
            max_workers=1, thread_name_prefix="castline-thumbs"
        )  # one compositor, one thread
        self.compositors = PreviewCompositors()
        """The thumbnails' own, so drawing one never holds up the preview."""

    def waveform(self, path: str | None) -> np.ndarray | None:
        if not path:
            return None
        if path in self.peaks:
            return self.peaks[path]
        if path not in self._pending and not self.closed and Path(path).exists():
            self._pending.add(path)
            workers.submit(
                lambda: waveform_peaks(path),
                lambda v: self._store_peaks(path, v),
                lambda _m: None,
                owner=self,
            )
        return None

    def thumbnail(self, timeline: Timeline, track: Track, clip: Clip) -> QImage | None:
        key = clip.content_hash()
        if key in self.thumbs:
            return self.thumbs[key]
        if key not in self._pending and not self.closed:
            self._pending.add(key)
            snap_tl, snap_track, snap_clip = timeline, track.model_copy(deep=True), clip
            compositors = self.compositors
            workers.submit(
                lambda: rgba_to_qimage(clip_thumbnail(snap_tl, snap_track, snap_clip, compositors)),
                lambda img: self._store_thumb(key, img),
                lambda _m: None,
                pool=self._thumb_pool,
                owner=self,
            )
        return None

    def close(self) -> None:
        """The window closes: drop the thumbnails and waveforms not started yet."""
        self.closed = True
        self._thumb_pool.shutdown(wait=False, cancel_futures=True)
        workers.cancel_owned(self)
        self.compositors.close()

    def queued(self) -> int:
        """Thumbnails and waveforms waiting for a thread."""
        return workers.queued(self)

    def wait(self, msecs: int = -1) -> bool:
        """Block until queued thumbnails are drawn (benchmarks, screenshots)."""
        if self.closed:
            return True
        marker = self._thumb_pool.submit(lambda: None)
        try:
            marker.result(timeout=None if msecs < 0 else msecs / 1000)
        except TimeoutError:
            return False
        return True

    def _store_peaks(self, path: str, peaks: np.ndarray) -> None:
        self.peaks[path] = peaks
        self.ready.emit()

    def _store_thumb(self, key: str, image: QImage) -> None:
        self.thumbs[key] = image
        self.ready.emit()
