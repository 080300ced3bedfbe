"""Property test: any sequence of edits, reverted in reverse order, gives back the original."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from app.engine.timeline import Clip, ImageSource, Timeline
from app.engine.timeline.commands import (
    Command,
    DeleteClip,
    History,
    InsertClip,
    InvalidEdit,
    MoveClip,
    RippleDelete,
    SplitClip,
    TrimClip,
)
from tests.engine.timeline.helpers import dump, sample_timeline

KINDS = ("insert", "move", "trim-start", "trim-end", "split", "delete", "ripple")


def _make(tl: Timeline, kind: str, pick: int, frame: int, track_pick: int) -> Command | None:
    clips = list(tl.clips())
    track = tl.tracks[track_pick % len(tl.tracks)]
    if kind == "insert":
        return InsertClip(
            track.id, Clip(start=frame, length=1 + pick % 40, source=ImageSource(path="/p.png"))
        )
    if not clips:
        return None
    _t, clip = clips[pick % len(clips)]
    if kind == "move":
        return MoveClip(
            clip.id, frame, track.id if track_pick % 2 else None, merge_id=f"m{pick % 2}"
        )
    if kind == "trim-start":
        return TrimClip(clip.id, "start", frame, merge_id="t")
    if kind == "trim-end":
        return TrimClip(clip.id, "end", frame, merge_id="t")
    if kind == "split":
        return SplitClip(clip.id, frame)
    if kind == "delete":
        return DeleteClip(clip.id)
    return RippleDelete(clip.id)


@settings(max_examples=60, deadline=None)
@given(
    steps=st.lists(
        st.tuples(
            st.sampled_from(KINDS),
            st.integers(0, 50),
            st.integers(-20, 320),
            st.integers(0, 5),
        ),
        max_size=25,
    )
)
def test_random_edits_reverted_in_reverse_restore_the_original(
    steps: list[tuple[str, int, int, int]],
) -> None:
    tl = sample_timeline()
    original = dump(tl)
    applied: list[Command] = []
    for kind, pick, frame, track_pick in steps:
        cmd = _make(tl, kind, pick, frame, track_pick)
        if cmd is None:
            continue
        before = dump(tl)
        if cmd.is_valid(tl):
            cmd.apply(tl)
            applied.append(cmd)
            assert tl.problems() == []
        else:
            try:
                cmd.apply(tl)
            except InvalidEdit:
                pass
            else:
                raise AssertionError("apply accepted an edit is_valid refused")
            assert dump(tl) == before
    for cmd in reversed(applied):
        cmd.revert(tl)
    assert dump(tl) == original


@settings(max_examples=40, deadline=None)
@given(
    steps=st.lists(
        st.tuples(
            st.sampled_from(KINDS), st.integers(0, 50), st.integers(-20, 320), st.integers(0, 5)
        ),
        max_size=20,
    )
)
def test_history_undo_all_then_redo_all_round_trips(steps: list[tuple[str, int, int, int]]) -> None:
    tl = sample_timeline()
    original = dump(tl)
    history = History(tl)
    for kind, pick, frame, track_pick in steps:
        cmd = _make(tl, kind, pick, frame, track_pick)
        if cmd is not None and cmd.is_valid(tl):
            history.push(cmd)
    final = dump(tl)
    while history.can_undo:
        history.undo()
    assert dump(tl) == original
    while history.can_redo:
        history.redo()
    assert dump(tl) == final


def test_a_merged_drag_that_changed_track_redoes_onto_that_track() -> None:
    """A drag onto another track, then along it (a step that names no track), is one edit
    that redoes onto the new track: found by the property test above."""
    tl = sample_timeline()
    history = History(tl)
    first = _make(tl, "move", 0, 0, 1)
    assert first is not None
    history.push(first)
    second = _make(tl, "move", 22, 1, 0)
    assert second is not None
    history.push(second)
    final = dump(tl)
    while history.can_undo:
        history.undo()
    while history.can_redo:
        history.redo()
    assert dump(tl) == final
