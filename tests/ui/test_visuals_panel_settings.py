"""Settings for the visual and language model providers: a key for every provider that
needs one, Test connection where it is cheap, the model's URL and name, the cache cap."""

from __future__ import annotations

import json

import pytest
from pytestqt.qtbot import QtBot

from app.engine.llm.settings import load_llm_settings, settings_path
from app.engine.visuals.providers import registered
from app.engine.voice.registry import build_providers
from app.ui.main_window import MainWindow
from app.ui.settings.dialog import SettingsDialog
from tests.fakes.llm import FakeChat
from tests.fakes.memory_keyring import MemoryKeyring
from tests.fakes.stock import PEXELS_KEY, FakePexels

# Fixtures of the Visuals panel's tests: keys only from the (memory) keyring, a fake Pexels.


def dialog_of(studio: MainWindow) -> SettingsDialog:
    studio.open_settings()
    return studio.settings_dialog


def try_key(qtbot: QtBot, dialog: SettingsDialog, key: str) -> str:
    row = dialog.rows[key]
    row.test.click()
    qtbot.waitUntil(
        lambda: row.test.isEnabled() and "Testing" not in row.status.text(), timeout=20000
    )
    return row.status.text()


@pytest.mark.usefixtures("no_keys")
def test_every_provider_that_needs_a_key_has_a_masked_field(studio: MainWindow) -> None:
    dialog = dialog_of(studio)
    voices = {name for name, p in build_providers().items() if p.requires_key}
    visuals = {cls.key_name for cls in registered().values() if cls.key_name}
    assert voices and visuals
    assert set(dialog.rows) == voices | visuals | {"llm"}
    for key, row in dialog.rows.items():
        assert row.edit.echoMode() == row.edit.EchoMode.Password, key
    stock = {cls.key_name for cls in registered().values() if cls.key_name and cls.stock}
    for key in visuals:
        # A search is free, so stock keys can be tried; a generator's first call costs money.
        assert dialog.rows[key].test.isHidden() == (key not in stock), key
    dialog.reject()


def test_a_stock_key_is_tested_by_a_search_and_kept_in_the_keyring(
    qtbot: QtBot, studio: MainWindow, memory_keyring: MemoryKeyring, request: pytest.FixtureRequest
) -> None:
    fake: FakePexels = request.getfixturevalue("pexels")
    memory_keyring.passwords.pop(("castline", "pexels"), None)
    dialog = dialog_of(studio)
    row = dialog.rows["pexels"]
    assert try_key(qtbot, dialog, "pexels") == "Enter a key first."
    row.edit.setText("not-the-key-000000")
    status = try_key(qtbot, dialog, "pexels")
    assert "Connected" not in status and "key" in status.lower()
    assert "not-the-key-000000" not in status
    row.edit.setText(PEXELS_KEY)
    assert "Connected: a search" in try_key(qtbot, dialog, "pexels")
    assert fake.requests_to("/v1/search")[-1].headers["authorization"] == PEXELS_KEY
    assert dialog.save()
    assert memory_keyring.passwords[("castline", "pexels")] == PEXELS_KEY


@pytest.mark.usefixtures("no_keys")
def test_the_language_model_url_and_model_are_tested_and_saved(
    qtbot: QtBot, studio: MainWindow
) -> None:
    fake = FakeChat(require_key="sk-local-0123456789").start()
    try:
        dialog = dialog_of(studio)
        dialog.llm_url.setText(fake.base_url)
        dialog.llm_model.setText("some-other-model")
        assert "Incorrect API key" in try_key(qtbot, dialog, "llm")  # the server wants a key
        dialog.rows["llm"].edit.setText("sk-local-0123456789")
        assert "not found" in try_key(qtbot, dialog, "llm")
        dialog.llm_model.setText(fake.model)
        assert f"Connected: {fake.model} answered" in try_key(qtbot, dialog, "llm")
        assert dialog.save()
        saved = json.loads(settings_path().read_text())
        assert saved == {"base_url": fake.base_url, "model": fake.model}
        settings = load_llm_settings()
        assert (settings.base_url, settings.model) == (fake.base_url, fake.model)
    finally:
        fake.stop()


@pytest.mark.usefixtures("no_keys")
def test_the_environment_wins_and_the_file_keeps_its_other_keys(
    studio: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings_path().parent.mkdir(parents=True, exist_ok=True)
    settings_path().write_text(json.dumps({"model": "old", "temperature": 0.7}))
    monkeypatch.setenv("CASTLINE_LLM_URL", "http://localhost:11434/v1")
    dialog = dialog_of(studio)
    assert not dialog.llm_url.isEnabled() and "CASTLINE_LLM_URL" in dialog.llm_url.toolTip()
    assert dialog.llm_model.text() == "old"
    dialog.llm_model.setText("llama3.1")
    assert dialog.save()
    assert json.loads(settings_path().read_text()) == {"model": "llama3.1", "temperature": 0.7}


@pytest.mark.usefixtures("no_keys")
def test_a_lower_cache_cap_removes_the_oldest_unused_files(
    qtbot: QtBot, studio: MainWindow
) -> None:
    store = studio.store
    project = studio.session.project
    assert project is not None
    old = store.add_asset(b"o" * 1_500_000, "image", suffix=".png")
    newer = store.add_asset(b"n" * 600_000, "image", suffix=".png")
    used = store.add_asset(b"u" * 800_000, "video", suffix=".mp4")
    store.set_asset_uses(project.id, "visual", [used.sha256])
    dialog = dialog_of(studio)
    assert dialog.cache_cap.value() == studio.prefs.cache_cap_mb > 2
    dialog.cache_cap.setValue(2)
    assert dialog.save()
    assert studio.prefs.cache_cap_bytes() == 2_000_000
    qtbot.waitUntil(lambda: not old.path.exists(), timeout=20000)
    assert newer.path.is_file() and used.path.is_file()
    assert store.get_asset(old.sha256) is None
