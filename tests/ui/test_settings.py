"""Settings: keys go to the OS keyring, Test connection talks to the provider's API."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from app.engine import secrets
from app.ui.main_window import MainWindow
from tests.fakes.elevenlabs import FakeElevenLabs
from tests.fakes.memory_keyring import MemoryKeyring

GOOD_KEY = "sk_test_eleven_0123456789"


def test_keys_are_masked_tested_and_kept_in_the_keyring(
    qtbot: QtBot, studio: MainWindow, memory_keyring: MemoryKeyring, eleven: FakeElevenLabs
) -> None:
    studio.open_settings()
    dialog = studio.settings_dialog
    row = dialog.rows["elevenlabs"]
    assert row.edit.echoMode() == row.edit.EchoMode.Password
    row.edit.setText("sk_wrong_key_000000")
    row.test.click()
    qtbot.waitUntil(
        lambda: row.test.isEnabled() and "Testing" not in row.status.text(), timeout=20000
    )
    assert "key" in row.status.text().lower() and "Connected" not in row.status.text()
    row.edit.setText(GOOD_KEY)
    row.test.click()
    qtbot.waitUntil(lambda: "Connected" in row.status.text(), timeout=20000)
    dialog.budget.setValue(4.5)
    assert dialog.save()
    assert memory_keyring.passwords[("castline", "elevenlabs")] == GOOD_KEY
    assert secrets.get_api_key("elevenlabs") == GOOD_KEY
    assert studio.prefs.budget_usd == 4.5
    assert studio.session.project is not None
    assert studio.store.get_project(studio.session.project.id).budget_usd == 4.5  # type: ignore[union-attr]
    # With the key stored, the voice panel lists the provider's voices.
    studio.voices.load_listings()
    qtbot.waitUntil(lambda: bool(studio.voices.listings.get("elevenlabs")), timeout=20000)
