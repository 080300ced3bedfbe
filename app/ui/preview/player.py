"""The preview: requests the frame at the playhead from the engine and shows the newest.

Requests go to one worker thread; a newer request makes older ones stale (skipped if
still queued, dropped if finished late). Frames are cached by the timeline's
``frame_key``, a hash of everything that decides the picture, so an edit never shows a
stale frame and unchanged stretches are drawn once.
"""

from __future__ import annotations

import time
from collections import OrderedDict

import numpy as np
from PySide6.QtCore import QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QImage, QKeyEvent, QPainter, QPaintEvent, QResizeEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.engine.model.time import format_timestamp, frames_to_ms, frames_to_samples
from app.engine.render.compositor import PreviewCompositors
from app.engine.timeline import Timeline
from app.ui import workers
from app.ui.document import ScriptDocument
from app.ui.icons import icon
from app.ui.preview.audio import AudioOut
from app.ui.timeline.media import rgba_to_qimage

CACHE_FRAMES = 240
MAX_WIDTH = 1280
"""Frames are drawn at the canvas' size in device pixels, up to this wide."""
MIN_WIDTH = 160
WIDTH_STEP = 32
"""Widths are rounded to this, so resizing a dock reuses compositors and cached frames."""
RESIZE_MS = 120


def frame_width(canvas: QWidget, aspect: float) -> int:
    """The width to draw frames at for ``canvas`` (device pixels, letterboxed, capped)."""
    ratio = canvas.devicePixelRatioF()
    fit = min(canvas.width(), canvas.height() * aspect) * ratio
    width = int(round(fit / WIDTH_STEP) * WIDTH_STEP)
    return max(MIN_WIDTH, min(MAX_WIDTH, width))


class FrameCanvas(QWidget):
    """Paints the current frame letterboxed into the widget."""

    resized = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.image: QImage | None = None
        self.setMinimumSize(160, 90)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.resized.emit()

    def sizeHint(self) -> QSize:
        return QSize(640, 360)

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), QColor(0, 0, 0))
        if self.image is not None and not self.image.isNull():
            size = self.image.size().scaled(self.size(), Qt.AspectRatioMode.KeepAspectRatio)
            x = (self.width() - size.width()) / 2
            y = (self.height() - size.height()) / 2
            p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            p.drawImage(QRectF(x, y, size.width(), size.height()), self.image)
        p.end()


class FullScreenPreview(QWidget):
    """The preview canvas alone on a screen; Escape (or the button) brings it back."""

    left = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("previewFullScreen")
        self.setWindowTitle("Castline preview")
        self.setStyleSheet("background: black;")
        self.layout_ = QVBoxLayout(self)
        self.layout_.setContentsMargins(0, 0, 0, 0)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Escape, Qt.Key.Key_F11):
            self.left.emit()
        else:
            super().keyPressEvent(event)

    def closeEvent(self, event: object) -> None:
        self.left.emit()
        super().closeEvent(event)  # type: ignore[arg-type]


def _tool(name: str, tip: str) -> QToolButton:
    button = QToolButton()
    button.setIcon(icon(name))
    button.setIconSize(QSize(20, 20))
    button.setToolTip(tip)
    button.setAutoRaise(True)
    return button


class PreviewPanel(QWidget):
    """``frame_shown(frame)`` after the frame for the newest request is on screen."""

    frame_shown = Signal(int)
    position_changed = Signal(int)
    """The playhead moved by playback or a transport key."""
    enlarge_requested = Signal()
    """The user wants the preview bigger (the window gives its dock more room)."""

    def __init__(self, document: ScriptDocument, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("preview")
        self.document = document
        self.width_px = 640
        self.frame = 0
        self.shown_frame = -1
        self.shown_array: np.ndarray | None = None
        self.cache: OrderedDict[str, QImage] = OrderedDict()
        self._requested: dict[int, tuple[int, str]] = {}
        self.canvas = FrameCanvas()
        self.time = QLabel("00:00:00.000")
        self.status = QLabel("")
        self.status.setObjectName("previewStatus")
        self.requests = workers.LatestOnly(self)
        self.compositors = PreviewCompositors()
        """The preview worker's own: a thumbnail being drawn never holds up a frame."""
        self.requests.result.connect(self._arrived)
        self.requests.failed.connect(
            lambda _rid, msg: self.status.setText(f"preview failed: {msg}")
        )
        self.start_button = _tool("to-start", "Go to start (Home)")
        self.back_button = _tool("frame-back", "Previous frame (Left)")
        self.play_button = _tool("play", "Play (Space)")
        self.play_button.setObjectName("playButton")
        self.play_button.setIconSize(QSize(24, 24))
        self.next_button = _tool("frame-forward", "Next frame (Right)")
        self.end_button = _tool("to-end", "Go to end (End)")
        self.enlarge_button = _tool("enlarge", "Enlarge the preview")
        self.full_button = _tool("full-screen", "Full screen preview (F11)")
        self.play_button.clicked.connect(self.toggle_play)
        self.start_button.clicked.connect(self.home)
        self.end_button.clicked.connect(self.end)
        self.back_button.clicked.connect(lambda: self.step(-1))
        self.next_button.clicked.connect(lambda: self.step(1))
        self.enlarge_button.clicked.connect(self.enlarge_requested.emit)
        self.full_button.clicked.connect(self.toggle_full_screen)
        self.status.setWordWrap(False)
        self.status.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        bar = QHBoxLayout()
        bar.setSpacing(2)
        for button in (
            self.start_button,
            self.back_button,
            self.play_button,
            self.next_button,
            self.end_button,
        ):
            bar.addWidget(button)
        bar.addSpacing(6)
        bar.addWidget(self.time)
        bar.addWidget(self.status, 1)
        bar.addWidget(self.enlarge_button)
        bar.addWidget(self.full_button)
        self.bar = QWidget()
        self.bar.setLayout(bar)
        bar.setContentsMargins(0, 0, 0, 0)
        self.lay = QVBoxLayout(self)
        self.lay.setContentsMargins(2, 2, 2, 2)
        self.lay.addWidget(self.canvas, 1)
        self.lay.addWidget(self.bar)
        self.full_screen: FullScreenPreview | None = None
        self._resize = QTimer(self)
        self._resize.setSingleShot(True)
        self._resize.setInterval(RESIZE_MS)
        self._resize.timeout.connect(self._fit_width)
        self.canvas.resized.connect(self._resize.start)
        # playback
        self.speed = 0
        self.audio = AudioOut()
        self._soundtrack: tuple[int, np.ndarray] | None = None
        self._clock = QTimer(self)
        self._clock.setTimerType(Qt.TimerType.PreciseTimer)
        self._clock.timeout.connect(self._tick)
        self._play_t0 = 0.0
        self._play_f0 = 0
        document.timeline_changed.connect(lambda _t: self.show_frame(self.frame))
        document.timeline_replaced.connect(lambda _t: self.cache.clear())

    # -- size ------------------------------------------------------------------------
    def _fit_width(self) -> None:
        """Draw frames at the size they are shown (a larger dock, full screen)."""
        if self._settle_width():
            self.show_frame(self.frame)

    def _settle_width(self) -> bool:
        """Take the canvas' current size as the drawing width; True when it changed."""
        self._resize.stop()
        tl = self.document.timeline
        aspect = tl.width / tl.height if tl is not None and tl.height else 16 / 9
        width = frame_width(self.canvas, aspect)
        changed = width != self.width_px
        self.width_px = width
        return changed

    def toggle_full_screen(self) -> None:
        if self.full_screen is None:
            self.enter_full_screen()
        else:
            self.leave_full_screen()

    def enter_full_screen(self) -> None:
        """Show the canvas alone, full screen, on the window's screen."""
        if self.full_screen is not None:
            return
        window = FullScreenPreview()
        self.full_screen = window
        window.layout_.addWidget(self.canvas)
        window.left.connect(self.leave_full_screen)
        screen = self.screen()
        if screen is not None:
            window.setGeometry(screen.geometry())
        window.showFullScreen()
        window.activateWindow()
        self.full_button.setIcon(icon("leave-full-screen"))
        self.full_button.setToolTip("Leave full screen (Escape)")

    def leave_full_screen(self) -> None:
        window, self.full_screen = self.full_screen, None
        if window is None:
            return
        self.lay.insertWidget(0, self.canvas, 1)
        self.canvas.show()
        window.left.disconnect(self.leave_full_screen)
        window.hide()
        window.deleteLater()
        self.full_button.setIcon(icon("full-screen"))
        self.full_button.setToolTip("Full screen preview (F11)")

    def shutdown(self) -> None:
        """The window closes: stop playing and drop queued frames."""
        self.pause()
        self.leave_full_screen()
        self.requests.close()
        workers.cancel_owned(self)
        self.compositors.close()

    # -- frames ----------------------------------------------------------------------
    @property
    def timeline(self) -> Timeline | None:
        return self.document.snapshot()

    def duration(self) -> int:
        tl = self.document.timeline
        return tl.duration if tl is not None else 0

    def show_frame(self, frame: int) -> int | None:
        """Show ``frame``: from the cache at once, else request it; returns the request id."""
        tl = self.timeline
        if tl is None:
            return None
        frame = max(0, min(frame, max(0, tl.duration - 1)))
        self.frame = frame
        self.time.setText(format_timestamp(frames_to_ms(frame, tl.fps), sep="."))
        if self._resize.isActive():  # a resize is waiting: draw at the size it ends at
            self._settle_width()
        key = f"{self.width_px}:{tl.frame_key(frame)}"
        cached = self.cache.get(key)
        if cached is not None:
            self.cache.move_to_end(key)
            self._display(frame, cached)
            return None
        width, compositors = self.width_px, self.compositors
        rid = self.requests.request(lambda: compositors.frame(tl, frame, width=width))
        self._requested[rid] = (frame, key)
        return rid

    def _arrived(self, rid: int, array: np.ndarray) -> None:
        frame, key = self._requested.pop(rid, (self.frame, ""))
        self._requested = {k: v for k, v in self._requested.items() if k > rid}
        image = rgba_to_qimage(array)
        if key:
            self.cache[key] = image
            while len(self.cache) > CACHE_FRAMES:
                self.cache.popitem(last=False)
        self.shown_array = array
        self._display(frame, image)

    def _display(self, frame: int, image: QImage) -> None:
        self.canvas.image = image
        self.canvas.update()
        self.shown_frame = frame
        self.frame_shown.emit(frame)

    def current_image(self) -> QImage | None:
        return self.canvas.image

    # -- transport -------------------------------------------------------------------
    def seek(self, frame: int) -> None:
        """Move the playhead (keys, buttons, playback) and tell the timeline."""
        end = max(0, self.duration() - 1)
        frame = max(0, min(frame, end))
        self.show_frame(frame)
        self.position_changed.emit(frame)
        if self.speed:
            self._restart_clock()

    def step(self, frames: int) -> None:
        self.pause()
        self.seek(self.frame + frames)

    def home(self) -> None:
        self.seek(0)

    def end(self) -> None:
        self.seek(self.duration() - 1)

    def toggle_play(self) -> None:
        if self.speed:
            self.pause()
        else:
            self.play(1)

    def shuttle(self, direction: int) -> None:
        """J/L: play backwards/forwards, pressing again doubles the speed (up to 8x)."""
        if self.speed and (self.speed > 0) == (direction > 0):
            self.play(max(-8, min(8, self.speed * 2)))
        else:
            self.play(direction)

    def play(self, speed: int) -> None:
        tl = self.document.timeline
        if tl is None or tl.duration == 0:
            return
        if self.frame >= tl.duration - 1 and speed > 0:
            self.seek(0)
        self.speed = speed
        self.play_button.setIcon(icon("pause"))
        self.play_button.setToolTip("Pause (Space)")
        self._restart_clock()
        self._clock.start(max(10, int(1000 / float(tl.fps) / 2)))

    def pause(self) -> None:
        self.speed = 0
        self._clock.stop()
        self.audio.stop()
        self.play_button.setIcon(icon("play"))
        self.play_button.setToolTip("Play (Space)")

    def _restart_clock(self) -> None:
        self._play_t0 = time.monotonic()
        self._play_f0 = self.frame
        self.audio.stop()
        if self.speed == 1:
            self._start_audio()

    def _start_audio(self) -> None:
        snap = self.document.snapshot()
        if snap is None:
            return
        key = id(snap)
        if self._soundtrack is not None and self._soundtrack[0] == key:
            self._begin_sound(self._soundtrack[1])
            return
        from app.engine.render.mix import mix_timeline

        def mixed(audio: np.ndarray) -> None:
            self._soundtrack = (key, audio)
            if self.speed == 1 and self.document.snapshot() is snap:
                self._begin_sound(audio)

        workers.submit(
            lambda: mix_timeline(snap).audio,
            mixed,
            lambda m: self.status.setText(f"no sound: {m}"),
            owner=self,
        )

    def _begin_sound(self, audio: np.ndarray) -> None:
        tl = self.document.timeline
        if tl is None:
            return
        if self.audio.start(audio, frames_to_samples(self.frame, tl.fps)):
            self._play_t0 = time.monotonic()
            self._play_f0 = self.frame
            self.status.setText("")
        else:
            self.status.setText("silent: " + self.audio.error)

    def _tick(self) -> None:
        tl = self.document.timeline
        if tl is None or not self.speed:
            return
        elapsed = time.monotonic() - self._play_t0
        frame = self._play_f0 + int(elapsed * float(tl.fps) * self.speed)
        if frame >= tl.duration or frame < 0:
            self.pause()
            frame = max(0, min(frame, tl.duration - 1))
        if frame != self.frame:
            self.show_frame(frame)
            self.position_changed.emit(frame)
