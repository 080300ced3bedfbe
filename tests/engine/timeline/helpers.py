"""Small hand-built timelines for the edit-command tests."""

from __future__ import annotations

from fractions import Fraction

from app.engine.timeline import (
    Clip,
    ImageSource,
    Keyframe,
    ProceduralSource,
    SpeechSource,
    Timeline,
    Track,
    Transition,
)

FPS = Fraction(30)


def speech(samples: int, text: str = "hello") -> SpeechSource:
    return SpeechSource(speaker="NARRATOR", text=text, num_samples=samples)


def sample_timeline() -> Timeline:
    """A background track with three clips, a voice track with two lines, and an empty overlay."""
    visual = Track(
        kind="visual",
        name="Background",
        clips=[
            Clip(start=0, length=60, source=ProceduralSource(prompt="rack", seed=1), script_line=3),
            Clip(
                start=60,
                length=90,
                source=ImageSource(path="/tmp/a.png"),
                transition_in=Transition(length=10),
                keyframes={
                    "opacity": [Keyframe(frame=0, value=0.0), Keyframe(frame=30, value=1.0)]
                },
                script_line=9,
            ),
            Clip(
                start=200, length=40, source=ProceduralSource(prompt="kex", seed=2), script_line=20
            ),
        ],
    )
    voice = Track(
        kind="voice",
        name="Voices",
        clips=[
            Clip(start=10, length=50, source=speech(80_000), script_line=5),
            Clip(start=70, length=40, source=speech(64_000, "again"), script_line=7),
        ],
    )
    overlay = Track(kind="overlay", name="Overlay")
    return Timeline.create(FPS, 640, 360, title="t", tracks=[visual, overlay, voice])


def dump(tl: Timeline) -> dict:
    return tl.model_dump(mode="json")
