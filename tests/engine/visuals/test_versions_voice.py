"""Versions of a voice line: every take kept, Pick and Lock honoured by synthesis, Regenerate."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from app.engine.model.script import Script
from app.engine.net.retry import RetryPolicy
from app.engine.script import parse_text
from app.engine.store import Store
from app.engine.visuals.versions import lock, pick, with_chosen_voices
from app.engine.voice.base import VoiceError
from app.engine.voice.service import SynthesisOptions, SynthesisService
from tests.conftest import Closing
from tests.fakes.elevenlabs import FakeElevenLabs
from tests.fakes.memory_keyring import MemoryKeyring

RACHEL = "21m00Tcm4TlvDq8ikWAM"
KEY = "sk_test_eleven_0123456789"
LINE = "Every session begins with a handshake."


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = Store.open(f"sqlite:///{tmp_path / 'castline.db'}", assets_dir=tmp_path / "assets")
    yield opened
    opened.close()


def script(tmp_path: Path, voice: str) -> Script:
    text = (
        f"---\ntitle: Voices\ncharacters:\n  NARRATOR: {{ voice: {voice} }}\n---\n"
        f"# Voices\n\n## One\n\n{LINE}\n"
    )
    path = tmp_path / "script.md"
    path.write_text(text)
    parsed = parse_text(text, path=str(path), base_dir=tmp_path)
    assert not parsed.has_errors, parsed.diagnostics
    return parsed


MakeService = Callable[[Store], SynthesisService]


@pytest.fixture
def service(closing: Closing) -> MakeService:
    """Services with fast retries, closed when the test ends."""

    def make(store: Store) -> SynthesisService:
        return closing(
            SynthesisService(
                store, SynthesisOptions(retry=RetryPolicy(attempts=2, base_delay_s=0.01))
            )
        )

    return make


def test_a_locked_voice_line_keeps_its_take_when_the_voice_changes(
    tmp_path: Path,
    store: Store,
    eleven: FakeElevenLabs,
    memory_keyring: MemoryKeyring,
    service: MakeService,
) -> None:
    memory_keyring.set_password("castline", "elevenlabs", KEY)
    local = service(store).synthesize_script(script(tmp_path, "local/joe"))
    (line,) = local.lines
    first = local.lines[line]
    versions = store.line_versions(local.project_id or "", kind="voice")
    assert [(v.provider, v.chosen, v.line) for v in versions] == [("local", True, line)]
    assert versions[0].path == first.audio_path and versions[0].meta["text"] == LINE
    lock(store, versions[0])

    cloud = script(tmp_path, f"elevenlabs/{RACHEL}")
    kept = service(store).synthesize_script(cloud).lines[line]
    assert kept.audio_path == first.audio_path and kept.cached and kept.provider == "local"
    assert [w.text for w in kept.words] == LINE.split()
    assert eleven.requests_to("/v1/text-to-speech/") == []
    assert store.project_spend(local.project_id) == 0

    lock(store, versions[0], locked=False)
    spoken = service(store).synthesize_script(cloud).lines[line]
    assert spoken.provider == "elevenlabs" and spoken.audio_path != first.audio_path
    takes = store.line_versions(local.project_id or "", kind="voice")
    assert [(v.provider, v.chosen) for v in takes] == [("local", False), ("elevenlabs", True)]
    assert takes[1].cost_usd == pytest.approx(len(LINE) * 0.30 / 1000)

    # A take picked again is what the next run speaks, with no request (its cache is restored),
    # and what a result made before the pick plays once the studio swaps it in.
    cloud_result = service(store).synthesize_script(cloud)
    pick(store, takes[0].id)
    swapped = with_chosen_voices(store, local.project_id, cloud, cloud_result).lines[line]
    assert swapped.audio_path == first.audio_path and swapped.provider == "local"
    assert swapped.num_samples == first.num_samples
    assert [w.text for w in swapped.words] == LINE.split()
    requests = len(eleven.requests)
    again = service(store).synthesize_script(script(tmp_path, "local/joe")).lines[line]
    assert again.audio_path == first.audio_path and again.cached
    assert len(eleven.requests) == requests


def test_regenerating_a_voice_line_asks_again_and_charges_the_budget(
    tmp_path: Path,
    store: Store,
    eleven: FakeElevenLabs,
    memory_keyring: MemoryKeyring,
    service: MakeService,
) -> None:
    memory_keyring.set_password("castline", "elevenlabs", KEY)
    parsed = script(tmp_path, f"elevenlabs/{RACHEL}")
    first = service(store).synthesize_script(parsed)
    (line,) = first.lines
    again = service(store).regenerate_line(parsed, line)
    assert not again.cached and again.provider == "elevenlabs"
    assert len(eleven.requests_to("/v1/text-to-speech/")) == 2
    assert [e.provider for e in store.ledger(first.project_id)] == ["elevenlabs", "elevenlabs"]
    chosen = store.chosen_versions(first.project_id or "", "voice")
    assert [v.path for v in chosen.values()] == [again.audio_path]

    lock(store, next(iter(chosen.values())))
    with pytest.raises(VoiceError, match="locked; unlock it"):
        service(store).regenerate_line(parsed, line)
    with pytest.raises(VoiceError, match="not a spoken line"):
        service(store).regenerate_line(parsed, line + 100)
