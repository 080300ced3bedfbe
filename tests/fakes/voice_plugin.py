"""A throwaway voice provider kept outside the project, joined through CASTLINE_PLUGINS.

The module is written to a temporary folder on ``sys.path`` and named in the
environment, exactly as a user adds a provider of their own; nothing in the project
names it. Its voice speaks a tone a word, so a test can tell its clips apart.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from app.engine.voice import registry
from tests.fakes.plugins import forget_plugin, install_plugin

NAME = "chime"
MODULE = "castline_chime_voice"
SOURCE = """
import numpy as np

from app.engine.model.voice import RequestLimit
from app.engine.voice.base import ProviderAudio, SynthesisRequest, VoiceInfo, VoiceProvider
from app.engine.voice.registry import ProviderContext, ProviderSpec, register


class ChimeProvider(VoiceProvider):
    name = "chime"

    def __init__(self, context: ProviderContext) -> None:
        self._key = context.key

    def is_configured(self) -> bool:
        return bool(self._key())

    def list_voices(self) -> list[VoiceInfo]:
        return [VoiceInfo("chime", "bell", "Bell", "a tone a word")]

    def model_id(self, request: SynthesisRequest) -> str:
        return "chime-1"

    def synthesize(self, request: SynthesisRequest) -> ProviderAudio:
        rate = 16_000
        t = np.arange(rate // 4) / rate
        word = (0.3 * np.sin(2 * np.pi * 660 * t)).astype(np.float32)
        gap = np.zeros(rate // 10, dtype=np.float32)
        parts = [p for _ in request.text.split() for p in (word, gap)]
        return ProviderAudio(np.concatenate(parts), rate, "chime-1", cost_usd=0.0)


register(
    ProviderSpec(
        name="chime",
        label="Chime Voices",
        factory=ChimeProvider,
        limit=RequestLimit(40, "chars", True, "chime"),
        key_name="chime",
    )
)
"""


@pytest.fixture
def chime_plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The chime provider, installed as a plugin for one test (and forgotten after)."""
    install_plugin(tmp_path / "plugins", monkeypatch, MODULE, SOURCE)
    yield NAME
    registry.unregister(NAME)
    forget_plugin(MODULE)
