"""One character's row: provider and voice pickers, delivery settings and a Preview button."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QWidget,
)

from app.engine.model import KNOWN_PROVIDERS, Character


def _spin(lo: float, hi: float, step: float, value: float, special: str = "") -> QDoubleSpinBox:
    box = QDoubleSpinBox()
    box.setRange(lo, hi)
    box.setSingleStep(step)
    box.setDecimals(2)
    if special:
        box.setSpecialValueText(special)
    box.setValue(value)
    return box


class CharacterRow(QGroupBox):
    """``changed(name)`` after the user picks another voice or setting."""

    changed = Signal(str)
    preview_requested = Signal(str)

    def __init__(self, character: Character, parent: QWidget | None = None) -> None:
        super().__init__(character.name, parent)
        self.setObjectName(f"voice_{character.name}")
        self.name = character.name
        self.fallback = [str(f) for f in character.fallback]
        self.provider = QComboBox()
        self.provider.addItems(list(KNOWN_PROVIDERS))
        self.voice = QComboBox()
        self.voice.setEditable(True)
        self.voice.setMinimumContentsLength(18)
        s = character.settings
        self.speed = _spin(0.25, 4.0, 0.05, s.speed)
        self.pitch = _spin(-24.0, 24.0, 0.5, s.pitch)
        self.stability = _spin(
            -0.01, 1.0, 0.05, s.stability if s.stability is not None else -0.01, "default"
        )
        self.preview = QPushButton("Preview")
        self.preview.setToolTip(f"Speak a line of {character.name}'s with this voice")
        self.problem = QLabel("")
        self.problem.setObjectName("voiceProblem")
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("color: #f06060;")
        self.problem.hide()
        pick = QHBoxLayout()
        pick.addWidget(self.provider)
        pick.addWidget(self.voice, 1)
        pick.addWidget(self.preview)
        form = QFormLayout(self)
        form.addRow("Voice", pick)
        tune = QHBoxLayout()
        for label, box in (
            ("speed", self.speed),
            ("pitch", self.pitch),
            ("stability", self.stability),
        ):
            box.setToolTip(label)
            box.setPrefix(f"{label} ")
            tune.addWidget(box)
        form.addRow("Delivery", tune)
        form.addRow(self.problem)
        self.listings: dict[str, list[tuple[str, str]]] = {}
        self.shown: tuple[object, ...] = ()
        self._quiet = True
        self.set_character(character)
        self._quiet = False
        self.provider.currentTextChanged.connect(self._provider_changed)
        self.voice.currentTextChanged.connect(self._emit)
        for box in (self.speed, self.pitch, self.stability):
            box.valueChanged.connect(self._emit)
        self.preview.clicked.connect(lambda: self.preview_requested.emit(self.name))

    def set_character(
        self, character: Character, written: str | None = None, problem: str = ""
    ) -> None:
        """Show the character as the script has it: ``written`` is the voice as typed (shown
        even when it is not a voice Castline knows), ``problem`` what is wrong with it."""
        self.shown = (
            written,
            problem,
            character.voice,
            tuple(character.fallback),
            character.settings,
        )
        was, self._quiet = self._quiet, True
        provider, voice = character.voice.provider, character.voice.voice
        if written and "/" in written and problem:
            provider, voice = written.split("/", 1)
        for i in range(self.provider.count() - 1, len(KNOWN_PROVIDERS) - 1, -1):
            self.provider.removeItem(i)  # a provider shown as written last time
        if self.provider.findText(provider) < 0:
            self.provider.addItem(provider)
        self.provider.setCurrentText(provider)
        self._fill_voices(provider, voice)
        s = character.settings
        self.fallback = [str(f) for f in character.fallback]
        self.speed.setValue(s.speed)
        self.pitch.setValue(s.pitch)
        self.stability.setValue(s.stability if s.stability is not None else -0.01)
        self.problem.setText(problem)
        self.problem.setVisible(bool(problem))
        self._quiet = was

    def set_listing(self, provider: str, voices: list[tuple[str, str]]) -> None:
        """Offer ``(voice_id, name)`` pairs for ``provider``."""
        self.listings[provider] = voices
        if self.provider.currentText() == provider:
            was, self._quiet = self._quiet, True
            self._fill_voices(provider, self.voice_id())
            self._quiet = was

    def _fill_voices(self, provider: str, keep: str) -> None:
        self.voice.clear()
        for vid, name in self.listings.get(provider, []):
            self.voice.addItem(f"{name}" if name == vid else f"{name} ({vid})", vid)
        idx = self.voice.findData(keep)
        if idx >= 0:
            self.voice.setCurrentIndex(idx)
        else:
            self.voice.setEditText(keep)

    def _provider_changed(self, provider: str) -> None:
        was, self._quiet = self._quiet, True
        voices = self.listings.get(provider, [])
        self._fill_voices(provider, voices[0][0] if voices else "")
        self._quiet = was
        self._emit()

    def voice_id(self) -> str:
        idx = self.voice.currentIndex()
        if idx >= 0 and self.voice.itemText(idx) == self.voice.currentText():
            return str(self.voice.itemData(idx))
        return self.voice.currentText().strip()

    def voice_ref(self) -> str:
        """``provider/voice`` as chosen (as written, when the script names an unknown one)."""
        return f"{self.provider.currentText()}/{self.voice_id() or 'joe'}"

    def settings(self) -> dict[str, float]:
        out: dict[str, float] = {}
        if abs(self.speed.value() - 1.0) > 1e-6:
            out["speed"] = round(self.speed.value(), 2)
        if abs(self.pitch.value()) > 1e-6:
            out["pitch"] = round(self.pitch.value(), 2)
        if self.stability.value() >= 0:
            out["stability"] = round(self.stability.value(), 2)
        return out

    def _emit(self, *_: object) -> None:
        if not self._quiet and self.voice_id():
            self.changed.emit(self.name)
