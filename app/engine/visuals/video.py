"""A user's video file as a frame source, decoded with PyAV.

Frames are pulled in order while exporting, so decoding runs forward without seeking;
a jump backwards (scrubbing in the studio, or a loop) seeks to the nearest keyframe
before the wanted time. Past the file's end the clip loops, holds its last frame or
(``once``) holds too, as the clip's ``mode`` asks.
"""

from __future__ import annotations

from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np


def video_frame_count(path: str | Path, fps: Fraction) -> int:
    """How many frames the file lasts at the timeline's rate (at least one)."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        seconds: Fraction | None = None
        if stream.duration is not None and stream.time_base is not None:
            seconds = Fraction(stream.duration) * stream.time_base
        elif container.duration is not None:
            seconds = Fraction(container.duration, av.time_base)
        if seconds is None:
            last = Fraction(0)
            for frame in container.decode(stream):
                if frame.pts is not None and frame.time_base is not None:
                    last = Fraction(frame.pts) * frame.time_base
            rate = stream.average_rate or Fraction(30)
            seconds = last + 1 / Fraction(rate)
    return max(1, int(seconds * fps))


class VideoFrames:
    """Frames of a video file, cover-fitted to ``width`` x ``height`` as opaque RGBA uint8."""

    opaque = True

    def __init__(
        self,
        path: str | Path,
        width: int,
        height: int,
        fps: Fraction,
        mode: str = "loop",
        num_frames: int | None = None,
    ) -> None:
        self.path = str(path)
        self.width = width
        self.height = height
        self.fps = fps
        self.mode = mode
        self.num_frames = num_frames or video_frame_count(path, fps)
        self._container: av.container.InputContainer | None = None
        self._frames: Iterator[av.VideoFrame] | None = None
        self._current: av.VideoFrame | None = None
        self._next: av.VideoFrame | None = None
        self._cache: tuple[int, np.ndarray] | None = None

    def _open(self, seconds: Fraction) -> None:
        self.close()
        self._container = av.open(self.path)
        stream = self._container.streams.video[0]
        stream.thread_type = "AUTO"
        if seconds > 0 and stream.time_base is not None:
            self._container.seek(
                int(seconds / stream.time_base), stream=stream, backward=True, any_frame=False
            )
        self._frames = self._container.decode(stream)
        self._current = None
        self._next = next(self._frames, None)

    @staticmethod
    def _time(frame: av.VideoFrame) -> Fraction:
        if frame.pts is None or frame.time_base is None:
            return Fraction(0)
        return Fraction(frame.pts) * frame.time_base

    def _index(self, source_frame: int) -> int:
        n = max(0, source_frame)
        if self.mode == "loop":
            return n % self.num_frames
        return min(n, self.num_frames - 1)

    def state(self, source_frame: int) -> int:
        """The video frame shown: a clip held on its last frame is still."""
        return self._index(source_frame)

    def _decoded_at(self, seconds: Fraction) -> av.VideoFrame | None:
        """The frame on screen at ``seconds``: the last one that starts at or before it."""
        if self._frames is None or (
            self._current is not None and self._time(self._current) > seconds
        ):
            self._open(seconds)
        assert self._frames is not None
        while self._next is not None and self._time(self._next) <= seconds:
            self._current = self._next
            self._next = next(self._frames, None)
        if self._current is None:
            self._current = self._next
        return self._current

    def frame_at(self, source_frame: int) -> np.ndarray:
        index = self._index(source_frame)
        if self._cache is not None and self._cache[0] == index:
            return self._cache[1]
        frame = self._decoded_at(Fraction(index) / self.fps)
        picture: np.ndarray
        if frame is None:
            picture = np.zeros((self.height, self.width, 4), np.uint8)
            picture[:, :, 3] = 255
        else:
            picture = cv2.cvtColor(self._fit(frame.to_ndarray(format="rgb24")), cv2.COLOR_RGB2RGBA)
        self._cache = (index, picture)
        return picture

    def _fit(self, rgb: np.ndarray) -> np.ndarray:
        h, w = rgb.shape[:2]
        scale = max(self.width / w, self.height / h)
        nw, nh = max(self.width, round(w * scale)), max(self.height, round(h * scale))
        resized = cv2.resize(
            rgb, (nw, nh), interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
        )
        x0, y0 = (nw - self.width) // 2, (nh - self.height) // 2
        return np.ascontiguousarray(resized[y0 : y0 + self.height, x0 : x0 + self.width])

    def close(self) -> None:
        if self._container is not None:
            self._container.close()
        self._container = None
        self._frames = None
