"""The timeline: tracks of clips at integer frames, their sources, keyframes and transitions.

Everything here is plain pydantic data so a timeline round-trips through JSON into the
project store. Positions and lengths are integer frames at an exact ``Fraction`` frame
rate (stored as ``fps_num``/``fps_den``); audio inside a source is counted in samples at
48 kHz. Clips are frozen: an edit replaces a clip with a changed copy, which is what lets
the edit commands in ``commands.py`` revert to the exact previous state.

Conventions the renderer relies on:

- ``Timeline.tracks`` is ordered bottom to top; a track's clips are sorted by ``start``
  and never overlap.
- A clip shows source frames ``source_in .. source_in + length - 1``; timeline frame
  ``f`` shows source frame ``clip.source_frame(f)``.
- Keyframe frames and Ken Burns progress are in *source* frames, so trimming or splitting
  a clip never changes what any frame looks like.
- ``transition_in`` blends the clip in over its first ``length`` frames, from whatever the
  same track showed just before (the previous clip's last frame held, or nothing).
"""

from __future__ import annotations

import hashlib
import json
from bisect import bisect_right
from collections.abc import Iterable, Iterator
from fractions import Fraction
from typing import Annotated, Any, Literal
from uuid import UUID, uuid4

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PrivateAttr, model_validator

from app.engine.model.script import LookSpec
from app.engine.model.time import SAMPLE_RATE
from app.engine.motion.transitions import transition_names
from app.engine.timeline.events import Listener, Observable, TimelineEvent
from app.engine.timeline.keyframes import (
    PROPERTY_DEFAULTS,
    Easing,
    Keyframe,
    Value,
    ease,
    interpolate,
)
from app.engine.timeline.sources import (
    BadgeSource,
    CaptionSource,
    CaptionWord,
    ImageSource,
    KenBurns,
    LowerThirdSource,
    MusicSource,
    ProceduralSource,
    SceneTitleSource,
    SlideItem,
    SlideSource,
    Source,
    SpeechSource,
    TerminalSource,
    TitleCardSource,
    VideoSource,
    WordSpan,
)

TrackKind = Literal[
    "visual", "overlay", "terminal", "words", "title", "label", "badge", "caption", "voice", "music"
]
"""What a track holds, bottom to top. ``visual`` is the background; ``overlay`` sits above
it; ``terminal`` holds the views (terminals, code, list slides, tables, quotes, callouts);
``words`` the spoken words shown large over a bare background; ``title`` the video title
and scene titles; ``label`` speakers' name plates; ``badge`` who is talking in dialogue;
``caption`` burned-in captions."""


def _registered_transition(name: str) -> str:
    """A transition name the registry knows (plugins' included), else a message naming them."""
    known = transition_names()
    if name not in known:
        raise ValueError(f"unknown transition {name!r}; use one of {', '.join(known)}")
    return name


TransitionKind = Annotated[str, AfterValidator(_registered_transition)]
"""How one clip gives way to the next: a name in :mod:`app.engine.motion.transitions`
(``crossfade``, ``fade`` from black, ``glitch``, ``wipe``, and any a plugin adds)."""

TRACK_ORDER: tuple[TrackKind, ...] = (
    "visual", "overlay", "terminal", "words", "title", "label", "badge", "caption", "voice", "music"
)  # fmt: skip
"""The usual bottom-to-top order of tracks that auto-layout creates."""

VISUAL_TRACK_KINDS: frozenset[str] = frozenset(
    {"visual", "overlay", "terminal", "words", "title", "label", "badge", "caption"}
)
"""Tracks that draw pixels (the others only make sound)."""


TRACK_ACCEPTS: dict[str, frozenset[str]] = {
    "visual": frozenset({"image", "video", "procedural", "title_card"}),
    "overlay": frozenset({"image", "video", "procedural", "title_card", "terminal"}),
    "terminal": frozenset({"terminal", "slide"}),
    "words": frozenset({"caption"}),
    "title": frozenset({"title_card", "scene_title"}),
    "label": frozenset({"lower_third"}),
    "badge": frozenset({"badge"}),
    "caption": frozenset({"caption"}),
    "voice": frozenset({"speech"}),
    "music": frozenset({"music"}),
}
"""Which source kinds each track kind holds."""


# --------------------------------------------------------------------------- clips


class Transition(BaseModel):
    """How a clip enters: a blend over ``length`` frames from what the track showed before."""

    model_config = ConfigDict(frozen=True)

    kind: TransitionKind = "crossfade"
    """``fade`` comes up from black; ``glitch`` is a short digital tear cut."""
    length: int = Field(ge=1)


class Clip(BaseModel):
    """A stretch of a source placed on a track. Frozen: edits make changed copies."""

    model_config = ConfigDict(frozen=True)

    id: UUID = Field(default_factory=uuid4)
    start: int
    """First timeline frame."""
    length: int
    """Number of frames (``end`` is exclusive)."""
    source_in: int = 0
    """First source frame shown."""
    source: Source
    transition_in: Transition | None = None
    keyframes: dict[str, list[Keyframe]] = Field(default_factory=dict)
    """Property name (see ``PROPERTY_DEFAULTS``) to keyframes sorted by source frame."""
    script_line: int | None = None
    """1-based script line the clip came from, so the studio can jump between text and clip."""

    @property
    def end(self) -> int:
        return self.start + self.length

    @property
    def source_out(self) -> int:
        """One past the last source frame shown."""
        return self.source_in + self.length

    def contains(self, frame: int) -> bool:
        return self.start <= frame < self.end

    def source_frame(self, frame: int) -> int:
        """The source frame shown at timeline ``frame``."""
        return self.source_in + (frame - self.start)

    def value_at(self, prop: str, frame: int) -> Value:
        """A keyframed property's value at timeline ``frame`` (its default without keyframes)."""
        default = PROPERTY_DEFAULTS.get(prop, 0.0)
        return interpolate(self.keyframes.get(prop, []), self.source_frame(frame), default)

    def transition_progress(self, frame: int) -> Fraction | None:
        """How far the incoming transition is at ``frame`` (0 < p <= 1), ``None`` outside it."""
        t = self.transition_in
        if t is None or not (self.start <= frame < self.start + t.length):
            return None
        return Fraction(frame - self.start + 1, t.length + 1)

    def problems(self, fps: Fraction) -> list[str]:
        """Why this clip is malformed on its own (empty when it is fine)."""
        out: list[str] = []
        if self.length < 1:
            out.append("length must be at least one frame")
        if self.start < 0:
            out.append("start must not be before frame 0")
        if self.source_in < 0:
            out.append("source_in must not be negative")
        limit = self.source.length_frames(fps)
        if limit is not None and self.source_out > limit:
            out.append(f"source range ends at {self.source_out}, past the source's {limit} frames")
        if self.transition_in is not None and self.transition_in.length > self.length:
            out.append("transition is longer than the clip")
        return out

    def content_hash(self) -> str:
        """A hash of what the clip shows, independent of its id and timeline position."""
        payload = self.model_dump(mode="json", exclude={"id", "start"})
        text = json.dumps(payload, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


class Track(BaseModel):
    """A row of clips of one kind, sorted by start, never overlapping."""

    id: UUID = Field(default_factory=uuid4)
    kind: TrackKind
    name: str = ""
    clips: list[Clip] = Field(default_factory=list)
    enabled: bool = True
    """A disabled track is neither drawn nor heard."""

    @model_validator(mode="after")
    def _sorted(self) -> Track:
        self.clips.sort(key=lambda c: c.start)
        return self

    @property
    def end(self) -> int:
        return max((c.end for c in self.clips), default=0)

    def clip_at(self, frame: int) -> Clip | None:
        """The clip covering ``frame``, if any (binary search)."""
        i = bisect_right(self.clips, frame, key=lambda c: c.start) - 1
        if i >= 0 and self.clips[i].contains(frame):
            return self.clips[i]
        return None

    def index_of(self, clip_id: UUID) -> int | None:
        for i, c in enumerate(self.clips):
            if c.id == clip_id:
                return i
        return None

    def overlaps(self, start: int, end: int, *, ignore: Iterable[UUID] = ()) -> bool:
        """True when any clip (other than those in ``ignore``) covers part of ``[start, end)``."""
        skip = set(ignore)
        return any(c.start < end and start < c.end for c in self.clips if c.id not in skip)

    def previous(self, clip: Clip) -> Clip | None:
        """The clip just before ``clip`` on this track."""
        i = self.index_of(clip.id)
        return self.clips[i - 1] if i else None


class Chapter(BaseModel):
    """A YouTube chapter: a scene's title and its first frame."""

    model_config = ConfigDict(frozen=True)

    title: str
    start: int
    line: int | None = None


class Timeline(BaseModel):
    """A whole video's timeline. Listeners (``subscribe``) hear about every edit."""

    version: int = 1
    fps_num: int = Field(default=30, ge=1)
    fps_den: int = Field(default=1, ge=1)
    width: int = Field(default=1920, ge=1)
    height: int = Field(default=1080, ge=1)
    title: str = ""
    tracks: list[Track] = Field(default_factory=list)
    chapters: list[Chapter] = Field(default_factory=list)
    look: LookSpec = Field(default_factory=LookSpec)
    """The visual style every on-screen element is drawn in."""
    burn_captions: bool = False
    """Captions are drawn into the picture (Shorts by default, or ``captions: burn``)."""

    _events: Observable[TimelineEvent] = PrivateAttr(default_factory=Observable)
    _where: dict[UUID, UUID] = PrivateAttr(default_factory=dict)

    @model_validator(mode="after")
    def _reduced_fps(self) -> Timeline:
        f = Fraction(self.fps_num, self.fps_den)
        self.fps_num, self.fps_den = f.numerator, f.denominator
        return self

    def __eq__(self, other: object) -> bool:
        # Compare the data only: listeners are not part of a timeline's value.
        if not isinstance(other, Timeline):
            return NotImplemented
        return self.__dict__ == other.__dict__

    __hash__ = None  # type: ignore[assignment]

    # ---- construction helpers

    @classmethod
    def create(cls, fps: Fraction | int, width: int, height: int, **fields: Any) -> Timeline:
        """A timeline at an exact frame rate."""
        f = Fraction(fps)
        return cls(fps_num=f.numerator, fps_den=f.denominator, width=width, height=height, **fields)

    @property
    def fps(self) -> Fraction:
        return Fraction(self.fps_num, self.fps_den)

    def snapshot(self) -> Timeline:
        """A deep copy with no listeners: what a render works on while editing continues."""
        return Timeline.model_validate(self.model_dump())

    # ---- events

    def subscribe(self, listener: Listener) -> Any:
        """Hear every change; returns a function that unsubscribes."""
        return self._events.subscribe(listener)

    def unsubscribe(self, listener: Listener) -> None:
        self._events.unsubscribe(listener)

    def notify(self, event: TimelineEvent) -> None:
        """Tell listeners about a change (edit commands call this after they mutate)."""
        self._events.emit(event)

    # ---- lookup

    def track(self, track_id: UUID) -> Track | None:
        for t in self.tracks:
            if t.id == track_id:
                return t
        return None

    def tracks_of(self, kind: str) -> list[Track]:
        return [t for t in self.tracks if t.kind == kind]

    def find(self, clip_id: UUID) -> tuple[Track, Clip] | None:
        """The track and clip with ``clip_id``, if present.

        A remembered clip -> track index makes this cheap during drags; every hit is
        checked against the track itself, so a stale index is rebuilt, never trusted.
        """
        track_id = self._where.get(clip_id)
        if track_id is not None:
            track = self.track(track_id)
            if track is not None:
                i = track.index_of(clip_id)
                if i is not None:
                    return track, track.clips[i]
        self._where = {c.id: t.id for t in self.tracks for c in t.clips}
        track_id = self._where.get(clip_id)
        if track_id is None:
            return None
        track = self.track(track_id)
        assert track is not None
        i = track.index_of(clip_id)
        return (track, track.clips[i]) if i is not None else None

    def clips(self) -> Iterator[tuple[Track, Clip]]:
        """Every clip with its track, track by track."""
        for t in self.tracks:
            for c in t.clips:
                yield t, c

    def clips_for_line(self, line: int) -> list[tuple[Track, Clip]]:
        """Clips made from script line ``line`` (the studio's text-to-timeline jump)."""
        return [(t, c) for t, c in self.clips() if c.script_line == line]

    # ---- frame queries

    @property
    def duration(self) -> int:
        """Frames from 0 to the end of the last clip."""
        return max((t.end for t in self.tracks), default=0)

    def clips_at(
        self, frame: int, *, kinds: Iterable[str] | None = None
    ) -> list[tuple[Track, Clip]]:
        """Clips covering ``frame``, bottom track first; disabled tracks are left out."""
        wanted = set(kinds) if kinds is not None else None
        out: list[tuple[Track, Clip]] = []
        for t in self.tracks:
            if not t.enabled or (wanted is not None and t.kind not in wanted):
                continue
            c = t.clip_at(frame)
            if c is not None:
                out.append((t, c))
        return out

    def value_at(self, clip: Clip, prop: str, frame: int) -> Value:
        """A keyframed property of ``clip`` at timeline ``frame``."""
        return clip.value_at(prop, frame)

    def is_moving(self, clip: Clip, frame: int) -> bool:
        """True when ``clip`` may draw ``frame`` differently from ``frame - 1``."""
        if clip.transition_progress(frame) is not None or clip.keyframes:
            return True
        src = clip.source
        if isinstance(src, TerminalSource):
            # Moving while the animation plays; finished and still afterwards.
            return clip.source_frame(frame) * 1000 <= src.play_ms * self.fps
        if isinstance(src, CaptionSource):
            return False  # changes only at word boundaries: frame_key carries the word index
        if isinstance(src, ImageSource | ProceduralSource) and src.ken_burns is not None:
            # A Ken Burns move that has reached its end holds still.
            return clip.source_frame(frame) <= src.ken_burns.frames
        return not src.is_static()

    def frame_key(self, frame: int) -> str:
        """A hash of everything that decides the picture at ``frame``.

        Two frames with the same key look identical, so the renderer can draw a stretch
        where nothing moves once and repeat it.
        """
        parts: list[Any] = []
        for t, c in self.clips_at(frame, kinds=VISUAL_TRACK_KINDS):
            state: Any = None
            if self.is_moving(c, frame):
                state = c.source_frame(frame)
            elif isinstance(c.source, CaptionSource):
                state = ("word", c.source.word_at(c.source_frame(frame)))
            parts.append((str(t.id), c.content_hash(), state))
        text = json.dumps(parts, separators=(",", ":"))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def content_hash(self, frame_range: tuple[int, int] | range | None = None) -> str:
        """A hash of everything that draws pixels in ``[start, end)`` (whole timeline if ``None``).

        Equal hashes mean that stretch renders identically, whatever edits happened elsewhere.
        """
        if frame_range is None:
            start, end = 0, self.duration
        elif isinstance(frame_range, range):
            start, end = frame_range.start, frame_range.stop
        else:
            start, end = frame_range
        parts: list[Any] = [self.width, self.height, self.fps_num, self.fps_den, start, end]
        for t in self.tracks:
            if not t.enabled or t.kind not in VISUAL_TRACK_KINDS:
                continue
            for c in t.clips:
                if c.start < end and start < c.end:
                    parts.append((str(t.id), c.start, c.length, c.content_hash()))
        text = json.dumps(parts, separators=(",", ":"))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def static_runs(self, start: int = 0, end: int | None = None) -> list[tuple[int, int, str]]:
        """``(first, end, key)`` stretches of frames whose pictures are identical."""
        stop = self.duration if end is None else end
        runs: list[tuple[int, int, str]] = []
        for f in range(start, stop):
            key = self.frame_key(f)
            if runs and runs[-1][2] == key and runs[-1][1] == f:
                runs[-1] = (runs[-1][0], f + 1, key)
            else:
                runs.append((f, f + 1, key))
        return runs

    def speech_regions(self) -> list[tuple[int, int]]:
        """Merged ``[start, end)`` frame spans where someone speaks: where music ducks."""
        spans = sorted(
            (c.start, c.end)
            for t in self.tracks
            if t.kind == "voice" and t.enabled
            for c in t.clips
        )
        merged: list[tuple[int, int]] = []
        for s, e in spans:
            if merged and s <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(merged[-1][1], e))
            else:
                merged.append((s, e))
        return merged

    def problems(self) -> list[str]:
        """Everything structurally wrong with the timeline (empty for a valid one)."""
        out: list[str] = []
        seen: set[UUID] = set()
        track_ids: set[UUID] = set()
        for t in self.tracks:
            if t.id in track_ids:
                out.append(f"track {t.id} appears twice")
            track_ids.add(t.id)
            accepts = TRACK_ACCEPTS[t.kind]
            prev: Clip | None = None
            for c in t.clips:
                if c.id in seen:
                    out.append(f"clip {c.id} appears twice")
                seen.add(c.id)
                out.extend(f"clip {c.id}: {p}" for p in c.problems(self.fps))
                if c.source.kind not in accepts:
                    out.append(f"clip {c.id}: a {c.source.kind} source on a {t.kind} track")
                if prev is not None and c.start < prev.end:
                    out.append(f"clip {c.id} overlaps clip {prev.id} on track {t.name or t.id}")
                prev = c
        return out


__all__ = [
    "PROPERTY_DEFAULTS",
    "SAMPLE_RATE",
    "TRACK_ACCEPTS",
    "TRACK_ORDER",
    "VISUAL_TRACK_KINDS",
    "BadgeSource",
    "CaptionSource",
    "CaptionWord",
    "Chapter",
    "Clip",
    "Easing",
    "ImageSource",
    "KenBurns",
    "Keyframe",
    "LowerThirdSource",
    "MusicSource",
    "ProceduralSource",
    "SceneTitleSource",
    "SlideItem",
    "SlideSource",
    "Source",
    "SpeechSource",
    "TerminalSource",
    "Timeline",
    "TitleCardSource",
    "Track",
    "TrackKind",
    "Transition",
    "Value",
    "VideoSource",
    "WordSpan",
    "ease",
    "interpolate",
]
