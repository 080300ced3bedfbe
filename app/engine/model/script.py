"""The parsed script: settings, characters, scenes and their beats.

Durations are integer milliseconds. The parser fills ``estimated_ms`` from the words,
pauses and typing speed; after synthesis the real audio lengths replace the estimates.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field

from app.engine.model.diagnostic import Diagnostic, has_errors
from app.engine.model.voice import Character


class _Beat(BaseModel):
    line: int
    """1-based line in the script where the beat starts."""
    end_line: int = 0
    """1-based last line of the beat (the closing fence for a block)."""
    estimated_ms: int = 0


class Shown(BaseModel):
    """How a spoken line is also shown on screen: an item of a list slide, or a quote card.

    Lines that share ``group`` (the first line of their list or quote) are shown together.
    """

    kind: Literal["list_item", "quote"]
    group: int
    """1-based line of the list's or quote's first line."""
    index: int = 0
    """Position in the list or quote, from 0: every shown paragraph counts, nested items too."""
    ordered: bool = False
    marker: str = ""
    """What is drawn before the item: ``1.``, ``2.`` ... for an ordered list, ``•`` otherwise;
    empty for a later paragraph of the same item (it continues the item above)."""
    depth: int = 0
    """Nesting level of the item (0 for a top-level item)."""
    attribution: str = ""
    """Who a quote is by, from its last line ``— Ada Lovelace`` (stored without the dash):
    shown under the quote, never spoken."""


class SpeechBeat(_Beat):
    """A line spoken by one character."""

    kind: Literal["speech"] = "speech"
    speaker: str
    text: str
    """Plain text for the voice: markup removed, links spoken as their text."""
    caption: str
    """Text for captions: inline markup shown as text (``code`` keeps its characters)."""
    direction: str | None = None
    """A delivery hint from ``(text)`` at the start or end; never spoken."""
    chunks: list[str] = Field(default_factory=list)
    """``text`` split at sentence boundaries into pieces a provider accepts in one request."""
    shown: Shown | None = None
    """Set when the line is also shown as a list item or a quote (it is spoken either way)."""
    emphasis: list[str] = Field(default_factory=list)
    """Phrases written in ``**strong**`` emphasis, in order: drawn as key phrases on screen."""


class PauseBeat(_Beat):
    """Silence."""

    kind: Literal["pause"] = "pause"
    duration_ms: int

    @property
    def seconds(self) -> float:
        return self.duration_ms / 1000


class BlockOptions(BaseModel):
    """``key=value`` options from a terminal or code block's info string."""

    theme: str | None = None
    speed: float | None = None
    """Typed characters per second."""
    prompt: str | None = None
    title: str | None = None
    sync_next: bool = False
    extra: dict[str, str] = Field(default_factory=dict)
    """Any further ``key=value`` pairs, kept so the studio can write them back."""


class TerminalLine(BaseModel):
    """One line of a terminal block: a typed command or a line of its output."""

    kind: Literal["command", "output"]
    text: str


class TerminalBeat(_Beat):
    """An animated terminal session."""

    kind: Literal["terminal"] = "terminal"
    commands: list[str]
    lines: list[TerminalLine]
    options: BlockOptions = Field(default_factory=BlockOptions)
    info: str = ""
    """The info string as written (``terminal theme=dracula``)."""


class CodeBeat(_Beat):
    """An animated, highlighted editor view typing code."""

    kind: Literal["code"] = "code"
    language: str
    code: str
    options: BlockOptions = Field(default_factory=BlockOptions)
    info: str = ""


class VisualBeat(_Beat):
    """A generated background from here on."""

    kind: Literal["visual"] = "visual"
    prompt: str
    styled_prompt: str
    """``prompt`` with the front matter ``style`` appended: what a generator is given."""
    provider: str | None = None
    """A visual provider named on the line (``> visual (pexels): ...``): tried first."""
    want: Literal["still", "clip"] | None = None
    """``still`` or ``clip`` as the line asks; ``None`` lets the provider choose."""


class MediaBeat(_Beat):
    """A user image or video as the background from here on."""

    kind: Literal["media"] = "media"
    path: str
    """As written in the script, relative to it."""
    resolved: str | None = None
    """Absolute path when it exists inside the script's folder tree, else ``None``."""
    caption: str = ""
    media_type: Literal["image", "video", "audio", "unknown"] = "unknown"


TABLE_MAX_ROWS = 8
"""Body rows a table card draws; more are cut (the parser warns)."""
TABLE_MAX_COLS = 6
"""Columns a table card draws; more are cut (the parser warns)."""


class TableBeat(_Beat):
    """A Markdown table: shown as a table card, never spoken."""

    kind: Literal["table"] = "table"
    header: list[str]
    rows: list[list[str]] = Field(default_factory=list)
    align: list[Literal["left", "center", "right"]] = Field(default_factory=list)
    """One entry per column."""


class CalloutBeat(_Beat):
    """A ``###`` (or deeper) heading: shown as a callout card over what follows, not spoken."""

    kind: Literal["callout"] = "callout"
    text: str
    level: int = 3


Beat = Annotated[
    SpeechBeat
    | PauseBeat
    | TerminalBeat
    | CodeBeat
    | VisualBeat
    | MediaBeat
    | TableBeat
    | CalloutBeat,
    Field(discriminator="kind"),
]


class Scene(BaseModel):
    """A ``##`` section: a YouTube chapter."""

    title: str
    line: int
    beats: list[Beat] = Field(default_factory=list)
    intro: bool = False
    """True for the text before the first ``##``, named after the title."""

    @property
    def estimated_ms(self) -> int:
        return sum(b.estimated_ms for b in self.beats)


class LookSpec(BaseModel):
    """The video's visual style as the script asks for it: a bundled style and overrides.

    ``app.engine.styles`` turns it into the colours, fonts and shapes every
    on-screen element is drawn with.
    """

    name: str = "studio"
    """A bundled style (``python main.py styles`` lists them)."""
    palette: list[str] = Field(default_factory=list)
    """Hex colours replacing the style's own: background, surface, text, accent, more accents."""
    font: str | None = None
    """Font family for titles and captions (a bundled family name)."""
    captions: str | None = None
    """Caption look: ``highlight``, ``box`` or ``plain``."""
    background: str | None = None
    """Procedural background kind: ``gradient``, ``grid``, ``dots``, ``nebula``."""


CaptionMode = Literal["auto", "burn", "off"]


class ScriptSettings(BaseModel):
    """Front matter settings."""

    title: str | None = None
    description: str = ""
    tags: list[str] = Field(default_factory=list)
    aspect: Literal["16:9", "9:16"] = "16:9"
    fps: int = 30
    style: str = ""
    music: str | None = None
    """Path as written, relative to the script."""
    music_resolved: str | None = None
    budget_usd: float | None = None
    visuals: list[str] = Field(default_factory=list)
    """The chain of visual providers (``visuals: [runway, pexels, procedural]``); empty: the default."""
    look: LookSpec = Field(default_factory=LookSpec)
    """The visual style (``style:`` naming a bundled style, or its mapping form)."""
    captions: CaptionMode = "auto"
    """Burned-in captions: ``auto`` burns them in Shorts only; ``burn`` always; ``off`` never."""
    typing_sound: bool = True
    """Key clicks under typed terminal and code blocks (``typing_sound: off`` silences them)."""
    thumbnail: str | None = None
    """``thumbnail:`` as written: an image path or a time (``0:42``)."""
    thumbnail_resolved: str | None = None
    """The thumbnail image's absolute path, when ``thumbnail`` names an existing image."""
    thumbnail_ms: int | None = None
    """The thumbnail's frame time, when ``thumbnail`` is a time."""


class Script(BaseModel):
    """A whole parsed script plus every diagnostic found while reading it."""

    path: str | None = None
    title: str
    settings: ScriptSettings = Field(default_factory=ScriptSettings)
    characters: list[Character] = Field(default_factory=list)
    scenes: list[Scene] = Field(default_factory=list)
    diagnostics: list[Diagnostic] = Field(default_factory=list)

    @property
    def estimated_ms(self) -> int:
        return sum(s.estimated_ms for s in self.scenes)

    @property
    def has_errors(self) -> bool:
        return has_errors(self.diagnostics)

    def character(self, name: str) -> Character | None:
        """The character called ``name``, if the script has one."""
        for c in self.characters:
            if c.name == name:
                return c
        return None

    def beats(self) -> list[Beat]:
        """Every beat in script order."""
        return [b for s in self.scenes for b in s.beats]
