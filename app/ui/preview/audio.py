"""Soundtrack playback for the preview through sounddevice; silent when there is no device."""

from __future__ import annotations

import logging
import threading

import numpy as np

from app.engine.audio.playback import PlaybackUnavailable, output_device_name
from app.engine.model.time import SAMPLE_RATE

log = logging.getLogger(__name__)


class AudioOut:
    """Plays a stereo (2, n) float32 buffer from a sample offset on a callback stream."""

    def __init__(self) -> None:
        self._stream: object | None = None
        self._lock = threading.Lock()
        self._audio: np.ndarray | None = None
        self._pos = 0
        self.error = ""

    def available(self) -> bool:
        try:
            output_device_name()
        except PlaybackUnavailable as exc:
            self.error = str(exc)
            return False
        return True

    def start(self, audio: np.ndarray, sample: int) -> bool:
        """Start playing ``audio`` at ``sample``; False (with ``error`` set) when it cannot."""
        self.stop()
        if not self.available():
            return False
        import sounddevice as sd

        with self._lock:
            self._audio = np.ascontiguousarray(audio.T, dtype=np.float32)
            self._pos = max(0, sample)

        def callback(out: np.ndarray, frames: int, _time: object, _status: object) -> None:
            with self._lock:
                buf, pos = self._audio, self._pos
                self._pos += frames
            out.fill(0)
            if buf is not None and pos < len(buf):
                chunk = buf[pos : pos + frames]
                out[: len(chunk)] = chunk

        try:
            stream = sd.OutputStream(
                samplerate=SAMPLE_RATE, channels=2, dtype="float32", callback=callback
            )
            stream.start()
        except Exception as exc:
            self.error = f"audio could not be played ({exc})"
            log.info(self.error)
            return False
        self._stream = stream
        return True

    def stop(self) -> None:
        stream, self._stream = self._stream, None
        if stream is not None:
            try:
                stream.stop()  # type: ignore[attr-defined]
                stream.close()  # type: ignore[attr-defined]
            except Exception:
                log.debug("closing the audio stream failed", exc_info=True)
