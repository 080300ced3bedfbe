"""A voice provider added as a plugin gets its key row in Settings without any edit."""

from __future__ import annotations

from app.ui.main_window import MainWindow
from tests.fakes.voice_plugin import chime_plugin

__all__ = ["chime_plugin"]


def test_a_plugin_voice_provider_has_a_key_row(chime_plugin: str, studio: MainWindow) -> None:
    studio.open_settings()
    dialog = studio.settings_dialog
    row = dialog.rows[chime_plugin]
    assert row.edit.echoMode() == row.edit.EchoMode.Password
    assert dialog.providers[chime_plugin].label == "Chime Voices"
    dialog.reject()
