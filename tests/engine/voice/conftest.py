"""Fixtures for the voice tests: fake cloud servers, an in-memory keyring, a store."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError

from app.engine.store import Store
from app.engine.voice.registry import ProviderConfig
from app.engine.voice.retry import RetryPolicy
from app.engine.voice.service import SynthesisOptions, SynthesisService
from tests.fakes.elevenlabs import FakeElevenLabs
from tests.fakes.google_tts import FakeGoogleTTS

ELEVEN_KEY = "sk_test_eleven_0123456789"
GOOGLE_KEY = "AIzaTestGoogleKey0123456789"


class MemoryKeyring(KeyringBackend):
    """A real keyring backend that keeps passwords in a dict (tests have no OS keyring)."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.passwords: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.passwords.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.passwords[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if (service, username) not in self.passwords:
            raise PasswordDeleteError("no such password")
        del self.passwords[(service, username)]


@pytest.fixture
def memory_keyring(monkeypatch: pytest.MonkeyPatch) -> Iterator[MemoryKeyring]:
    monkeypatch.delenv("ELEVENLABS_API_KEY", raising=False)
    monkeypatch.delenv("GOOGLE_API_KEY", raising=False)
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
def eleven(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeElevenLabs]:
    fake = FakeElevenLabs().start()
    monkeypatch.setenv("CASTLINE_ELEVENLABS_URL", fake.url)
    yield fake
    fake.stop()


@pytest.fixture
def google(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeGoogleTTS]:
    fake = FakeGoogleTTS().start()
    monkeypatch.setenv("CASTLINE_GOOGLE_TTS_URL", fake.url)
    yield fake
    fake.stop()


@pytest.fixture
def keys(memory_keyring: MemoryKeyring) -> MemoryKeyring:
    """Both cloud keys in the (in-memory) OS keyring."""
    memory_keyring.set_password("castline", "elevenlabs", ELEVEN_KEY)
    memory_keyring.set_password("castline", "google", GOOGLE_KEY)
    return memory_keyring


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = Store.open(f"sqlite:///{tmp_path / 'castline.db'}", assets_dir=tmp_path / "assets")
    yield opened
    opened.close()


class Sleeps:
    """Records every backoff delay; waits a little of it so arrival times show the gap."""

    def __init__(self, cap_s: float = 0.3) -> None:
        self.delays: list[float] = []
        self.cap_s = cap_s

    def __call__(self, seconds: float) -> None:
        import time

        self.delays.append(seconds)
        time.sleep(min(seconds, self.cap_s))


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def make_service(store: Store, sleeps: Sleeps) -> Callable[..., SynthesisService]:
    """A service with a 10 ms backoff base, built after the fakes set their URLs."""

    def make(**options: Any) -> SynthesisService:
        provider_config = options.pop("provider_config", None) or ProviderConfig()
        opts = SynthesisOptions(
            retry=options.pop("retry", RetryPolicy(attempts=4, base_delay_s=0.01, max_delay_s=0.05)),
            sleep=sleeps,
            providers=provider_config,
            **options,
        )
        return SynthesisService(store, opts)

    return make
