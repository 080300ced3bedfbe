"""Hand edits of a laid-out timeline, kept as overrides that survive laying it out again.

The timeline the studio shows is always ``auto_layout(script, ...)`` with the user's
hand edits applied on top. A hand edit is not a changed copy of the whole timeline (that
would freeze it: lines written later would never appear); it is an :class:`Override`
keyed by what stays the same when the script is laid out again:

- the clip's script line (``line``), the kind of track it is on (``track``) and its
  ordinal among that line's clips of that kind (``k``), and
- the ``piece`` of the clip, in frames from the clip's start: 0 is the clip itself and
  a split adds a piece starting where the cut was made.

Each override says what changed against the laid-out piece: ``shift`` (frames later),
``trim_in`` / ``trim_out`` (frames cut from the start / end; negative lengthens) and
``deleted``. Line numbers refer to ``TimelineOverrides.script``, the text they were made
on; when the text changes they follow their lines through a line diff, so a line added
above an edited clip does not move the edit onto another clip. An override whose line is
gone, or whose edit no longer fits beside its neighbours, is left out and reported.

Composed clips get ids derived from their key, so the same clip keeps its id across
layouts: selections, the undo stack and the preview's caches stay valid.
"""

from __future__ import annotations

import difflib
from collections import defaultdict
from dataclasses import dataclass
from itertools import pairwise
from typing import Any, Literal, NamedTuple
from uuid import UUID, uuid5

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from app.engine.timeline.model import Clip, Timeline, Track
from app.engine.timeline.persist import TimelineStore

FORMAT: Literal["castline.timeline-overrides"] = "castline.timeline-overrides"
"""Marks the stored JSON as overrides (older versions stored a whole edited timeline)."""

_NAMESPACE = UUID("6f0c3c1e-8f7a-4b43-9d55-1f0b8f1c2a77")


class ClipKey(NamedTuple):
    """What names a laid-out clip across layouts: script line, track kind, ordinal."""

    line: int
    track: str
    k: int


class Override(BaseModel):
    """One piece of one laid-out clip, as the user edited it."""

    model_config = ConfigDict(frozen=True)

    line: int = Field(ge=0)
    """1-based script line of the clip (0 for a clip made from no line)."""
    track: str
    """The kind of track the clip is on (``voice``, ``terminal``...)."""
    k: int = Field(default=0, ge=0)
    """Which of that line's clips of that kind, in time order."""
    piece: int = Field(default=0, ge=0)
    """Frames from the clip's start to this piece's start; more than 0 records a split."""
    shift: int = 0
    trim_in: int = 0
    trim_out: int = 0
    deleted: bool = False

    @property
    def key(self) -> ClipKey:
        return ClipKey(self.line, self.track, self.k)

    @property
    def changes_timing(self) -> bool:
        return bool(self.shift or self.trim_in or self.trim_out or self.deleted)

    def describe(self) -> str:
        """``line 27, terminal clip`` (``piece 2`` when split)."""
        where = "" if self.piece == 0 else f" (the piece after the cut at frame {self.piece})"
        return f"line {self.line}, {self.track} clip{where}"


class AddedClip(BaseModel):
    """A clip the user put on the timeline by hand (media dropped from the bin): it comes
    from no script line, so it is kept whole, on its kind of track."""

    model_config = ConfigDict(frozen=True)

    track: str
    clip: Clip

    def describe(self) -> str:
        return f"the {self.clip.source.kind} clip added by hand at frame {self.clip.start}"


class TimelineOverrides(BaseModel):
    """Every hand edit of a project's timeline, and the script text their lines refer to."""

    model_config = ConfigDict(frozen=True)

    format: Literal["castline.timeline-overrides"] = FORMAT
    version: Literal[1] = 1
    script: str = ""
    items: tuple[Override, ...] = ()
    added: tuple[AddedClip, ...] = ()

    @property
    def empty(self) -> bool:
        return not self.items and not self.added

    def edits(self) -> int:
        """How many pieces were changed or added by hand (splits count once per new piece)."""
        changed = sum(1 for o in self.items if o.changes_timing or o.piece > 0)
        return changed + len(self.added)


@dataclass(frozen=True)
class Dropped:
    """An override that could not be applied, and why (for the user to read)."""

    override: Override | AddedClip
    reason: str

    @property
    def message(self) -> str:
        return f"hand edit of {self.override.describe()} left out: {self.reason}"


@dataclass
class Composed:
    """The timeline to show: the layout with the overrides applied."""

    timeline: Timeline
    overrides: TimelineOverrides
    """The overrides with their lines moved to the current text."""
    dropped: list[Dropped]


# --------------------------------------------------------------------------- ids


def piece_id(key: ClipKey, piece: int = 0) -> UUID:
    """The id a composed clip has: the same for the same key in every layout."""
    return uuid5(_NAMESPACE, f"{key.line}/{key.track}/{key.k}/{piece}")


def track_id(kind: str, lane: int = 0) -> UUID:
    return uuid5(_NAMESPACE, f"track/{kind}/{lane}")


def clip_keys(timeline: Timeline) -> dict[ClipKey, tuple[Track, Clip]]:
    """Every clip of a laid-out timeline by its key (ordinals count in time order)."""
    out: dict[ClipKey, tuple[Track, Clip]] = {}
    counts: dict[tuple[int, str], int] = defaultdict(int)
    ordered = sorted(timeline.clips(), key=lambda tc: (tc[0].kind, tc[1].start))
    for track, clip in ordered:
        line = clip.script_line or 0
        k = counts[(line, track.kind)]
        counts[(line, track.kind)] += 1
        out[ClipKey(line, track.kind, k)] = (track, clip)
    return out


# --------------------------------------------------------------------------- lines


def line_map(old: str, new: str) -> dict[int, int]:
    """Where each 1-based line of ``old`` is in ``new``; lines that are gone are absent.

    A line edited in place (a replaced run of the same number of lines) keeps its place,
    so rewording a line keeps its hand edits.
    """
    a, b = old.split("\n"), new.split("\n")
    if a == b:
        return {i: i for i in range(1, len(a) + 1)}
    out: dict[int, int] = {}
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal" or (tag == "replace" and i2 - i1 == j2 - j1):
            for d in range(i2 - i1):
                out[i1 + d + 1] = j1 + d + 1
    return out


def remap(overrides: TimelineOverrides, text: str) -> tuple[TimelineOverrides, list[Dropped]]:
    """The overrides with their lines moved to ``text``; those whose line is gone are dropped."""
    if overrides.script == text or not overrides.items:
        return overrides.model_copy(update={"script": text}), []
    mapping = line_map(overrides.script, text)
    mapping[0] = 0
    kept: list[Override] = []
    dropped: list[Dropped] = []
    for o in overrides.items:
        line = mapping.get(o.line)
        if line is None:
            dropped.append(Dropped(o, f"line {o.line} is no longer in the script"))
        else:
            kept.append(o if line == o.line else o.model_copy(update={"line": line}))
    return TimelineOverrides(script=text, items=tuple(kept)), dropped


# --------------------------------------------------------------------------- composing


@dataclass
class _Piece:
    key: ClipKey
    start: int
    """Frames from the laid-out clip's start."""
    end: int
    clip: Clip
    """The piece as laid out, before any edit."""
    kind: str


def _pieces(
    base: Timeline, overrides: TimelineOverrides
) -> tuple[dict[ClipKey, list[_Piece]], list[Dropped]]:
    """Every laid-out clip cut into its pieces (one piece when it was never split)."""
    keyed = clip_keys(base)
    cuts: dict[ClipKey, set[int]] = defaultdict(set)
    dropped: list[Dropped] = []
    for o in overrides.items:
        found = keyed.get(o.key)
        if found is None:
            dropped.append(Dropped(o, f"line {o.line} has no {o.track} clip now"))
        elif o.piece > 0:
            if o.piece < found[1].length:
                cuts[o.key].add(o.piece)
            else:
                dropped.append(Dropped(o, "the clip is now shorter than where it was cut"))
    out: dict[ClipKey, list[_Piece]] = {}
    for key, (track, clip) in keyed.items():
        bounds = [0, *sorted(cuts.get(key, ())), clip.length]
        pieces: list[_Piece] = []
        for a, b in pairwise(bounds):
            update: dict[str, Any] = {
                "id": piece_id(key, a),
                "start": clip.start + a,
                "length": b - a,
                "source_in": clip.source_in + a,
            }
            if a > 0 or (clip.transition_in is not None and clip.transition_in.length > b - a):
                update["transition_in"] = None
            pieces.append(_Piece(key, a, b, clip.model_copy(update=update), track.kind))
        out[key] = pieces
    return out, dropped


def _edited(piece: Clip, o: Override) -> Clip:
    return piece.model_copy(
        update={
            "start": piece.start + o.shift + o.trim_in,
            "source_in": piece.source_in + o.trim_in,
            "length": piece.length - o.trim_in - o.trim_out,
        }
    )


def _fits(track: list[Clip], clip: Clip, ignore: UUID) -> bool:
    return not any(c.start < clip.end and clip.start < c.end for c in track if c.id != ignore)


def compose(base: Timeline, overrides: TimelineOverrides, text: str | None = None) -> Composed:
    """``base`` (a fresh layout of ``text``) with ``overrides`` applied.

    ``text`` is the script ``base`` was laid out from; the overrides' lines are moved to it
    first. Deletions apply first, then moves and trims, each only where it fits: an edit
    that would overlap another clip, run past its source or shrink to nothing is left
    out and reported, and the clip stays where the layout put it.
    """
    dropped: list[Dropped] = []
    if text is not None:
        overrides, dropped = remap(overrides, text)
    pieces, missing = _pieces(base, overrides)
    dropped += missing
    by_piece = {(o.key, o.piece): o for o in overrides.items}
    placed: dict[str, list[Clip]] = defaultdict(list)
    for key_pieces in pieces.values():
        for p in key_pieces:
            o = by_piece.get((p.key, p.start))
            if o is None or not o.deleted:
                placed[p.kind].append(p.clip)
    pending: list[tuple[Override, Clip]] = []
    for key_pieces in pieces.values():
        for p in key_pieces:
            o = by_piece.get((p.key, p.start))
            if o is not None and not o.deleted and (o.shift or o.trim_in or o.trim_out):
                pending.append((o, p.clip))
    fps = base.fps
    while pending:
        waiting: list[tuple[Override, Clip]] = []
        for o, clip in pending:
            new = _edited(clip, o)
            problems = new.problems(fps)
            if problems:
                dropped.append(Dropped(o, problems[0]))
                continue
            track = placed[o.track]
            if _fits(track, new, clip.id):
                track[:] = [new if c.id == clip.id else c for c in track]
            else:
                waiting.append((o, clip))
        if len(waiting) == len(pending):
            dropped += [Dropped(o, "it would overlap another clip now") for o, _c in waiting]
            break
        pending = waiting
    for added in overrides.added:
        problems = added.clip.problems(fps)
        if problems:
            dropped.append(Dropped(added, problems[0]))
        elif not any(t.kind == added.track for t in base.tracks):
            dropped.append(Dropped(added, f"the timeline has no {added.track} track"))
        elif _fits(placed[added.track], added.clip, added.clip.id):
            placed[added.track].append(added.clip)
        else:
            dropped.append(Dropped(added, "it would overlap a clip of the script now"))
    tracks: list[Track] = []
    lanes: dict[str, int] = defaultdict(int)
    for t in base.tracks:
        lane = lanes[t.kind]
        lanes[t.kind] += 1
        clips = placed.pop(t.kind, []) if lane == 0 else []
        tracks.append(
            Track(
                id=track_id(t.kind, lane),
                kind=t.kind,
                name=t.name,
                enabled=t.enabled,
                clips=sorted(clips, key=lambda c: c.start),
            )
        )
    fields = {name: getattr(base, name) for name in Timeline.model_fields if name != "tracks"}
    timeline = Timeline(**fields, tracks=tracks)
    return Composed(timeline, overrides, dropped)


# --------------------------------------------------------------------------- deriving


def derive(
    base: Timeline, edited: Timeline, previous: TimelineOverrides, text: str
) -> TimelineOverrides:
    """The overrides that turn ``base`` (laid out from ``text``) into ``edited``.

    ``edited`` is a composed timeline after an edit command: its clips carry the ids
    :func:`compose` gave them, except the right half of a fresh split, which is found by
    its source (the same as the clip it was cut from) and becomes a new piece. Only
    timing is recorded (position, trims, deletion, splits).
    """
    current, _ = remap(previous, text)
    pieces, _ = _pieces(base, current)
    known: dict[UUID, tuple[ClipKey, int]] = {
        p.clip.id: (p.key, p.start) for ps in pieces.values() for p in ps
    }
    keyed = clip_keys(base)
    present: dict[tuple[ClipKey, int], Clip] = {}
    cuts: dict[ClipKey, set[int]] = defaultdict(set)
    for key, ps in pieces.items():
        cuts[key].update(p.start for p in ps if p.start > 0)
    added: list[AddedClip] = []
    for track, clip in edited.clips():
        where = known.get(clip.id)
        if where is None:
            where = _split_origin(keyed, track.kind, clip)
            if where is None:  # from no script line: a clip the user added
                added.append(AddedClip(track=track.kind, clip=clip))
                continue
            cuts[where[0]].add(where[1])
        present[where] = clip
    items: list[Override] = []
    for key, (_track, laid) in sorted(keyed.items()):
        bounds = [0, *sorted(cuts.get(key, ())), laid.length]
        for a, b in pairwise(bounds):
            shown = present.get((key, a))
            if shown is None:
                items.append(
                    Override(line=key.line, track=key.track, k=key.k, piece=a, deleted=True)
                )
                continue
            trim_in = shown.source_in - (laid.source_in + a)
            shift = shown.start - (laid.start + a) - trim_in
            trim_out = (laid.source_in + b) - shown.source_out
            if shift or trim_in or trim_out or a > 0:
                items.append(
                    Override(
                        line=key.line,
                        track=key.track,
                        k=key.k,
                        piece=a,
                        shift=shift,
                        trim_in=trim_in,
                        trim_out=trim_out,
                    )
                )
    return TimelineOverrides(script=text, items=tuple(items), added=tuple(added))


def _split_origin(
    keyed: dict[ClipKey, tuple[Track, Clip]], kind: str, clip: Clip
) -> tuple[ClipKey, int] | None:
    """The laid-out clip a fresh split piece was cut from, and where (frames from its start)."""
    for key, (_track, laid) in keyed.items():
        if (
            key.track == kind
            and key.line == (clip.script_line or 0)
            and laid.source == clip.source
            and laid.source_in < clip.source_in < laid.source_out
        ):
            return key, clip.source_in - laid.source_in
    return None


# --------------------------------------------------------------------------- storing


class OverridesDataError(ValueError):
    """Stored hand edits that cannot be read."""


def save_overrides(store: TimelineStore, project_id: str, overrides: TimelineOverrides) -> None:
    """Keep the project's hand edits (an empty set says the timeline follows the script)."""
    store.save_timeline(project_id, overrides.model_dump(mode="json"))


def load_overrides(store: TimelineStore, project_id: str) -> TimelineOverrides | None:
    """The project's hand edits; ``None`` when it has none stored.

    Raises :class:`OverridesDataError` for data this version cannot use, including a
    whole edited timeline saved by an older version (which froze the timeline: its
    lines could not follow the script).
    """
    data = store.load_timeline(project_id)
    if data is None:
        return None
    if data.get("format") != FORMAT:
        raise OverridesDataError(
            "the timeline saved by an older version of Castline cannot follow the script; "
            "it was set aside and the timeline is laid out from the script"
        )
    try:
        return TimelineOverrides.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ())) or "overrides"
        raise OverridesDataError(
            f"the saved hand edits cannot be read ({where}: {first.get('msg')}); "
            "the timeline is laid out from the script"
        ) from exc


__all__ = [
    "FORMAT",
    "ClipKey",
    "Composed",
    "Dropped",
    "Override",
    "OverridesDataError",
    "TimelineOverrides",
    "clip_keys",
    "compose",
    "derive",
    "line_map",
    "load_overrides",
    "piece_id",
    "remap",
    "save_overrides",
    "track_id",
]
