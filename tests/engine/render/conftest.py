"""Shared helpers for the renderer's tests: small timelines, file probes, a real render."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from app.engine.audio import write_wav
from app.engine.model.script import TerminalBeat, TerminalLine
from app.engine.model.time import SAMPLE_RATE
from app.engine.render.project import ScriptRender, render_script
from app.engine.store import Store
from app.engine.timeline import (
    Chapter,
    Clip,
    KenBurns,
    ProceduralSource,
    SpeechSource,
    TerminalSource,
    Timeline,
    TitleCardSource,
    Track,
)

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "render"


def tone(seconds: float, freq: float = 220.0, level: float = 0.3) -> np.ndarray:
    """A wobbling tone standing in for speech (loud enough to measure, with a crest)."""
    t = np.arange(int(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    return (level * np.sin(2 * np.pi * freq * t) * (1 + 0.5 * np.sin(2 * np.pi * 3 * t))).astype(
        np.float32
    )


def speech_clip(path: Path, start: int, seconds: float, text: str, freq: float = 220.0) -> Clip:
    write_wav(path, tone(seconds, freq))
    n = int(seconds * SAMPLE_RATE)
    return Clip(
        start=start,
        length=round(seconds * 30),
        source=SpeechSource(
            speaker="NARRATOR", text=text, caption=text, audio_path=str(path), num_samples=n
        ),
    )


def terminal_source(line: int = 5) -> TerminalSource:
    beat = TerminalBeat(
        line=line,
        commands=["ls"],
        lines=[
            TerminalLine(kind="command", text="ls"),
            TerminalLine(kind="output", text="notes.txt"),
        ],
    )
    return TerminalSource(beat=beat, animation_ms=800, play_ms=800)


def small_timeline(tmp: Path, *, width: int = 320, height: int = 180, seconds: int = 4) -> Timeline:
    """A title card, a moving background with a terminal over it, and two spoken lines."""
    frames = seconds * 30
    visual = Track(
        kind="visual",
        clips=[
            Clip(start=0, length=30, source=TitleCardSource(text="Tiny")),
            Clip(
                start=30,
                length=frames - 30,
                source=ProceduralSource(prompt="a quiet harbour", ken_burns=KenBurns(frames=45)),
            ),
        ],
    )
    terminal = Track(
        kind="terminal", clips=[Clip(start=45, length=frames - 45, source=terminal_source())]
    )
    voice = Track(
        kind="voice",
        clips=[
            speech_clip(tmp / "a.wav", 6, 1.0, "first words here"),
            speech_clip(tmp / "b.wav", 75, 1.0, "second words", freq=330.0),
        ],
    )
    return Timeline.create(
        30,
        width,
        height,
        title="Tiny",
        tracks=[visual, terminal, voice],
        chapters=[Chapter(title="Only", start=0)],
    )


@dataclass
class RealRender:
    result: ScriptRender
    output: Path


@pytest.fixture(scope="module")
def short_render(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RealRender]:
    """``tests/fixtures/render/short.md`` rendered once at youtube-1080p with the local voice."""
    base = tmp_path_factory.mktemp("short-render")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CASTLINE_DATA_DIR", str(base / "data"))
        mp.setenv("CASTLINE_CACHE_DIR", str(base / "cache"))
        mp.setenv("CASTLINE_CONFIG_DIR", str(base / "config"))
        store = Store.open(f"sqlite:///{base / 'castline.db'}")
        try:
            out = base / "out" / "short.mp4"
            result = render_script(FIXTURES / "short.md", out, offline=True, store=store)
        finally:
            store.close()
        yield RealRender(result, out)
