"""Which language model to ask: a base URL ending in ``/v1`` and a model name.

The same OpenAI-compatible chat API is served by OpenAI and, locally, by Ollama
(``http://localhost:11434/v1``), LM Studio (``:1234/v1``), llama.cpp's server and vLLM
(``:8000/v1``), so one base URL and one model name pick any of them. They come from
``llm.json`` in the config folder (``{"base_url": "http://localhost:11434/v1",
"model": "llama3.1"}``), overridden by ``CASTLINE_LLM_URL`` and ``CASTLINE_LLM_MODEL``.
The key comes from the keyring (``llm``), else ``CASTLINE_LLM_KEY``, else the OpenAI key;
local servers need none. Without a model the studio works as before: prompts as
written and stock terms by keyword extraction.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.engine import paths, secrets
from app.engine.files import write_text

log = logging.getLogger(__name__)

SETTINGS_FILE = "llm.json"
OPENAI_URL = "https://api.openai.com/v1"
URL_ENV = "CASTLINE_LLM_URL"
MODEL_ENV = "CASTLINE_LLM_MODEL"


class LLMSettingsError(ValueError):
    """``llm.json`` holds a value that cannot be used; the message names the file and key."""


@dataclass(frozen=True)
class LLMSettings:
    """Where the chat API is and what it costs."""

    base_url: str = OPENAI_URL
    model: str | None = None
    temperature: float = 0.3
    timeout_s: float = 120.0
    usd_per_1k_prompt_tokens: float = 0.0
    """Dollars per thousand prompt tokens, for the ledger (0 for a local model)."""
    usd_per_1k_completion_tokens: float = 0.0

    @property
    def configured(self) -> bool:
        return bool(self.model)

    def describe(self) -> str:
        return f"{self.model} at {self.base_url}" if self.model else "no language model"


def settings_path() -> Path:
    return paths.config_dir() / SETTINGS_FILE


_NUMBER_KEYS = (
    "temperature",
    "timeout_s",
    "usd_per_1k_prompt_tokens",
    "usd_per_1k_completion_tokens",
)


def load_llm_settings() -> LLMSettings:
    """Defaults, then ``llm.json``, then the environment variables."""
    values: dict[str, Any] = {}
    path = settings_path()
    if path.is_file():
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise LLMSettingsError(
                f"{path}: not readable JSON ({exc}); fix or delete the file"
            ) from exc
        if not isinstance(data, dict):
            raise LLMSettingsError(
                f'{path}: expected an object such as {{"base_url": "http://localhost:11434/v1", "model": "llama3.1"}}'
            )
        for key in ("base_url", "model"):
            if key in data:
                if not isinstance(data[key], str) or not data[key].strip():
                    raise LLMSettingsError(f"{path}: {key} must be text, not {data[key]!r}")
                values[key] = data[key].strip()
        for key in _NUMBER_KEYS:
            if key in data:
                value = data[key]
                if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                    raise LLMSettingsError(f"{path}: {key} must be a number >= 0, not {value!r}")
                values[key] = float(value)
        unknown = set(data) - {"base_url", "model", *_NUMBER_KEYS}
        if unknown:
            log.warning("%s: ignoring unknown keys %s", path, ", ".join(sorted(unknown)))
    if os.environ.get(URL_ENV):
        values["base_url"] = os.environ[URL_ENV].strip()
    if os.environ.get(MODEL_ENV):
        values["model"] = os.environ[MODEL_ENV].strip()
    if "base_url" in values:
        values["base_url"] = values["base_url"].rstrip("/")
    return LLMSettings(**values)


def llm_key() -> str | None:
    """The key for the chat API: ``llm`` in the keyring or ``CASTLINE_LLM_KEY``, else the OpenAI key."""
    return secrets.get_api_key("llm") or secrets.get_api_key("openai")


def save_llm_settings(changes: dict[str, str | None]) -> Path:
    """Write ``base_url`` and ``model`` into ``llm.json`` (the Settings dialog).

    Only the keys in ``changes`` are touched: a value sets the key, an empty one removes
    it; the file's other keys stay. The environment variables still win over the file.
    """
    unknown = set(changes) - {"base_url", "model"}
    if unknown:
        raise ValueError(f"llm.json settings are base_url and model, not {sorted(unknown)}")
    path = settings_path()
    data: dict[str, Any] = {}
    if path.is_file():
        try:
            loaded = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            loaded = {}  # an unreadable file is replaced by what the user saves now
        if isinstance(loaded, dict):
            data = loaded
    for key, value in changes.items():
        value = (value or "").strip()
        if value:
            data[key] = value.rstrip("/") if key == "base_url" else value
        else:
            data.pop(key, None)
    return write_text(path, json.dumps(data, indent=2) + "\n")
