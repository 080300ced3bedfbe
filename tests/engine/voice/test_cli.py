"""The voices, speak and synth commands against the fakes and the shared corpus."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.cli import main
from app.engine.store import Store
from tests.fakes.elevenlabs import FakeElevenLabs
from tests.fakes.google_tts import FakeGoogleTTS
from tests.fakes.memory_keyring import MemoryKeyring


def test_voices_lists_every_provider_and_its_voices(
    eleven: FakeElevenLabs,
    google: FakeGoogleTTS,
    keys: MemoryKeyring,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["voices"]) == 0
    out = capsys.readouterr().out
    assert "local: ready" in out and "local/joe" in out
    assert "elevenlabs: key set; 0 of 100,000 characters used (creator plan)" in out
    assert "elevenlabs/21m00Tcm4TlvDq8ikWAM" in out and "Rachel" in out
    assert "google: key set" in out and "google/en-US-Neural2-F" in out


def test_voices_without_keys_says_how_to_configure(
    memory_keyring: MemoryKeyring, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["voices"]) == 0
    out = capsys.readouterr().out
    assert "elevenlabs: not configured (set ELEVENLABS_API_KEY" in out
    assert "google: not configured (set GOOGLE_API_KEY" in out


def test_voices_with_a_bad_key_is_a_message(
    eleven: FakeElevenLabs,
    google: FakeGoogleTTS,
    memory_keyring: MemoryKeyring,
    capsys: pytest.CaptureFixture[str],
) -> None:
    memory_keyring.set_password("castline", "elevenlabs", "sk_bad_bad_bad_000")
    assert main(["voices", "--provider", "elevenlabs"]) == 0
    out = capsys.readouterr().out
    assert (
        "could not list voices" in out
        and "invalid_api_key" in out
        and "sk_bad_bad_bad_000" not in out
    )


def test_synth_voices_every_line_of_the_corpus_script(
    corpus_dir: Path, memory_keyring: MemoryKeyring, capsys: pytest.CaptureFixture[str]
) -> None:
    script = corpus_dir / "ssh-handshake.md"
    assert main(["synth", str(script), "--lines"]) == 0
    out = capsys.readouterr().out
    assert "9 speech lines" in out and "synthesized: 9" in out and "cache hits:  0" in out
    assert "providers:   local 9" in out and "$0.0000 this run" in out
    assert "ALICE" in out and "local/joe:bright" in out
    assert main(["synth", str(script)]) == 0
    out = capsys.readouterr().out
    assert "synthesized: 0" in out and "cache hits:  9" in out


def test_synth_over_budget_speaks_with_the_free_voice_and_says_so(
    tmp_path: Path, eleven: FakeElevenLabs, keys: MemoryKeyring, capsys: pytest.CaptureFixture[str]
) -> None:
    script = tmp_path / "s.md"
    script.write_text(
        "---\ntitle: T\ncharacters:\n  NARRATOR: { voice: elevenlabs/21m00Tcm4TlvDq8ikWAM }\n---\n# T\n\n"
        + "A fairly long line that costs money to speak. " * 4
        + "\n"
    )
    # The line would cost about $0.05; the chain ends in the free offline voice.
    assert main(["synth", str(script), "--budget", "0.01"]) == 0
    out = capsys.readouterr().out
    assert "providers:   local 1" in out and "1 lines use a free voice" in out
    assert "budget: in the front matter" in out
    assert eleven.requests == []
    with Store.open() as store:
        project = store.find_project_by_script(script)
        assert project is not None and store.ledger(project.id) == []


def test_synth_bad_script_is_a_message(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["synth", str(tmp_path / "missing.md")]) == 1
    assert "no such script file" in capsys.readouterr().err
