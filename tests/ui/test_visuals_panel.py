"""The Visuals panel against fake providers: generate, candidates, Pick, Lock, Regenerate,
and File › New from topic with a fake language model."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from app.engine.store import Store
from app.engine.timeline import ImageSource, VideoSource
from app.ui.main_window import MainWindow
from tests.fakes.generators import STABILITY_KEY, FakeStability
from tests.fakes.llm import VALID_DRAFT, FakeChat
from tests.fakes.memory_keyring import MemoryKeyring
from tests.fakes.stock import FakePexels
from tests.ui.conftest import open_window

SCRIPT = """\
---
title: Rockets
visuals: [{provider}]
characters:
  NARRATOR: {{ voice: local/joe }}
---

# Rockets

## Liftoff

> visual: a rocket on the pad

The rocket engine fires and the launch pad shakes.
"""


@pytest.fixture
def stability(no_keys: MemoryKeyring, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeStability]:
    fake = FakeStability().start()
    monkeypatch.setenv("CASTLINE_STABILITY_URL", fake.url)
    no_keys.set_password("castline", "stability", STABILITY_KEY)
    yield fake
    fake.stop()


def studio_on(qtbot: QtBot, store: Store, tmp_path: Path, provider: str) -> MainWindow:
    path = tmp_path / "rockets" / "script.md"
    path.parent.mkdir()
    path.write_text(SCRIPT.format(provider=provider))
    window = open_window(qtbot, store, path)
    qtbot.waitUntil(lambda: bool(window.visuals_panel.rows), timeout=20000)
    return window


def background_source(window: MainWindow, line: int) -> object:
    timeline = window.document.timeline
    assert timeline is not None
    (track,) = timeline.tracks_of("visual")
    return next(c.source for c in track.clips if c.source.line == line)


def close_window(window: MainWindow) -> None:
    window.preview.pause()
    window.preview.requests.wait(10000)
    window.close()


def test_generate_pick_and_lock_in_the_panel(
    qtbot: QtBot, store: Store, tmp_path: Path, pexels: FakePexels
) -> None:
    window = studio_on(qtbot, store, tmp_path, "pexels")
    panel = window.visuals_panel
    (line,) = panel.rows
    row = panel.rows[line]
    assert row.thumb.text() == "procedural" and "not made yet" in row.source.text()
    assert not row.lock.isEnabled() and row.regenerate.isEnabled()

    job = panel.generate_all()
    assert job is not None
    qtbot.waitUntil(lambda: job.state != "running", timeout=60000)
    assert job.state == "done", job.error
    qtbot.waitUntil(lambda: panel.rows[line].state.chosen is not None, timeout=20000)
    row = panel.rows[line]
    state = row.state
    assert row.thumb.pixmap() is not None and not row.thumb.pixmap().isNull()
    assert row.written.text() == "Written: a rocket on the pad"
    assert row.sent.text().startswith("Enhanced: ") and state.prompt_sent in row.sent.text()
    assert row.source.text() == "pexels · pexels-search · clip · free"
    buttons = row.group.buttons()
    assert len(buttons) == len(state.candidates) >= 1
    assert all(not b.icon().isNull() for b in buttons)
    chosen = state.chosen
    assert chosen is not None
    # The timeline shows the chosen clip behind the line.
    qtbot.waitUntil(lambda: isinstance(background_source(window, line), VideoSource), timeout=20000)
    assert background_source(window, line).path == str(chosen.path)  # type: ignore[attr-defined]

    other = state.candidates[0]
    assert not row.pick.isEnabled()
    buttons[0].click()
    assert row.pick.isEnabled()
    row.pick.click()
    qtbot.waitUntil(
        lambda: (c := panel.rows[line].state.chosen) is not None and c.id == other.id,
        timeout=20000,
    )
    qtbot.waitUntil(
        lambda: background_source(window, line).path == str(other.path),  # type: ignore[attr-defined]
        timeout=20000,
    )

    row = panel.rows[line]
    row.lock.click()
    qtbot.waitUntil(lambda: panel.rows[line].state.locked, timeout=20000)
    row = panel.rows[line]
    assert row.lock.isChecked() and not row.regenerate.isEnabled()
    project_id = window.session.project.id  # type: ignore[union-attr]
    assert store.chosen_versions(project_id, "visual")[state.slot].locked
    close_window(window)


def test_regenerate_makes_a_new_take_and_shows_its_cost(
    qtbot: QtBot, store: Store, tmp_path: Path, stability: FakeStability
) -> None:
    window = studio_on(qtbot, store, tmp_path, "stability")
    panel = window.visuals_panel
    (line,) = panel.rows
    job = panel.generate_all()
    assert job is not None
    qtbot.waitUntil(lambda: job.state != "running", timeout=60000)
    qtbot.waitUntil(lambda: panel.rows[line].state.chosen is not None, timeout=20000)
    first = panel.rows[line].state.chosen
    assert first is not None
    assert panel.rows[line].source.text().endswith("$0.030")
    assert "$0.030" in panel.cost.text()

    panel.rows[line].regenerate.click()
    assert panel.job is not None and panel.job.title == f"Regenerate visual at line {line}"
    again = panel.job
    qtbot.waitUntil(lambda: again.state != "running", timeout=60000)
    assert again.state == "done", again.error
    qtbot.waitUntil(
        lambda: (c := panel.rows[line].state.chosen) is not None and c.id != first.id,
        timeout=20000,
    )
    state = panel.rows[line].state
    assert [v.id for v in state.candidates] == [first.id]
    assert len(stability.requests_to("/v2beta/stable-image/generate/core")) == 2
    assert "$0.060" in panel.cost.text()
    qtbot.waitUntil(lambda: isinstance(background_source(window, line), ImageSource), timeout=20000)
    close_window(window)


def test_new_from_topic_opens_a_valid_unsaved_draft(
    qtbot: QtBot,
    store: Store,
    example_script: Path,
    no_keys: MemoryKeyring,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake = FakeChat().start()
    try:
        monkeypatch.setenv("CASTLINE_LLM_URL", fake.base_url)
        monkeypatch.setenv("CASTLINE_LLM_MODEL", fake.model)
        window = open_window(qtbot, store, example_script)
        window.actions_.trigger("file.new_from_topic")
        dialog = window.draft_dialog
        dialog.topic.setText("how tides work")
        dialog.characters.setText("alice")
        job = dialog.start()
        assert job is not None
        qtbot.waitUntil(lambda: job.state != "running", timeout=30000)
        assert job.state == "done", job.error
        qtbot.waitUntil(lambda: window.editor.toPlainText() == VALID_DRAFT.strip() + "\n")
        assert window.session.modified and window.windowTitle().startswith("*")
        assert window.session.script_path != example_script.resolve()
        script = window.document.parse_now()
        assert not [d for d in script.diagnostics if d.is_error] and script.scenes
        (asked,) = fake.completions()
        assert "how tides work" in str(asked.body) and "ALICE" in str(asked.body)
        close_window(window)
    finally:
        fake.stop()


def test_new_from_topic_without_a_model_says_where_to_set_one(
    qtbot: QtBot, studio: MainWindow, no_keys: MemoryKeyring
) -> None:
    studio.actions_.trigger("file.new_from_topic")
    dialog = studio.draft_dialog
    assert dialog.start() is None and "topic" in dialog.status.text()
    dialog.topic.setText("volcanoes")
    job = dialog.start()
    assert job is not None
    qtbot.waitUntil(lambda: job.state != "running", timeout=20000)
    assert job.state == "failed" and "Settings › Language model" in dialog.status.text()
    assert dialog.write.isEnabled()
