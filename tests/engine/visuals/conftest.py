"""Fixtures for the visual tests: fake providers on 127.0.0.1, keys, a store, a fake clock.

The clock only moves when the code under test sleeps, so a ten-minute task deadline
passes in a few milliseconds and no test waits on real time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from app.engine.model.script import Script
from app.engine.net.retry import RetryPolicy
from app.engine.script import parse_text
from app.engine.store import Store
from app.engine.visuals.generate import VisualGenerator, VisualOptions
from app.engine.visuals.providers import ProviderSettings
from tests.conftest import Closing
from tests.fakes.memory_keyring import MemoryKeyring
from tests.fakes.runway import RUNWAY_KEY, FakeRunway
from tests.fakes.stock import PIXABAY_KEY, FakePixabay


class FakeClock:
    """A monotonic clock that advances only by the sleeps asked of it."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def runway(no_keys: MemoryKeyring, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeRunway]:
    fake = FakeRunway().start()
    monkeypatch.setenv("CASTLINE_RUNWAY_URL", fake.url)
    no_keys.set_password("castline", "runway", RUNWAY_KEY)
    yield fake
    fake.stop()


@pytest.fixture
def pixabay(no_keys: MemoryKeyring, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakePixabay]:
    fake = FakePixabay().start()
    monkeypatch.setenv("CASTLINE_PIXABAY_URL", fake.url)
    no_keys.set_password("castline", "pixabay", PIXABAY_KEY)
    yield fake
    fake.stop()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = Store.open(f"sqlite:///{tmp_path / 'castline.db'}", assets_dir=tmp_path / "assets")
    yield opened
    opened.close()


def write_script(tmp_path: Path, body: str, front: str = "") -> Script:
    """A parsed script at ``tmp_path/script.md`` (errors fail the test)."""
    text = f"---\ntitle: Rockets\n{front}---\n# Rockets\n\n{body}"
    path = tmp_path / "script.md"
    path.write_text(text)
    parsed = parse_text(text, path=str(path), base_dir=tmp_path)
    assert not parsed.has_errors, parsed.diagnostics
    return parsed


MakeGenerator = Callable[..., VisualGenerator]


@pytest.fixture
def make_generator(store: Store, clock: FakeClock, closing: Closing) -> MakeGenerator:
    """A generator on the fake clock with fast retries, built after the fakes set their URLs;
    closed (its providers' and writer's connections) when the test ends."""

    def make(**options: Any) -> VisualGenerator:
        settings = options.pop(
            "settings",
            ProviderSettings(
                sleep=clock.sleep,
                clock=clock,
                download_retry=RetryPolicy(attempts=3, base_delay_s=0.01),
            ),
        )
        opts = VisualOptions(
            retry=options.pop("retry", RetryPolicy(attempts=3, base_delay_s=0.01)),
            settings=settings,
            **options,
        )
        return closing(VisualGenerator(store, opts))

    return make
