"""Fixtures for the voice tests: fake cloud servers, an in-memory keyring, a store."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from app.engine.net.retry import RetryPolicy
from app.engine.store import Store
from app.engine.voice.registry import ProviderConfig
from app.engine.voice.service import SynthesisOptions, SynthesisService
from tests.fakes.google_tts import FakeGoogleTTS
from tests.fakes.memory_keyring import MemoryKeyring

ELEVEN_KEY = "sk_test_eleven_0123456789"
GOOGLE_KEY = "AIzaTestGoogleKey0123456789"


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
    """A fake clock the service sleeps on: each backoff moves it on at once, in whole
    milliseconds, so tests check the waits asked for and no test waits on the wall clock."""

    def __init__(self) -> None:
        self.delays_ms: list[int] = []
        self.now_ms = 0

    def __call__(self, seconds: float) -> None:
        waited = round(seconds * 1000)
        self.delays_ms.append(waited)
        self.now_ms += waited


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def make_service(store: Store, sleeps: Sleeps) -> Iterator[Callable[..., SynthesisService]]:
    """A service with a 10 ms backoff base, built after the fakes set their URLs; each
    is closed (its providers' connections) when the test ends."""
    made: list[SynthesisService] = []

    def make(**options: Any) -> SynthesisService:
        provider_config = options.pop("provider_config", None) or ProviderConfig()
        opts = SynthesisOptions(
            retry=options.pop(
                "retry", RetryPolicy(attempts=4, base_delay_s=0.01, max_delay_s=0.05)
            ),
            sleep=sleeps,
            providers=provider_config,
            **options,
        )
        made.append(SynthesisService(store, opts))
        return made[-1]

    yield make
    for service in made:
        service.close()
