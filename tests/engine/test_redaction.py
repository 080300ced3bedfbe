"""One redaction filter: a key a provider echoes in its error text is never kept or shown.

Each fake service answers 401 with the caller's own key repeated in its message (as
some real ones do). After every command that can meet it, the key must be in none of:
the database file (and its write-ahead log), the log records, stderr, stdout.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from app.cli import main
from app.engine import paths, secrets
from app.engine.store import Store
from tests.fakes.elevenlabs import FakeElevenLabs
from tests.fakes.memory_keyring import MemoryKeyring
from tests.fakes.server import Fault
from tests.fakes.stock import PEXELS_KEY, FakePexels

VOICE_KEY = "sk_planted_4f2a9c7e1b3d5a6f"
VOICE_SCRIPT = """---
title: Leak
characters:
  NARRATOR: { voice: elevenlabs/21m00Tcm4TlvDq8ikWAM }
---

## One

Hello there, this line goes to a provider that repeats the key.
"""
VISUAL_SCRIPT = """---
title: Leak
---

## One

> visual (pexels): a satellite

The satellite reaches orbit.
"""


def _echo_key(key: str) -> Fault:
    """A 401 whose body repeats the key, for every request."""
    message = f"Invalid API key {key} (key={key}); check the key {key}"
    return Fault(status=401, error={"detail": {"status": "invalid_api_key", "message": message},
                                    "error": message}, times=1000)  # fmt: skip


def _nowhere(key: str, caplog: pytest.LogCaptureFixture, *texts: str) -> None:
    """The key is in no text shown, no log record and no byte of the database files."""
    for text in (*texts, caplog.text):
        assert key not in text, text
    for db in paths.data_dir().glob("castline.db*"):
        assert key.encode() not in db.read_bytes(), db


@pytest.fixture
def planted(
    eleven: FakeElevenLabs, memory_keyring: MemoryKeyring, caplog: pytest.LogCaptureFixture
) -> FakeElevenLabs:
    memory_keyring.set_password("castline", "elevenlabs", VOICE_KEY)
    eleven.inject(_echo_key(VOICE_KEY))
    caplog.set_level(logging.DEBUG)
    return eleven


def test_a_voice_provider_echoing_the_key_leaks_it_nowhere(
    planted: FakeElevenLabs,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    script = tmp_path / "leak.md"
    script.write_text(VOICE_SCRIPT)
    runs = [
        ["speak", "hello", "--voice", "elevenlabs/21m00Tcm4TlvDq8ikWAM", "-o", str(tmp_path / "a.wav")],
        ["synth", str(script)],
        ["render", str(script), "-o", str(tmp_path / "out.mp4")],
        ["-v", "voices", "--provider", "elevenlabs"],
    ]  # fmt: skip
    for argv in runs:
        main(argv)
        captured = capsys.readouterr()
        _nowhere(VOICE_KEY, caplog, captured.out, captured.err)
    assert planted.requests, "the fake was never asked"


def test_a_visual_provider_echoing_the_key_leaks_it_nowhere(
    pexels: FakePexels,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    pexels.inject(_echo_key(PEXELS_KEY))
    script = tmp_path / "leak.md"
    script.write_text(VISUAL_SCRIPT)
    main(["-v", "visuals", str(script)])
    captured = capsys.readouterr()
    _nowhere(PEXELS_KEY, caplog, captured.out, captured.err)
    assert pexels.requests, "the fake was never asked"


def test_an_audit_row_passes_the_redaction_filter(
    memory_keyring: MemoryKeyring, caplog: pytest.LogCaptureFixture
) -> None:
    key = "sk_audit_planted_8d1e0f3a"
    memory_keyring.set_password("castline", "google", key)  # known from the keyring alone
    secrets.learn_known_keys()
    with Store.open() as store:
        store.audit(None, "synthesis", {"failures": {"3": [f"Google 401: bad key {key}"]}})
        (entry,) = store.audit_log(None)
    assert entry.detail == {"failures": {"3": ["Google 401: bad key ***"]}}
    _nowhere(key, caplog)
