"""Shared test setup: offscreen Qt, paths to the project's fixtures and the shared corpus."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol, TypeVar

import keyring
import pytest

from app.engine import secrets
from app.engine.visuals.providers import registered
from tests.fakes.elevenlabs import FakeElevenLabs
from tests.fakes.memory_keyring import MemoryKeyring
from tests.fakes.stock import PEXELS_KEY, FakePexels

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
EXAMPLES = ROOT / "resources" / "examples"
SHARED_CORPUS = ROOT.parent / "shared" / "corpus"


class Closable(Protocol):
    def close(self) -> None: ...


C = TypeVar("C", bound=Closable)


class Closing(Protocol):
    """The ``closing`` fixture: returns what it is given, and closes it after the test."""

    def __call__(self, thing: C) -> C: ...


@pytest.fixture
def fixtures_dir() -> Path:
    return FIXTURES


@pytest.fixture
def corpus_dir() -> Path:
    """The shared sample scripts; tests that need them skip cleanly when absent."""
    if not SHARED_CORPUS.is_dir():
        pytest.skip("../shared/corpus is not beside this checkout")
    return SHARED_CORPUS


@pytest.fixture
def closing() -> Iterator[Closing]:
    """Hand it what a test builds (a provider, a client, a service): it is closed when the
    test ends, as the app closes what it builds, so no connection outlives its test."""
    built: list[Closable] = []

    def keep(thing: C) -> C:
        built.append(thing)
        return thing

    yield keep
    for thing in reversed(built):
        thing.close()


@pytest.fixture(autouse=True)
def _isolated_user_dirs(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Keep every test's data, cache and config folders out of the real home."""
    base = tmp_path_factory.mktemp("userdirs")
    monkeypatch.setenv("CASTLINE_DATA_DIR", str(base / "data"))
    monkeypatch.setenv("CASTLINE_CACHE_DIR", str(base / "cache"))
    monkeypatch.setenv("CASTLINE_CONFIG_DIR", str(base / "config"))


@pytest.fixture
def memory_keyring(monkeypatch: pytest.MonkeyPatch) -> Iterator[MemoryKeyring]:
    """An empty in-memory OS keyring, and no provider keys in the environment."""
    for name in ("ELEVENLABS_API_KEY", "GOOGLE_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
def eleven(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeElevenLabs]:
    """A fake ElevenLabs server on 127.0.0.1, with the client pointed at it."""
    fake = FakeElevenLabs().start()
    monkeypatch.setenv("CASTLINE_ELEVENLABS_URL", fake.url)
    yield fake
    fake.stop()


@pytest.fixture
def no_keys(memory_keyring: MemoryKeyring, monkeypatch: pytest.MonkeyPatch) -> MemoryKeyring:
    """An empty keyring and no visual-provider or language-model keys or URLs in the
    environment, so a test's fakes are the only services the code can reach."""
    for cls in registered().values():
        if cls.key_name:
            monkeypatch.delenv(secrets.env_var(cls.key_name), raising=False)
        if cls.url_env:
            monkeypatch.delenv(cls.url_env, raising=False)
    for name in ("OPENAI_API_KEY", "CASTLINE_LLM_URL", "CASTLINE_LLM_MODEL", "CASTLINE_LLM_KEY"):
        monkeypatch.delenv(name, raising=False)
    return memory_keyring


@pytest.fixture
def pexels(no_keys: MemoryKeyring, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakePexels]:
    """A fake Pexels on 127.0.0.1, with its key in the keyring."""
    fake = FakePexels().start()
    monkeypatch.setenv("CASTLINE_PEXELS_URL", fake.url)
    no_keys.set_password("castline", "pexels", PEXELS_KEY)
    yield fake
    fake.stop()
