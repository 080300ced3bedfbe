"""Terminal preview: the block under the cursor rendered by the engine, with its controls.

Theme, speed, window chrome and effects are the block's own options: changing a control
rewrites the block's info string in the script (``options_changed``), and the re-parsed
block is what gets animated, so the preview always shows what the export will.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QSlider,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.engine.model import CodeBeat, Script, TerminalBeat
from app.engine.terminal import build_animation, list_themes
from app.engine.terminal.effects import effect_names
from app.ui import workers
from app.ui.preview.player import FrameCanvas
from app.ui.timeline.media import rgba_to_qimage

PREVIEW_SIZE = (640, 360)
HOLD_MS = 1200
TICK_MS = 40


def block_label(beat: TerminalBeat | CodeBeat) -> str:
    if isinstance(beat, TerminalBeat):
        first = beat.commands[0] if beat.commands else "(no command)"
        return f"line {beat.line}: $ {first}"
    return f"line {beat.line}: {beat.language} code"


class TerminalPanel(QWidget):
    """``options_changed(line, {key: value or None})`` when a control changes the block."""

    options_changed = Signal(int, dict)
    frame_shown = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("terminalPreview")
        self.blocks: list[TerminalBeat | CodeBeat] = []
        self.beat: TerminalBeat | CodeBeat | None = None
        self.animation: Any = None
        self._anim_key: str = ""
        self.ms = 0
        self.shown_ms = -1
        self.shown_array: np.ndarray | None = None
        self._quiet = False
        self.chooser = QComboBox()
        self.theme = QComboBox()
        self.theme.addItem("(project default)", "")
        for name in list_themes():
            self.theme.addItem(name, name)
        self.speed = QSpinBox()
        self.speed.setRange(0, 400)
        self.speed.setSpecialValueText("default")
        self.speed.setSuffix(" chars/s")
        self.chrome = QCheckBox("Window chrome")
        # Read when the panel is built, so an effect from a plugin gets its box too.
        self.effects = {name: QCheckBox(name) for name in effect_names()}
        self.canvas = FrameCanvas()
        self.position = QSlider(Qt.Orientation.Horizontal)
        self.position.setRange(0, 0)
        self.time = QLabel("0.0 s")
        self.playing = QCheckBox("Play")
        self.playing.setChecked(True)
        form = QFormLayout()
        form.addRow("Block", self.chooser)
        form.addRow("Theme", self.theme)
        form.addRow("Speed", self.speed)
        fx = QHBoxLayout()
        fx.addWidget(self.chrome)
        for box in self.effects.values():
            fx.addWidget(box)
        form.addRow("Look", fx)
        transport = QHBoxLayout()
        transport.addWidget(self.playing)
        transport.addWidget(self.position, 1)
        transport.addWidget(self.time)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(self.canvas, 1)
        lay.addLayout(transport)
        self.requests = workers.LatestOnly(self)
        self.requests.result.connect(self._arrived)
        self.requests.failed.connect(lambda _r, m: self.time.setText(f"failed: {m}"))
        self._clock = QTimer(self)
        self._clock.setInterval(TICK_MS)
        self._clock.timeout.connect(self._tick)
        self.chooser.currentIndexChanged.connect(self._chosen)
        self.theme.currentIndexChanged.connect(
            lambda _i: self._emit({"theme": self.theme.currentData() or None})
        )
        self.speed.valueChanged.connect(lambda v: self._emit({"speed": str(v) if v else None}))
        self.chrome.toggled.connect(lambda on: self._emit({"chrome": None if on else "off"}))
        for box in self.effects.values():
            box.toggled.connect(
                lambda _on: self._emit(
                    {
                        "effects": ",".join(n for n, b in self.effects.items() if b.isChecked())
                        or None
                    }
                )
            )
        self.position.sliderMoved.connect(self.seek)
        self.playing.toggled.connect(
            lambda on: self._clock.start() if on and self.beat else self._clock.stop()
        )

    # -- script ----------------------------------------------------------------------
    def set_script(self, script: Script) -> None:
        """Refresh the list of blocks, keeping the selected one (by its line) if it exists."""
        keep = self.beat.line if self.beat is not None else None
        self.blocks = [b for b in script.beats() if isinstance(b, TerminalBeat | CodeBeat)]
        self._quiet = True
        self.chooser.clear()
        for b in self.blocks:
            self.chooser.addItem(block_label(b), b.line)
        self._quiet = False
        lines = [b.line for b in self.blocks]
        if keep in lines:
            self.select_line(keep)
        elif self.blocks:
            self.select_line(self.blocks[0].line)
        else:
            self.beat = None
            self._clock.stop()

    def select_for_cursor(self, line: int) -> None:
        """Follow the editor: the block the cursor is in becomes the selected one."""
        for b in self.blocks:
            if b.line <= line <= max(b.line, b.end_line):
                if self.beat is None or self.beat.line != b.line:
                    self.select_line(b.line)
                return

    def select_line(self, line: int) -> None:
        idx = self.chooser.findData(line)
        if idx < 0:
            return
        if self.chooser.currentIndex() != idx:
            self.chooser.setCurrentIndex(idx)  # calls _chosen
        else:
            self._chosen(idx)

    def _chosen(self, idx: int) -> None:
        if self._quiet or not 0 <= idx < len(self.blocks):
            return
        beat = self.blocks[idx]
        changed = self.beat is None or self.beat.line != beat.line
        self.beat = beat
        self._show_options(beat)
        key = beat.model_dump_json()
        if key != self._anim_key:
            self._anim_key = key
            self.animation = None
            if changed:
                self.ms = 0
            width, height = PREVIEW_SIZE
            self.requests.request(lambda: self._build(beat, width, height))
        if self.playing.isChecked():
            self._clock.start()

    def _show_options(self, beat: TerminalBeat | CodeBeat) -> None:
        self._quiet = True
        opts = beat.options
        idx = self.theme.findData(opts.theme or "")
        self.theme.setCurrentIndex(max(0, idx))
        self.speed.setValue(int(opts.speed or 0))
        self.chrome.setChecked(
            opts.extra.get("chrome", "on").lower() not in ("off", "false", "no", "0")
        )
        chosen = {e.split(":")[0].strip().lower() for e in opts.extra.get("effects", "").split(",")}
        for name, box in self.effects.items():
            box.setChecked(name in chosen)
        self._quiet = False

    def _emit(self, options: dict[str, str | None]) -> None:
        if not self._quiet and self.beat is not None:
            self.options_changed.emit(self.beat.line, options)

    # -- frames ----------------------------------------------------------------------
    @staticmethod
    def _build(
        beat: TerminalBeat | CodeBeat, width: int, height: int
    ) -> tuple[str, Any, np.ndarray]:
        anim = build_animation(beat, width=width, height=height)
        return "built", anim, anim.frame_at(0)

    def seek(self, ms: int) -> None:
        self.ms = max(0, ms)
        anim = self.animation
        if anim is not None:
            at = self.ms
            self.requests.request(lambda: ("frame", at, anim.frame_at(at)))

    def _tick(self) -> None:
        anim = self.animation
        if anim is None or not self.isVisible():
            return
        nxt = self.ms + TICK_MS
        self.seek(0 if nxt > anim.duration_ms + HOLD_MS else nxt)

    def _arrived(self, _rid: int, value: tuple[str, Any, np.ndarray]) -> None:
        kind, what, frame = value
        if kind == "built":
            self.animation = what
            self.position.setRange(0, what.duration_ms)
            if self.ms:
                self.seek(min(self.ms, what.duration_ms))
                return
            ms = 0
        else:
            ms = int(what)
        self.shown_ms = ms
        self.shown_array = frame
        self.canvas.image = rgba_to_qimage(frame)
        self.canvas.update()
        self.position.setValue(ms)
        total = self.animation.duration_ms if self.animation is not None else 0
        self.time.setText(f"{ms / 1000:.1f} / {total / 1000:.1f} s")
        self.frame_shown.emit(ms)

    def stop(self) -> None:
        """The window closes: no more frames, and queued ones are dropped."""
        self._clock.stop()
        self.requests.close()
