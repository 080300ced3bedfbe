"""Settings: API keys (masked, kept in the OS keyring, with Test connection), the budget
per video, the default voice and the output folder."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.engine import secrets
from app.engine.voice.base import VoiceInfo, VoiceProvider
from app.engine.voice.elevenlabs import ElevenLabsProvider
from app.engine.voice.google import GoogleProvider
from app.engine.voice.registry import ProviderConfig
from app.ui import workers
from app.ui.settings.store import StudioSettings

KEYED_PROVIDERS = {"elevenlabs": "ElevenLabs", "google": "Google Cloud TTS"}


def provider_with_key(provider: str, key: str) -> VoiceProvider:
    """A provider client that uses ``key`` (typed, maybe not saved yet) for one test call."""
    config = ProviderConfig()
    if provider == "elevenlabs":
        return ElevenLabsProvider(config.elevenlabs_url, key=lambda: key, timeout_s=15.0)
    return GoogleProvider(config.google_url, key=lambda: key, timeout_s=15.0)


class KeyRow(QWidget):
    """A masked key field; an empty field keeps the stored key."""

    def __init__(self, provider: str) -> None:
        super().__init__()
        self.provider = provider
        self.edit = QLineEdit()
        self.edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.edit.setObjectName(f"key_{provider}")
        source = secrets.key_source(provider)
        self.edit.setPlaceholderText(
            "stored in the OS keyring"
            if source == "keyring"
            else f"from ${source}"
            if source
            else "not set"
        )
        self.test = QPushButton("Test connection")
        self.status = QLabel("")
        self.status.setWordWrap(True)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.edit, 1)
        row.addWidget(self.test)

    def key(self) -> str | None:
        typed = self.edit.text().strip()
        return typed or secrets.get_api_key(self.provider)


class SettingsDialog(QDialog):
    def __init__(
        self,
        prefs: StudioSettings,
        parent: QWidget | None = None,
        on_budget: Callable[[float], None] | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("settingsDialog")
        self.setWindowTitle("Settings")
        self.setMinimumWidth(560)
        self.prefs = prefs
        self._on_budget = on_budget
        self.rows: dict[str, KeyRow] = {}
        keys = QGroupBox("API keys (kept in the OS keyring, never in the project)")
        kform = QFormLayout(keys)
        for provider, label in KEYED_PROVIDERS.items():
            row = KeyRow(provider)
            row.test.clicked.connect(partial(self.test_connection, provider))
            self.rows[provider] = row
            kform.addRow(label, row)
            kform.addRow("", row.status)
        if not secrets.keyring_available():
            note = QLabel(
                "No OS keyring was found: keys are read from the environment variables "
                + ", ".join(secrets.env_var(p) for p in KEYED_PROVIDERS)
                + "."
            )
            note.setWordWrap(True)
            kform.addRow(note)
        self.budget = QDoubleSpinBox()
        self.budget.setRange(0.0, 10_000.0)
        self.budget.setPrefix("$ ")
        self.budget.setValue(prefs.budget_usd)
        self.voice = QLineEdit(prefs.default_voice)
        self.voice.setPlaceholderText("provider/voice, e.g. local/joe")
        self.output = QLineEdit(str(prefs.output_dir))
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        out = QHBoxLayout()
        out.addWidget(self.output, 1)
        out.addWidget(browse)
        self.background = QCheckBox("Speak changed lines in the background (free voices only)")
        self.background.setChecked(prefs.background_voicing)
        general = QGroupBox("Projects")
        gform = QFormLayout(general)
        gform.addRow("Budget per video", self.budget)
        gform.addRow("Default voice", self.voice)
        gform.addRow("Output folder", out)
        gform.addRow("", self.background)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(keys)
        lay.addWidget(general)
        lay.addWidget(self.message)
        lay.addWidget(buttons)

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Output folder", self.output.text())
        if folder:
            self.output.setText(folder)

    def test_connection(self, provider: str) -> None:
        """List the provider's voices with the typed (or stored) key; never blocks the window."""
        row = self.rows[provider]
        key = row.key()
        if not key:
            row.status.setText("Enter a key first.")
            return
        row.status.setText("Testing…")
        row.test.setEnabled(False)
        client = provider_with_key(provider, key)
        workers.run_io(
            client.list_voices,
            partial(self._tested, provider),
            partial(self._failed, provider),
            self,
        )

    def _tested(self, provider: str, voices: list[VoiceInfo]) -> None:
        row = self.rows[provider]
        row.test.setEnabled(True)
        row.status.setText(
            f"<span style='color:#8fd18f'>Connected: {len(voices)} voices available.</span>"
        )

    def _failed(self, provider: str, message: str) -> None:
        row = self.rows[provider]
        row.test.setEnabled(True)
        row.status.setText(f"<span style='color:#f06060'>{secrets.redact(message)}</span>")

    def save(self) -> bool:
        """Store typed keys in the keyring and the preferences in settings."""
        problems = []
        for provider, row in self.rows.items():
            typed = row.edit.text().strip()
            if typed:
                try:
                    secrets.set_api_key(provider, typed)
                except secrets.KeyringUnavailable as exc:
                    problems.append(str(exc))
        voice = self.voice.text().strip()
        if voice and "/" not in voice:
            problems.append(
                f"the default voice {voice!r} should be written provider/voice, like local/joe"
            )
        else:
            self.prefs.default_voice = voice or self.prefs.default_voice
        self.prefs.budget_usd = self.budget.value()
        self.prefs.background_voicing = self.background.isChecked()
        self.prefs.output_dir = Path(
            self.output.text().strip() or str(self.prefs.output_dir)
        ).expanduser()
        self.prefs.q.sync()
        if self._on_budget is not None:
            self._on_budget(self.budget.value())
        if problems:
            self.message.setText("<span style='color:#f06060'>" + "<br>".join(problems) + "</span>")
            return False
        self.accept()
        return True
