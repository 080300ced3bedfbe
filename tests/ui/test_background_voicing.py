"""The timeline becomes exact without a button: changed lines are voiced in the background,
and until then their clips say they are estimated."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from app.engine.store import Store
from app.engine.timeline import SpeechSource
from app.ui.main_window import MainWindow
from tests.ui.conftest import copy_script, open_window

TINY = Path(__file__).parent / "fixtures" / "tiny" / "script.md"


def _speech(window: MainWindow) -> list:  # type: ignore[type-arg]
    tl = window.document.timeline
    assert tl is not None
    return [c for _t, c in tl.clips() if isinstance(c.source, SpeechSource)]


def _hatched(window: MainWindow) -> set[int | None]:
    view = window.timeline_panel.view
    return {i.clip.script_line for i in view.clip_items.values() if i.estimated}


def _voiced(window: MainWindow) -> bool:
    return all(c.source.audio_path for c in _speech(window)) and not _hatched(window)


def test_lines_are_voiced_in_the_background_and_estimates_are_marked(
    qtbot: QtBot, store: Store, tmp_path: Path
) -> None:
    window = open_window(qtbot, store, copy_script(TINY, tmp_path), background_voicing=True)
    estimated = {c.script_line for c in _speech(window)}
    assert estimated and estimated <= _hatched(window)
    assert "estimated" in window.timeline_panel.timing_label.text()
    qtbot.waitUntil(lambda: _voiced(window), timeout=120000)  # no button pressed
    assert "timed by the voices" in window.timeline_panel.timing_label.text()
    runs = window.voicing.runs
    # Rewording a line: it is estimated again until its new words are spoken.
    text = window.editor.toPlainText().replace("Goodbye.", "Goodbye, and thanks for watching.")
    window.editor.setPlainText(text)
    line = next(i + 1 for i, x in enumerate(text.split("\n")) if x.startswith("Goodbye"))
    qtbot.waitUntil(lambda: line in _hatched(window), timeout=20000)
    qtbot.waitUntil(lambda: _voiced(window), timeout=120000)
    assert window.voicing.runs > runs
    spoken = next(c for c in _speech(window) if c.script_line == line)
    assert spoken.source.text == "Goodbye, and thanks for watching."
    window.close()


def test_paid_voices_are_never_spoken_behind_the_users_back(
    qtbot: QtBot, store: Store, tmp_path: Path, memory_keyring: object, eleven: object
) -> None:
    from app.engine import secrets

    secrets.set_api_key("elevenlabs", "sk_test_eleven_0123456789")
    script = copy_script(TINY, tmp_path)
    script.write_text(
        script.read_text().replace(
            "BOB: { voice: local/joe, speed: 1.1 }", "BOB: { voice: elevenlabs/bob-voice-id }"
        )
    )
    window = open_window(qtbot, store, script, background_voicing=True)
    qtbot.waitUntil(
        lambda: "Synthesize all voices" in window.timeline_panel.timing_label.text(),
        timeout=60000,
    )
    assert window.voicing.runs >= 1
    assert store.project_spend(window.session.project.id) == 0  # type: ignore[union-attr]
    bob = next(c for c in _speech(window) if c.source.speaker == "BOB")
    assert bob.script_line in _hatched(window)
    window.close()
