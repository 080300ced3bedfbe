"""Edit commands: every change to a timeline is an object that validates, applies, reverts, merges.

Each command turns its parameters into a list of clip replacements (old clip -> new clip,
either side may be absent). Applying removes the old clips and inserts the new ones;
reverting does the opposite, so the timeline returns to exactly its previous value.
``is_valid`` plans the same replacements on the side without touching the timeline, so
the studio can call it on every step of a drag. Commands name clips and tracks by UUID,
never by index. A ``merge_id`` lets successive drag steps fold into one undo step
(Shotcut's ``mergeWith``); ``transaction`` runs a group of edits and rolls them all back
if one fails (Pitivi's action log).
"""

from __future__ import annotations

import copy
from abc import ABC, abstractmethod
from bisect import insort
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import pairwise
from typing import Literal
from uuid import UUID, uuid4

from app.engine.timeline.events import TimelineEvent
from app.engine.timeline.model import TRACK_ACCEPTS, Clip, Timeline, Track


class InvalidEdit(ValueError):
    """An edit that would break the timeline (overlap, negative length, unknown id...)."""


@dataclass(frozen=True)
class Change:
    """One clip replaced: ``old`` leaves ``old_track``, ``new`` enters ``new_track``."""

    old_track: UUID | None
    old: Clip | None
    new_track: UUID | None
    new: Clip | None


class Command(ABC):
    """An undoable edit. Subclasses only say which clips change (``plan``)."""

    text: str = "Edit"

    def __init__(self, *, merge_id: str | None = None) -> None:
        self.merge_id = merge_id
        """Commands of one class with the same ``merge_id`` on the same clip merge (drags)."""
        self._applied: list[Change] | None = None

    @property
    def id(self) -> str | None:
        """The merge id (the architecture's command id for drags)."""
        return self.merge_id

    @abstractmethod
    def plan(self, timeline: Timeline) -> list[Change]:
        """The clip replacements this edit makes on ``timeline``; raises ``InvalidEdit``."""

    # ---- checking

    def problems(self, timeline: Timeline) -> list[str]:
        """Why the edit cannot be applied now (empty when it can). Pure."""
        try:
            changes = self.plan(timeline)
        except InvalidEdit as exc:
            return [str(exc)]
        return check_changes(timeline, changes)

    def is_valid(self, timeline: Timeline) -> bool:
        """True when ``apply`` would succeed. Pure and cheap: safe to call during a drag."""
        return not self.problems(timeline)

    # ---- doing

    @property
    def applied(self) -> bool:
        return self._applied is not None

    def apply(self, timeline: Timeline) -> None:
        """Make the edit, or raise ``InvalidEdit`` and leave the timeline untouched."""
        if self._applied is not None:
            raise InvalidEdit(f"{self.text}: already applied")
        changes = self.plan(timeline)
        problems = check_changes(timeline, changes)
        if problems:
            raise InvalidEdit(f"{self.text}: " + "; ".join(problems))
        _swap(timeline, changes, forward=True)
        self._applied = changes

    def revert(self, timeline: Timeline) -> None:
        """Undo the edit, restoring the timeline's previous value exactly."""
        if self._applied is None:
            raise InvalidEdit(f"{self.text}: not applied, nothing to revert")
        _swap(timeline, self._applied, forward=False)
        self._applied = None

    # ---- merging

    def merge_with(self, other: Command) -> bool:
        """Fold ``other`` (applied just after this one) into this command; True when merged.

        After a merge, ``revert`` undoes both, and a later ``apply`` redoes both.
        """
        if (
            self.merge_id is None
            or other.merge_id != self.merge_id
            or type(other) is not type(self)
            or self._applied is None
            or other._applied is None
            or not self._absorb(other)
        ):
            return False
        self._applied = _compose(self._applied, other._applied)
        other._applied = None
        return True

    def _absorb(self, other: Command) -> bool:
        """Take ``other``'s target parameters; False when the two cannot be one edit."""
        return False


# --------------------------------------------------------------------------- helpers


def _locate(timeline: Timeline, clip_id: UUID) -> tuple[Track, Clip]:
    found = timeline.find(clip_id)
    if found is None:
        raise InvalidEdit(f"no clip with id {clip_id}")
    return found


def _track(timeline: Timeline, track_id: UUID) -> Track:
    track = timeline.track(track_id)
    if track is None:
        raise InvalidEdit(f"no track with id {track_id}")
    return track


def check_changes(timeline: Timeline, changes: list[Change]) -> list[str]:
    """Problems the timeline would have after ``changes``, looking only at the tracks touched."""
    removed: dict[UUID, set[UUID]] = {}
    added: dict[UUID, list[Clip]] = {}
    for ch in changes:
        if ch.old is not None and ch.old_track is not None:
            removed.setdefault(ch.old_track, set()).add(ch.old.id)
        if ch.new is not None and ch.new_track is not None:
            added.setdefault(ch.new_track, []).append(ch.new)
    problems: list[str] = []
    all_removed = {cid for ids in removed.values() for cid in ids}
    new_ids = [c.id for clips in added.values() for c in clips]
    if len(new_ids) != len(set(new_ids)):
        problems.append("the same clip id is added twice")
    for cid in new_ids:
        if cid not in all_removed and timeline.find(cid) is not None:
            problems.append(f"clip id {cid} is already on the timeline")
    fps = timeline.fps
    for track_id in set(removed) | set(added):
        track = timeline.track(track_id)
        if track is None:
            problems.append(f"no track with id {track_id}")
            continue
        gone = removed.get(track_id, set())
        for c in added.get(track_id, []):
            problems.extend(c.problems(fps))
            if c.source.kind not in TRACK_ACCEPTS[track.kind]:
                problems.append(f"a {c.source.kind} clip cannot go on a {track.kind} track")
        result = sorted(
            [c for c in track.clips if c.id not in gone] + added.get(track_id, []),
            key=lambda c: c.start,
        )
        for a, b in pairwise(result):
            if b.start < a.end:
                problems.append(
                    f"clips would overlap on track {track.name or track.kind} "
                    f"(frames {b.start}..{min(a.end, b.end) - 1})"
                )
                break
    return problems


def _remove(track: Track, clip_id: UUID) -> None:
    i = track.index_of(clip_id)
    if i is None:
        raise InvalidEdit(f"clip {clip_id} is not on track {track.id}")
    del track.clips[i]


def _swap(timeline: Timeline, changes: list[Change], *, forward: bool) -> None:
    """Remove one side of ``changes`` and insert the other, then tell listeners."""
    pairs = [
        (ch.old_track, ch.old, ch.new_track, ch.new)
        if forward
        else (ch.new_track, ch.new, ch.old_track, ch.old)
        for ch in changes
    ]
    for out_track, out_clip, _, _ in pairs:
        if out_clip is not None and out_track is not None:
            _remove(_track(timeline, out_track), out_clip.id)
    for _, _, in_track, in_clip in pairs:
        if in_clip is not None and in_track is not None:
            insort(_track(timeline, in_track).clips, in_clip, key=lambda c: c.start)
    for out_track, out_clip, in_track, in_clip in pairs:
        if out_clip is not None and in_clip is not None and out_track == in_track:
            timeline.notify(TimelineEvent("clip_changed", in_track, in_clip.id))
            continue
        if out_clip is not None:
            timeline.notify(TimelineEvent("clip_removed", out_track, out_clip.id))
        if in_clip is not None:
            timeline.notify(TimelineEvent("clip_added", in_track, in_clip.id))


def _compose(first: list[Change], second: list[Change]) -> list[Change]:
    """One list of changes with the effect of ``first`` then ``second``."""
    by_new = {ch.new.id: i for i, ch in enumerate(first) if ch.new is not None}
    out: list[Change | None] = list(first)
    for ch in second:
        if ch.old is not None and ch.old.id in by_new:
            i = by_new[ch.old.id]
            prior = out[i]
            assert prior is not None
            merged = Change(prior.old_track, prior.old, ch.new_track, ch.new)
            out[i] = None if merged.old is None and merged.new is None else merged
        else:
            out.append(ch)
    return [ch for ch in out if ch is not None]


# --------------------------------------------------------------------------- commands


class InsertClip(Command):
    """Put a new clip on a track."""

    text = "Insert clip"

    def __init__(self, track_id: UUID, clip: Clip, *, merge_id: str | None = None) -> None:
        super().__init__(merge_id=merge_id)
        self.track_id = track_id
        self.clip = clip

    def plan(self, timeline: Timeline) -> list[Change]:
        _track(timeline, self.track_id)
        return [Change(None, None, self.track_id, self.clip)]


class MoveClip(Command):
    """Move a clip to another start frame, optionally onto another track."""

    text = "Move clip"

    def __init__(
        self,
        clip_id: UUID,
        start: int,
        track_id: UUID | None = None,
        *,
        merge_id: str | None = None,
    ) -> None:
        super().__init__(merge_id=merge_id)
        self.clip_id = clip_id
        self.start = start
        self.track_id = track_id

    def plan(self, timeline: Timeline) -> list[Change]:
        track, clip = _locate(timeline, self.clip_id)
        target = self.track_id or track.id
        _track(timeline, target)
        return [Change(track.id, clip, target, clip.model_copy(update={"start": self.start}))]

    def _absorb(self, other: Command) -> bool:
        assert isinstance(other, MoveClip)
        if other.clip_id != self.clip_id:
            return False
        self.start = other.start
        if other.track_id is not None:  # None means "where the first move put it"
            self.track_id = other.track_id
        return True


class TrimClip(Command):
    """Move a clip's start or end edge to a timeline frame, keeping the rest of it in place.

    Trimming the start also moves ``source_in`` so the frames that stay keep their content.
    """

    text = "Trim clip"

    def __init__(
        self,
        clip_id: UUID,
        side: Literal["start", "end"],
        frame: int,
        *,
        merge_id: str | None = None,
    ) -> None:
        super().__init__(merge_id=merge_id)
        self.clip_id = clip_id
        self.side = side
        self.frame = frame

    def plan(self, timeline: Timeline) -> list[Change]:
        track, clip = _locate(timeline, self.clip_id)
        if self.side == "start":
            delta = self.frame - clip.start
            new = clip.model_copy(
                update={
                    "start": self.frame,
                    "length": clip.length - delta,
                    "source_in": clip.source_in + delta,
                }
            )
        else:
            new = clip.model_copy(update={"length": self.frame - clip.start})
        return [Change(track.id, clip, track.id, new)]

    def _absorb(self, other: Command) -> bool:
        assert isinstance(other, TrimClip)
        if other.clip_id != self.clip_id or other.side != self.side:
            return False
        self.frame = other.frame
        return True


class SplitClip(Command):
    """Cut a clip in two at a timeline frame; the right half gets ``new_id``.

    The halves show the same source frames as before (source continuity), so the total
    length and every frame's picture stay the same.
    """

    text = "Split clip"

    def __init__(
        self,
        clip_id: UUID,
        frame: int,
        *,
        new_id: UUID | None = None,
        merge_id: str | None = None,
    ) -> None:
        super().__init__(merge_id=merge_id)
        self.clip_id = clip_id
        self.frame = frame
        self.new_id = new_id or uuid4()
        """Fixed at construction so a redo recreates the same clip later commands name."""

    def plan(self, timeline: Timeline) -> list[Change]:
        track, clip = _locate(timeline, self.clip_id)
        if not (clip.start < self.frame < clip.end):
            raise InvalidEdit(
                f"split frame {self.frame} is not inside the clip (frames {clip.start}..{clip.end - 1})"
            )
        left = clip.model_copy(update={"length": self.frame - clip.start})
        right = clip.model_copy(
            update={
                "id": self.new_id,
                "start": self.frame,
                "length": clip.end - self.frame,
                "source_in": clip.source_frame(self.frame),
                "transition_in": None,
            }
        )
        return [Change(track.id, clip, track.id, left), Change(None, None, track.id, right)]


class DeleteClip(Command):
    """Remove a clip, leaving a gap."""

    text = "Delete clip"

    def __init__(self, clip_id: UUID, *, merge_id: str | None = None) -> None:
        super().__init__(merge_id=merge_id)
        self.clip_id = clip_id

    def plan(self, timeline: Timeline) -> list[Change]:
        track, clip = _locate(timeline, self.clip_id)
        return [Change(track.id, clip, None, None)]


class RippleDelete(Command):
    """Remove a clip and pull the later clips on the same track left to close its gap.

    Other tracks are left alone (their sync with this track is the editor's choice).
    """

    text = "Ripple delete"

    def __init__(self, clip_id: UUID, *, merge_id: str | None = None) -> None:
        super().__init__(merge_id=merge_id)
        self.clip_id = clip_id

    def plan(self, timeline: Timeline) -> list[Change]:
        track, clip = _locate(timeline, self.clip_id)
        changes = [Change(track.id, clip, None, None)]
        for later in track.clips:
            if later.start >= clip.end:
                moved = later.model_copy(update={"start": later.start - clip.length})
                changes.append(Change(track.id, later, track.id, moved))
        return changes


class UpdateClip(Command):
    """Replace some of a clip's fields (keyframes, transition, source) in one undoable step.

    ``fields`` are validated by building the new clip, so a bad value is an ``InvalidEdit``.
    """

    text = "Change clip"

    def __init__(self, clip_id: UUID, *, merge_id: str | None = None, **fields: object) -> None:
        super().__init__(merge_id=merge_id)
        if "id" in fields:
            raise InvalidEdit("a clip's id cannot be changed")
        self.clip_id = clip_id
        self.fields = fields

    def plan(self, timeline: Timeline) -> list[Change]:
        track, clip = _locate(timeline, self.clip_id)
        data = clip.model_dump()
        data.update(self.fields)
        try:
            new = Clip.model_validate(data)
        except ValueError as exc:
            raise InvalidEdit(f"invalid clip fields: {exc}") from exc
        return [Change(track.id, clip, track.id, new)]

    def _absorb(self, other: Command) -> bool:
        assert isinstance(other, UpdateClip)
        if other.clip_id != self.clip_id:
            return False
        self.fields = {**self.fields, **other.fields}
        return True


class Group(Command):
    """Several commands as one undo step (what ``transaction`` builds)."""

    def __init__(self, text: str = "Edit", commands: list[Command] | None = None) -> None:
        super().__init__()
        self.text = text
        self.commands: list[Command] = list(commands or [])
        self._done = False
        self.timeline: Timeline | None = None
        """The timeline ``run`` edits when none is passed (set by ``transaction``)."""

    def plan(self, timeline: Timeline) -> list[Change]:
        # A group's steps depend on one another, so it is checked by applying, not planning.
        raise InvalidEdit("a group is applied step by step")

    def problems(self, timeline: Timeline) -> list[str]:
        trial = timeline.snapshot()
        try:
            for cmd in self.commands:
                copy = _fresh(cmd)
                copy.apply(trial)
        except InvalidEdit as exc:
            return [str(exc)]
        return []

    @property
    def applied(self) -> bool:
        return self._done

    def run(self, command: Command, timeline: Timeline | None = None) -> None:
        """Apply ``command`` now and make it part of this group."""
        target = timeline or self.timeline
        if target is None:
            raise InvalidEdit("Group.run needs a timeline (or use transaction())")
        command.apply(target)
        self.commands.append(command)
        self._done = True

    def apply(self, timeline: Timeline) -> None:
        if self._done:
            raise InvalidEdit(f"{self.text}: already applied")
        done: list[Command] = []
        try:
            for cmd in self.commands:
                cmd.apply(timeline)
                done.append(cmd)
        except BaseException:
            for cmd in reversed(done):
                cmd.revert(timeline)
            raise
        self._done = True

    def revert(self, timeline: Timeline) -> None:
        if not self._done:
            raise InvalidEdit(f"{self.text}: not applied, nothing to revert")
        for cmd in reversed(self.commands):
            if cmd.applied:
                cmd.revert(timeline)
        self._done = False

    def merge_with(self, other: Command) -> bool:
        return False


class ReplaceContent(Command):
    """Swap a timeline's whole content for another's: laying the script out again (after
    synthesis, say) as one undoable step, without views losing their subscription."""

    text = "Lay out again"

    def __init__(self, replacement: Timeline) -> None:
        super().__init__()
        self.replacement = replacement.snapshot()
        self._old: dict[str, object] | None = None

    def plan(self, timeline: Timeline) -> list[Change]:
        raise InvalidEdit("the whole content is replaced at once")

    def problems(self, timeline: Timeline) -> list[str]:
        return self.replacement.problems()

    @property
    def applied(self) -> bool:
        return self._old is not None

    def apply(self, timeline: Timeline) -> None:
        if self._old is not None:
            raise InvalidEdit(f"{self.text}: already applied")
        problems = self.problems(timeline)
        if problems:
            raise InvalidEdit(f"{self.text}: " + "; ".join(problems))
        fresh = self.replacement.snapshot()
        names = list(Timeline.model_fields)
        self._old = {name: getattr(timeline, name) for name in names}
        for name in names:
            setattr(timeline, name, getattr(fresh, name))
        timeline.notify(TimelineEvent("reset"))

    def revert(self, timeline: Timeline) -> None:
        if self._old is None:
            raise InvalidEdit(f"{self.text}: not applied, nothing to revert")
        for name, value in self._old.items():
            setattr(timeline, name, value)
        self._old = None
        timeline.notify(TimelineEvent("reset"))

    def merge_with(self, other: Command) -> bool:
        return False


def _fresh(cmd: Command) -> Command:
    """An unapplied copy of ``cmd`` (for a group's dry run)."""
    clone = copy.copy(cmd)
    clone._applied = None
    if isinstance(cmd, Group) and isinstance(clone, Group):
        clone.commands = [_fresh(c) for c in cmd.commands]
        clone._done = False
    return clone


@contextmanager
def transaction(timeline: Timeline, text: str = "Edit") -> Iterator[Group]:
    """Run edits as one group: ``with transaction(tl) as tx: tx.run(cmd)``.

    If anything inside raises, every edit made so far is reverted and the error re-raised,
    leaving the timeline exactly as it was. On success the group is applied; push it on a
    ``History`` with ``applied=True`` to undo it as one step.
    """
    group = Group(text)
    group.timeline = timeline
    try:
        yield group
    except BaseException:
        if group.applied:
            group.revert(timeline)
        raise


class History:
    """An undo/redo stack of commands for the engine (the studio wraps it in ``QUndoStack``)."""

    def __init__(self, timeline: Timeline) -> None:
        self.timeline = timeline
        self.undo_stack: list[Command] = []
        self.redo_stack: list[Command] = []

    def push(self, command: Command, *, applied: bool = False) -> None:
        """Apply ``command`` (unless ``applied``) and record it, merging into the last step."""
        if not applied:
            command.apply(self.timeline)
        self.redo_stack.clear()
        if self.undo_stack and self.undo_stack[-1].merge_with(command):
            return
        self.undo_stack.append(command)

    @property
    def can_undo(self) -> bool:
        return bool(self.undo_stack)

    @property
    def can_redo(self) -> bool:
        return bool(self.redo_stack)

    def undo(self) -> Command:
        """Revert the last step; ``IndexError`` when there is none."""
        cmd = self.undo_stack.pop()
        cmd.revert(self.timeline)
        self.redo_stack.append(cmd)
        return cmd

    def redo(self) -> Command:
        """Re-apply the last undone step."""
        cmd = self.redo_stack.pop()
        cmd.apply(self.timeline)
        self.undo_stack.append(cmd)
        return cmd


__all__ = [
    "Change",
    "Command",
    "DeleteClip",
    "Group",
    "History",
    "InsertClip",
    "InvalidEdit",
    "MoveClip",
    "ReplaceContent",
    "RippleDelete",
    "SplitClip",
    "TrimClip",
    "UpdateClip",
    "check_changes",
    "transaction",
]
