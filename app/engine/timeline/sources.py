"""Source refs: what a clip shows or plays, a union discriminated by ``kind``.

Each source remembers the 1-based script line it came from (``line``).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from app.engine.model.script import CodeBeat, TerminalBeat
from app.engine.model.time import samples_to_frames
from app.engine.timeline.keyframes import Easing, ease


class _Source(BaseModel):
    model_config = ConfigDict(frozen=True)

    line: int | None = None
    """1-based script line this source came from (``None`` when added by hand)."""

    def length_frames(self, fps: Fraction) -> int | None:
        """How many source frames exist; ``None`` for a source that can run forever."""
        return None

    def is_static(self) -> bool:
        """True when every source frame looks the same (a still with no motion)."""
        return False


class KenBurns(BaseModel):
    """A slow pan and zoom over a still, from ``start`` to ``end`` over ``frames`` source frames.

    Centres are fractions of the picture (0.5, 0.5 is the middle); zoom 1.0 fills the frame.
    """

    model_config = ConfigDict(frozen=True)

    start_zoom: float = 1.0
    end_zoom: float = 1.1
    start_center: tuple[float, float] = (0.5, 0.5)
    end_center: tuple[float, float] = (0.5, 0.5)
    frames: int = Field(default=1, ge=1)
    easing: Easing = Easing.EASE_IN_OUT

    def at(self, source_frame: int) -> tuple[float, tuple[float, float]]:
        """``(zoom, centre)`` at a source frame; held at the end after ``frames``."""
        return self.at_progress(self.progress(source_frame))

    def progress(self, source_frame: int) -> float:
        """How far along the (eased) move a source frame is, 0.0 to 1.0."""
        return ease(
            self.easing, float(Fraction(max(0, min(source_frame, self.frames)), self.frames))
        )

    def at_progress(self, t: float) -> tuple[float, tuple[float, float]]:
        """``(zoom, centre)`` a fraction ``t`` of the way along the move."""
        zoom = self.start_zoom + (self.end_zoom - self.start_zoom) * t
        cx = self.start_center[0] + (self.end_center[0] - self.start_center[0]) * t
        cy = self.start_center[1] + (self.end_center[1] - self.start_center[1]) * t
        return zoom, (cx, cy)


class ImageSource(_Source):
    """A user's still image, optionally with a Ken Burns move."""

    kind: Literal["image"] = "image"
    path: str
    ken_burns: KenBurns | None = None

    def is_static(self) -> bool:
        return self.ken_burns is None


class VideoSource(_Source):
    """A user's video file. ``mode`` says what happens past its end: loop, hold the last frame, or stop."""

    kind: Literal["video"] = "video"
    path: str
    mode: Literal["loop", "hold", "once"] = "loop"
    num_frames: int | None = None
    """Frames in the file at the timeline's rate, when known."""
    muted: bool = True

    def length_frames(self, fps: Fraction) -> int | None:
        return self.num_frames if self.mode == "once" else None


class ProceduralSource(_Source):
    """A generated background: a still made from ``prompt``, ``seed`` and ``palette``."""

    kind: Literal["procedural"] = "procedural"
    prompt: str
    styled_prompt: str = ""
    """The prompt with the script's style appended: what a generator is given."""
    seed: int = 0
    palette: list[str] = Field(default_factory=list)
    """Hex colours (``#0b1d2a``) the picture is drawn from."""
    pattern: str = ""
    """The kind of background (``nebula``, ``grid``, ...; the style's when empty)."""
    ken_burns: KenBurns | None = None

    def is_static(self) -> bool:
        return self.ken_burns is None


class TitleCardSource(_Source):
    """Big text over the background: the video's title or a scene's heading."""

    kind: Literal["title_card"] = "title_card"
    text: str
    subtitle: str = ""

    def is_static(self) -> bool:
        return True


class SceneTitleSource(_Source):
    """A scene's heading, animated in over the scene's start, then kept as a chapter tag."""

    kind: Literal["scene_title"] = "scene_title"
    text: str
    number: int = 0
    """The scene's chapter number (1-based; 0 for the intro, which shows no number)."""
    hold_frames: int = 0
    """Frames the big title stays before it settles into the small tag (0: all the clip)."""


class LowerThirdSource(_Source):
    """A speaker's name plate, shown on their first line in a scene."""

    kind: Literal["lower_third"] = "lower_third"
    name: str
    color: str = "#4cc9f0"
    role: str = ""
    row: Literal["caption", "above"] = "caption"
    """In 16:9: beside the speaker badge in the caption row, or above that row when words
    are shown low there while the plate is up (burned captions always move it above)."""


class BadgeSource(_Source):
    """Who is talking in dialogue: an avatar or monogram disc pulsing with their voice.

    The pulse follows the loudness of ``audio_path`` from ``audio_offset`` samples on;
    without audio (voices not synthesized yet) the badge holds still.
    """

    kind: Literal["badge"] = "badge"
    speaker: str
    name: str
    color: str = "#4cc9f0"
    avatar: str | None = None
    audio_path: str | None = None
    audio_offset: int = 0
    """Sample in ``audio_path`` heard at the clip's first source frame."""
    enter: bool = True
    """Pop in at the start (off when the same speaker's badge was just showing)."""
    leave: bool = True
    """Fade out at the end (off when the same speaker talks again right after)."""


class SlideItem(BaseModel):
    """One line of a list slide and the source frame it appears at."""

    model_config = ConfigDict(frozen=True)

    text: str
    marker: str = "•"
    depth: int = 0
    at: int = 0
    emphasis: list[str] = Field(default_factory=list)


class SlideSource(_Source):
    """An on-screen card in the view area: a list slide, a table, a quote or a callout.

    List items appear at their ``at`` frames (when the narration reaches them); a table
    shows ``header`` and ``rows``; a quote or callout shows ``text``.
    """

    kind: Literal["slide"] = "slide"
    variant: Literal["list", "table", "quote", "callout"] = "list"
    title: str = ""
    items: list[SlideItem] = Field(default_factory=list)
    header: list[str] = Field(default_factory=list)
    rows: list[list[str]] = Field(default_factory=list)
    align: list[str] = Field(default_factory=list)
    text: str = ""
    attribution: str = ""


class TerminalSource(_Source):
    """An animated terminal or code view built from its script beat.

    ``animation_ms`` is the animation's natural length; ``play_ms`` the length it is played
    in (different when ``sync=next`` stretches the typing to fit the next speech). After
    ``play_ms`` the finished view stays on screen for the rest of the clip.
    """

    kind: Literal["terminal"] = "terminal"
    beat: Annotated[TerminalBeat | CodeBeat, Field(discriminator="kind")]
    animation_ms: int = Field(ge=0)
    play_ms: int = Field(ge=0)
    theme: str | None = None
    seed: int = 0
    clicks: bool = True
    """Key clicks are mixed under the typing (the script's ``typing_sound``)."""

    @property
    def retimed(self) -> bool:
        return self.play_ms != self.animation_ms


class WordSpan(BaseModel):
    """A spoken word's position inside its audio, in samples at 48 kHz."""

    model_config = ConfigDict(frozen=True)

    text: str
    start_sample: int
    end_sample: int


class SpeechSource(_Source):
    """One spoken line: its audio (48 kHz mono WAV) and where each word falls in it.

    ``audio_path`` is ``None`` while voices have not been synthesized: ``num_samples`` is
    then the estimate and the line renders as silence.
    """

    kind: Literal["speech"] = "speech"
    speaker: str
    text: str
    caption: str = ""
    audio_path: str | None = None
    num_samples: int = Field(ge=0)
    words: list[WordSpan] = Field(default_factory=list)
    provider: str = ""
    voice: str = ""
    estimated: bool = False

    def length_frames(self, fps: Fraction) -> int | None:
        return max(1, samples_to_frames(self.num_samples, fps))


class MusicSource(_Source):
    """Background music, looped to the clip's length unless ``loop`` is off."""

    kind: Literal["music"] = "music"
    path: str
    gain_db: float = -18.0
    loop: bool = True
    num_samples: int | None = None
    duck: bool = True
    """Lower the music under speech (the renderer reads ``Timeline.speech_regions``)."""

    def length_frames(self, fps: Fraction) -> int | None:
        if self.loop or self.num_samples is None:
            return None
        return max(1, samples_to_frames(self.num_samples, fps))


class CaptionWord(BaseModel):
    """A caption word's span in source frames (``end`` exclusive)."""

    model_config = ConfigDict(frozen=True)

    text: str
    start: int
    end: int


class CaptionSource(_Source):
    """A caption: its text and, when known, each word's frames (for word highlighting)."""

    kind: Literal["caption"] = "caption"
    text: str
    speaker: str = ""
    words: list[CaptionWord] = Field(default_factory=list)
    emphasis: list[str] = Field(default_factory=list)
    """Key phrases (``**strong**`` in the script) drawn in the accent colour."""
    placement: Literal["centre", "lower"] = "centre"
    """Where the words track draws it: large in the middle of a bare background, or low,
    like a caption, over the user's own picture or video."""

    def is_static(self) -> bool:
        return not self.words

    def word_at(self, source_frame: int) -> int | None:
        """Index of the word being spoken at ``source_frame``, if any."""
        for i, w in enumerate(self.words):
            if w.start <= source_frame < w.end:
                return i
        return None


Source = Annotated[
    ImageSource
    | VideoSource
    | ProceduralSource
    | TitleCardSource
    | SceneTitleSource
    | LowerThirdSource
    | BadgeSource
    | SlideSource
    | TerminalSource
    | SpeechSource
    | MusicSource
    | CaptionSource,
    Field(discriminator="kind"),
]
