"""Voices that really speak: the Preview button and Synthesize all (offline Piper voice)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from pytestqt.qtbot import QtBot

from app.engine.audio.io import read_wav
from app.engine.store import Store
from app.engine.timeline import SpeechSource
from tests.ui.conftest import copy_script, open_window

TINY = Path(__file__).parent / "fixtures" / "tiny" / "script.md"


def test_preview_speaks_and_synthesis_relays_out_with_real_audio(
    qtbot: QtBot, store: Store, tmp_path: Path
) -> None:
    window = open_window(qtbot, store, copy_script(TINY, tmp_path))
    row = window.voices.rows["BOB"]
    row.preview.click()
    job = next(iter(window.jobs.jobs.values()))
    qtbot.waitUntil(lambda: job.state != "running", timeout=120000)
    assert job.state == "done", job.error
    audio, rate = read_wav(job.result.audio_path)
    assert rate == 48000 and np.abs(audio).max() > 0.05  # speech, not silence
    assert window.jobs_panel.rows[job.id].detail.text() == "done"

    estimated = [
        c for _t, c in window.document.timeline.clips() if isinstance(c.source, SpeechSource)
    ]  # type: ignore[union-attr]
    assert estimated and all(c.source.audio_path is None for c in estimated)
    synth = window.voices.synthesize_all()
    assert synth is not None
    qtbot.waitUntil(lambda: synth.state != "running", timeout=120000)
    assert synth.state == "done", synth.error
    tl = window.document.timeline
    assert tl is not None and window.document.follow_script

    def spoken() -> list:  # type: ignore[type-arg]
        return [c for _t, c in tl.clips() if isinstance(c.source, SpeechSource)]

    # The timeline is laid out again with the real lengths (in a worker).
    qtbot.waitUntil(lambda: all(c.source.audio_path for c in spoken()), timeout=30000)
    assert len(spoken()) == 3
    view = window.timeline_panel.view
    qtbot.waitUntil(
        lambda: all(view.clip_items[c.id].peaks is not None for c in spoken()), timeout=30000
    )
    assert max(float(view.clip_items[c.id].peaks.max()) for c in spoken()) > 0.05  # type: ignore[union-attr]
    window.close()
