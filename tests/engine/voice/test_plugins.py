"""A provider in a file of its own joins everything through the registry."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from app.cli import main
from app.engine.audio import read_wav
from app.engine.model.voice import KNOWN_PROVIDERS
from app.engine.script import parse_text
from app.engine.voice.service import SynthesisService
from tests.fakes.memory_keyring import MemoryKeyring
from tests.fakes.voice_plugin import chime_plugin

__all__ = ["chime_plugin"]


def test_a_plugin_provider_is_listed_by_voices(
    chime_plugin: str, memory_keyring: MemoryKeyring, capsys: pytest.CaptureFixture[str]
) -> None:
    memory_keyring.set_password("castline", "chime", "chime-key-123456")
    assert main(["voices", "--provider", "chime"]) == 0
    out = capsys.readouterr().out
    assert "chime: ready" in out and "chime/bell" in out and "a tone a word" in out
    assert "chime" in KNOWN_PROVIDERS


def test_a_plugin_provider_speaks_a_script_in_its_own_chunks(
    chime_plugin: str,
    memory_keyring: MemoryKeyring,
    tmp_path: Path,
    make_service: Callable[..., SynthesisService],
) -> None:
    memory_keyring.set_password("castline", "chime", "chime-key-123456")
    line = "One two three four five. Six seven eight nine ten. Eleven twelve."
    text = f"---\ntitle: Chime\ncharacters:\n  NARRATOR: {{ voice: chime/bell }}\n---\n# Chime\n\n{line}\n"
    script = parse_text(text, path=str(tmp_path / "chime.md"), base_dir=tmp_path)
    assert not script.has_errors, script.diagnostics
    result = make_service().synthesize_script(script)
    spoken = result.lines[next(iter(result.lines))]
    assert spoken.provider == "chime" and not spoken.failures
    assert [w.text for w in spoken.words] == line.split()
    audio, rate = read_wav(spoken.audio_path)
    # 12 words of 0.35 s each, in three requests under the plugin's 40-character limit
    assert 4.0 < audio.size / rate < 5.5
