"""API keys: keyring first, environment where no keyring exists, never in a log."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import keyring
import pytest
from keyring.backends import fail

from app.engine import secrets
from tests.engine.voice.conftest import MemoryKeyring


@pytest.fixture
def no_keyring(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv("ELEVENLABS_API_KEY", raising=False)
    monkeypatch.delenv("GOOGLE_API_KEY", raising=False)
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    yield
    keyring.set_keyring(previous)


def test_keyring_round_trip(memory_keyring: MemoryKeyring) -> None:
    assert secrets.get_api_key("elevenlabs") is None
    secrets.set_api_key("elevenlabs", "  sk_abc_1234567  ")
    assert memory_keyring.passwords[("castline", "elevenlabs")] == "sk_abc_1234567"
    assert secrets.get_api_key("elevenlabs") == "sk_abc_1234567"
    assert secrets.key_source("elevenlabs") == "keyring"
    assert secrets.delete_api_key("elevenlabs") is True
    assert secrets.delete_api_key("elevenlabs") is False
    assert secrets.get_api_key("elevenlabs") is None


def test_keyring_wins_over_environment(
    memory_keyring: MemoryKeyring, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GOOGLE_API_KEY", "from-env-000000")
    assert secrets.get_api_key("google") == "from-env-000000"
    assert secrets.key_source("google") == "GOOGLE_API_KEY"
    secrets.set_api_key("google", "from-keyring-000000")
    assert secrets.get_api_key("google") == "from-keyring-000000"


def test_headless_machine_reads_environment(
    no_keyring: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert not secrets.keyring_available()
    assert secrets.get_api_key("elevenlabs") is None
    monkeypatch.setenv("ELEVENLABS_API_KEY", "sk_env_key_123456")
    assert secrets.get_api_key("elevenlabs") == "sk_env_key_123456"


def test_saving_without_keyring_is_a_clear_message(no_keyring: None) -> None:
    with pytest.raises(
        secrets.KeyringUnavailable, match="set the ELEVENLABS_API_KEY environment variable"
    ):
        secrets.set_api_key("elevenlabs", "sk_whatever_123")
    assert secrets.delete_api_key("elevenlabs") is False


def test_redaction_hides_known_keys_and_key_parameters(
    memory_keyring: MemoryKeyring, caplog: pytest.LogCaptureFixture
) -> None:
    secrets.set_api_key("google", "AIzaSecretValue999")
    assert secrets.get_api_key("google") == "AIzaSecretValue999"
    line = "POST https://tts/v1/text:synthesize?key=AIzaSecretValue999 xi-api-key: sk_other_777777 said AIzaSecretValue999"
    cleaned = secrets.redact(line)
    assert "AIzaSecretValue999" not in cleaned and "sk_other_777777" not in cleaned
    assert "text:synthesize" in cleaned
    logger = logging.getLogger("castline.test.redaction")
    logger.addFilter(secrets.RedactingFilter())
    with caplog.at_level(logging.INFO, logger="castline.test.redaction"):
        logger.info("using %s for now", "AIzaSecretValue999")
    assert "AIzaSecretValue999" not in caplog.text and "using *** for now" in caplog.text
