"""Settings: API keys for every provider that needs one (masked, kept in the OS keyring,
with Test connection where a check is free or nearly), the language model's URL and
model, the budget per video, the default voice, the output folder, the cache cap and the
workers' Redis."""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import partial
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.engine import secrets
from app.engine.dist.waiting import where
from app.engine.llm.settings import (
    MODEL_ENV,
    OPENAI_URL,
    URL_ENV,
    LLMSettingsError,
    load_llm_settings,
    save_llm_settings,
)
from app.ui import workers
from app.ui.settings.keys import (
    LLM_KEY,
    KeyedProvider,
    check_llm,
    check_stock,
    check_voices,
    keyed_providers,
)
from app.ui.settings.store import StudioSettings

OK_STYLE = "<span style='color:#8fd18f'>{}</span>"
BAD_STYLE = "<span style='color:#f06060'>{}</span>"


class KeyRow(QWidget):
    """A masked key field; an empty field keeps the stored key."""

    def __init__(self, provider: str, testable: bool = True) -> None:
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
            else f"not set (or set ${secrets.env_var(provider)})"
        )
        self.test = QPushButton("Test connection")
        self.test.setObjectName(f"test_{provider}")
        self.test.setVisible(testable)
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
    """``saved`` after Save stored everything (keys, model, budget, cache cap)."""

    saved = Signal()

    def __init__(
        self,
        prefs: StudioSettings,
        parent: QWidget | None = None,
        on_budget: Callable[[float], None] | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("settingsDialog")
        self.setWindowTitle("Settings")
        self.setMinimumWidth(620)
        self.prefs = prefs
        self._on_budget = on_budget
        self.rows: dict[str, KeyRow] = {}
        self.providers: dict[str, KeyedProvider] = {}
        self.tabs = QTabWidget()
        self.tabs.addTab(self._keys_tab(), "API keys")
        self.tabs.addTab(self._llm_tab(), "Language model")
        self.tabs.addTab(self._projects_tab(), "Projects and cache")
        self.message = QLabel("")
        self.message.setWordWrap(True)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(self.tabs, 1)
        lay.addWidget(self.message)
        lay.addWidget(buttons)

    # -- tabs ------------------------------------------------------------------------
    def _keys_tab(self) -> QWidget:
        inner = QWidget()
        form = QFormLayout(inner)
        note = QLabel("Kept in the OS keyring, never in the project, a log or an export.")
        note.setWordWrap(True)
        form.addRow(note)
        for keyed in keyed_providers():
            if keyed.key_name == LLM_KEY:
                continue  # on the language model's tab, beside its URL and model
            self._add_key_row(form, keyed)
        if not secrets.keyring_available():
            missing = QLabel(
                "No OS keyring was found: keys are read from the environment variables "
                + ", ".join(secrets.env_var(k) for k in self.rows)
                + "."
            )
            missing.setWordWrap(True)
            form.addRow(missing)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(inner)
        return scroll

    def _add_key_row(self, form: QFormLayout, keyed: KeyedProvider) -> None:
        row = KeyRow(keyed.key_name, testable=keyed.check is not None)
        row.test.clicked.connect(partial(self.test_connection, keyed.key_name))
        if keyed.check is None:
            row.edit.setToolTip("No free check exists: the first visual made with it tells")
        self.rows[keyed.key_name] = row
        self.providers[keyed.key_name] = keyed
        label = QLabel(f"{keyed.label}")
        label.setToolTip(keyed.unlocks)
        form.addRow(label, row)
        form.addRow("", row.status)

    def _llm_tab(self) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        intro = QLabel(
            "Any OpenAI-compatible server: a local Ollama (http://localhost:11434/v1), "
            "LM Studio (http://localhost:1234/v1), llama.cpp or vLLM, or OpenAI. "
            "With no model set, prompts are used as written."
        )
        intro.setWordWrap(True)
        form.addRow(intro)
        try:
            current = load_llm_settings()
            problem = ""
        except LLMSettingsError as exc:
            current = None
            problem = str(exc)
        self.llm_url = QLineEdit(current.base_url if current else "")
        self.llm_url.setObjectName("llmUrl")
        self.llm_url.setPlaceholderText(OPENAI_URL)
        self.llm_model = QLineEdit((current.model or "") if current else "")
        self.llm_model.setObjectName("llmModel")
        self.llm_model.setPlaceholderText("e.g. llama3.1 or gpt-4o-mini")
        form.addRow("Base URL", self.llm_url)
        form.addRow("Model", self.llm_model)
        for field, env in ((self.llm_url, URL_ENV), (self.llm_model, MODEL_ENV)):
            if os.environ.get(env):
                field.setEnabled(False)
                field.setToolTip(f"${env} is set in the environment and wins over this field")
        llm_key = next(k for k in keyed_providers() if k.key_name == LLM_KEY)
        self._add_key_row(form, llm_key)
        self.rows[LLM_KEY].edit.setPlaceholderText(
            self.rows[LLM_KEY].edit.placeholderText() + "; local servers need none"
        )
        self.llm_problem = QLabel(BAD_STYLE.format(problem) if problem else "")
        self.llm_problem.setWordWrap(True)
        form.addRow(self.llm_problem)
        return page

    def _projects_tab(self) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        self.budget = QDoubleSpinBox()
        self.budget.setRange(0.0, 10_000.0)
        self.budget.setPrefix("$ ")
        self.budget.setValue(self.prefs.budget_usd)
        self.voice = QLineEdit(self.prefs.default_voice)
        self.voice.setPlaceholderText("provider/voice, e.g. local/joe")
        self.output = QLineEdit(str(self.prefs.output_dir))
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        out = QHBoxLayout()
        out.addWidget(self.output, 1)
        out.addWidget(browse)
        self.cache_cap = QSpinBox()
        self.cache_cap.setObjectName("cacheCap")
        self.cache_cap.setRange(0, 10_000_000)
        self.cache_cap.setSingleStep(500)
        self.cache_cap.setSuffix(" MB")
        self.cache_cap.setSpecialValueText("no cap")
        self.cache_cap.setValue(self.prefs.cache_cap_mb)
        self.cache_cap.setToolTip(
            "Generated voices and visuals may take this much disk; past it, the oldest files "
            "no project uses are removed (the media bin's Clean up removes them all)"
        )
        form.addRow("Budget per video", self.budget)
        form.addRow("Default voice", self.voice)
        self.background = QCheckBox("Speak changed lines in the background (free voices only)")
        self.background.setChecked(self.prefs.background_voicing)
        form.addRow("Output folder", out)
        form.addRow("", self.background)
        form.addRow("Cache size cap", self.cache_cap)
        url = self.prefs.workers_url
        self._workers_shown = where(url) if url else ""  # its password, if any, masked
        self.workers_url = QLineEdit(self._workers_shown)
        self.workers_url.setObjectName("workersUrl")
        self.workers_url.setPlaceholderText("redis://HOST:6379/0")
        self.workers_url.setToolTip(
            "The Redis of your `castline worker` machines: the Jobs panel lists their jobs "
            "and can cancel them. A password in it is kept in the OS keyring."
        )
        form.addRow("Workers (Redis URL)", self.workers_url)
        return page

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Output folder", self.output.text())
        if folder:
            self.output.setText(folder)

    # -- test connection -------------------------------------------------------------
    def test_connection(self, provider: str) -> None:
        """Try the typed (or stored) key with a cheap call; never blocks the window."""
        row = self.rows[provider]
        keyed = self.providers[provider]
        key = row.key()
        if keyed.check == "llm":
            url, model = self.llm_url.text().strip() or OPENAI_URL, self.llm_model.text().strip()
            if not model:
                row.status.setText("Enter the model's name first.")
                return
            call = partial(check_llm, url, model, key)
        elif not key:
            row.status.setText("Enter a key first.")
            return
        elif keyed.check == "voices":
            call = partial(check_voices, keyed.provider, key)
        elif keyed.check == "stock":
            call = partial(check_stock, keyed.provider, key)
        else:
            return
        row.status.setText("Testing…")
        row.test.setEnabled(False)
        workers.run_io(call, partial(self._tested, provider), partial(self._failed, provider), self)

    def _tested(self, provider: str, message: str) -> None:
        row = self.rows[provider]
        row.test.setEnabled(True)
        row.status.setText(OK_STYLE.format(message))

    def _failed(self, provider: str, message: str) -> None:
        row = self.rows[provider]
        row.test.setEnabled(True)
        row.status.setText(BAD_STYLE.format(secrets.redact(message)))

    # -- saving ----------------------------------------------------------------------
    def _save_workers_url(self) -> list[str]:
        """Store the workers' address unless it is shown unchanged (password masked)."""
        url = self.workers_url.text().strip()
        if url == self._workers_shown:
            return []
        if url and not url.startswith(("redis://", "rediss://")):
            return [f"the workers' address {url!r} should be written redis://HOST:PORT/DB"]
        try:
            self.prefs.workers_url = url
        except secrets.KeyringUnavailable as exc:
            return [str(exc)]
        self._workers_shown = where(url) if url else ""
        return []

    def save(self) -> bool:
        """Store typed keys in the keyring, the model in llm.json, the rest in settings."""
        problems = []
        for provider, row in self.rows.items():
            typed = row.edit.text().strip()
            if typed:
                try:
                    secrets.set_api_key(provider, typed)
                except secrets.KeyringUnavailable as exc:
                    problems.append(str(exc))
        changes: dict[str, str | None] = {}
        if self.llm_url.isEnabled():
            url = self.llm_url.text().strip().rstrip("/")
            changes["base_url"] = None if url == OPENAI_URL else url
        if self.llm_model.isEnabled():
            changes["model"] = self.llm_model.text().strip()
        if changes:
            try:
                save_llm_settings(changes)
            except OSError as exc:
                problems.append(f"the language model settings could not be saved: {exc}")
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
        self.prefs.cache_cap_mb = self.cache_cap.value()
        problems.extend(self._save_workers_url())
        self.prefs.q.sync()
        if self._on_budget is not None:
            self._on_budget(self.budget.value())
        self.saved.emit()
        if problems:
            self.message.setText(BAD_STYLE.format("<br>".join(problems)))
            return False
        self.accept()
        return True
