"""Edit commands: apply/revert restore the exact timeline, is_valid refuses bad edits."""

from __future__ import annotations

from uuid import uuid4

import pytest

from app.engine.timeline import Clip, ImageSource, TimelineEvent
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
    UpdateClip,
    transaction,
)
from tests.engine.timeline.helpers import dump, sample_timeline, speech


def _ids():
    tl = sample_timeline()
    v, o, a = tl.tracks
    return tl, v, o, a


@pytest.mark.parametrize(
    "make",
    [
        lambda tl, v, o, a: InsertClip(
            o.id, Clip(start=5, length=20, source=ImageSource(path="/x.png"))
        ),
        lambda tl, v, o, a: MoveClip(v.clips[2].id, 250),
        lambda tl, v, o, a: MoveClip(v.clips[0].id, 0, o.id),
        lambda tl, v, o, a: TrimClip(v.clips[1].id, "start", 80),
        lambda tl, v, o, a: TrimClip(v.clips[1].id, "end", 100),
        lambda tl, v, o, a: TrimClip(a.clips[1].id, "end", 80),
        lambda tl, v, o, a: SplitClip(v.clips[1].id, 100),
        lambda tl, v, o, a: DeleteClip(v.clips[0].id),
        lambda tl, v, o, a: RippleDelete(v.clips[0].id),
        lambda tl, v, o, a: UpdateClip(v.clips[0].id, keyframes={}, script_line=4),
    ],
    ids=[
        "insert",
        "move",
        "move-track",
        "trim-start",
        "trim-end",
        "trim-speech",
        "split",
        "delete",
        "ripple",
        "update",
    ],
)
def test_apply_then_revert_restores_the_exact_timeline(make) -> None:
    tl, v, o, a = _ids()
    before = dump(tl)
    cmd: Command = make(tl, v, o, a)
    assert cmd.is_valid(tl)
    assert dump(tl) == before, "is_valid must not touch the timeline"
    cmd.apply(tl)
    after = dump(tl)
    assert after != before
    assert tl.problems() == []
    cmd.revert(tl)
    assert dump(tl) == before
    cmd.apply(tl)  # redo gives the same result again
    assert dump(tl) == after


def test_move_changes_only_the_start() -> None:
    tl, v, _, _ = _ids()
    clip = v.clips[2]
    MoveClip(clip.id, 300).apply(tl)
    found = tl.find(clip.id)
    assert found is not None
    assert found[1].start == 300
    assert found[1].model_copy(update={"start": 200}) == clip


@pytest.mark.parametrize(
    "make, reason",
    [
        (lambda tl, v, o, a: MoveClip(v.clips[2].id, 100), "overlap"),
        (lambda tl, v, o, a: MoveClip(v.clips[0].id, -5), "before frame 0"),
        (lambda tl, v, o, a: MoveClip(uuid4(), 10), "no clip"),
        (lambda tl, v, o, a: MoveClip(v.clips[0].id, 10, uuid4()), "no track"),
        (lambda tl, v, o, a: MoveClip(v.clips[0].id, 0, a.id), "cannot go on a voice track"),
        (lambda tl, v, o, a: TrimClip(v.clips[0].id, "end", 0), "length"),
        (lambda tl, v, o, a: TrimClip(v.clips[0].id, "end", -10), "length"),
        (lambda tl, v, o, a: TrimClip(v.clips[1].id, "start", 50), "source_in"),
        (lambda tl, v, o, a: TrimClip(v.clips[0].id, "end", 70), "overlap"),
        (lambda tl, v, o, a: TrimClip(a.clips[0].id, "end", 100), "past the source"),
        (lambda tl, v, o, a: SplitClip(v.clips[0].id, 0), "not inside"),
        (lambda tl, v, o, a: SplitClip(v.clips[0].id, 60), "not inside"),
        (lambda tl, v, o, a: DeleteClip(uuid4()), "no clip"),
        (lambda tl, v, o, a: RippleDelete(uuid4()), "no clip"),
        (lambda tl, v, o, a: InsertClip(o.id, v.clips[0]), "already on the timeline"),
        (
            lambda tl, v, o, a: InsertClip(
                v.id, Clip(start=30, length=5, source=ImageSource(path="/y"))
            ),
            "overlap",
        ),
        (
            lambda tl, v, o, a: InsertClip(
                o.id, Clip(start=3, length=0, source=ImageSource(path="/y"))
            ),
            "length",
        ),
        (lambda tl, v, o, a: UpdateClip(v.clips[0].id, length="long"), "invalid clip fields"),
    ],
)
def test_is_valid_refuses_bad_edits_and_apply_leaves_the_timeline_alone(make, reason: str) -> None:
    tl, v, o, a = _ids()
    before = dump(tl)
    cmd: Command = make(tl, v, o, a)
    assert not cmd.is_valid(tl)
    assert any(reason in p for p in cmd.problems(tl)), cmd.problems(tl)
    with pytest.raises(InvalidEdit):
        cmd.apply(tl)
    assert dump(tl) == before


def test_revert_before_apply_is_refused() -> None:
    tl, v, _, _ = _ids()
    with pytest.raises(InvalidEdit):
        DeleteClip(v.clips[0].id).revert(tl)


def test_split_keeps_total_length_and_source_continuity() -> None:
    tl, v, _, _ = _ids()
    clip = v.clips[1]
    opacity_before = {f: clip.value_at("opacity", f) for f in range(clip.start, clip.end)}
    cmd = SplitClip(clip.id, 75)
    cmd.apply(tl)
    left, right = tl.find(clip.id)[1], tl.find(cmd.new_id)[1]  # type: ignore[index]
    assert left.length + right.length == clip.length
    assert (left.start, left.end, right.start, right.end) == (60, 75, 75, 150)
    assert right.source_in == left.source_out  # the right half continues where the left stops
    assert right.transition_in is None and left.transition_in == clip.transition_in
    for f in range(clip.start, clip.end):
        half = left if f < 75 else right
        assert half.source_frame(f) == clip.source_frame(f)
        assert half.value_at("opacity", f) == opacity_before[f]


def test_split_speech_keeps_the_audio_range() -> None:
    tl, _, _, a = _ids()
    clip = a.clips[0]
    cmd = SplitClip(clip.id, 30)
    cmd.apply(tl)
    right = tl.find(cmd.new_id)[1]  # type: ignore[index]
    assert right.source_in == 20 and right.source_out == clip.source_out


def test_ripple_delete_closes_the_gap_on_that_track_only() -> None:
    tl, v, _o, a = _ids()
    voice_before = [c.model_dump() for c in a.clips]
    first, second, third = v.clips
    RippleDelete(first.id).apply(tl)
    assert [(c.id, c.start) for c in tl.tracks[0].clips] == [(second.id, 0), (third.id, 140)]
    assert [c.model_dump() for c in tl.tracks[2].clips] == voice_before


def test_ripple_delete_of_a_middle_clip_leaves_earlier_clips() -> None:
    tl, v, _, _ = _ids()
    first, second, third = v.clips
    RippleDelete(second.id).apply(tl)
    assert [(c.id, c.start) for c in tl.tracks[0].clips] == [(first.id, 0), (third.id, 110)]


def test_consecutive_moves_with_one_id_merge_into_one_undo_step() -> None:
    tl, v, _, _ = _ids()
    before = dump(tl)
    history = History(tl)
    clip = v.clips[2]
    for start in (205, 215, 230, 260):
        history.push(MoveClip(clip.id, start, merge_id="drag-1"))
    assert len(history.undo_stack) == 1
    assert tl.find(clip.id)[1].start == 260  # type: ignore[index]
    history.undo()
    assert dump(tl) == before
    history.redo()
    assert tl.find(clip.id)[1].start == 260  # type: ignore[index]


def test_moves_without_a_shared_id_stay_separate_steps() -> None:
    tl, v, _, _ = _ids()
    history = History(tl)
    clip = v.clips[2]
    history.push(MoveClip(clip.id, 210, merge_id="drag-1"))
    history.push(MoveClip(clip.id, 220, merge_id="drag-2"))
    history.push(MoveClip(clip.id, 230))
    history.push(MoveClip(clip.id, 240))
    assert len(history.undo_stack) == 4
    history.undo()
    assert tl.find(clip.id)[1].start == 230  # type: ignore[index]


def test_merged_drag_across_tracks_undoes_to_the_first_track() -> None:
    tl, v, o, _ = _ids()
    before = dump(tl)
    history = History(tl)
    clip = v.clips[2]
    history.push(MoveClip(clip.id, 245, merge_id="d"))
    history.push(MoveClip(clip.id, 8, o.id, merge_id="d"))
    history.push(MoveClip(clip.id, 300, v.id, merge_id="d"))
    assert len(history.undo_stack) == 1
    assert tl.find(clip.id)[0].id == v.id  # type: ignore[index]
    history.undo()
    assert dump(tl) == before


def test_trims_merge_only_on_the_same_edge() -> None:
    tl, v, _, _ = _ids()
    before = dump(tl)
    history = History(tl)
    clip = v.clips[1]
    history.push(TrimClip(clip.id, "end", 140, merge_id="t"))
    history.push(TrimClip(clip.id, "end", 130, merge_id="t"))
    history.push(TrimClip(clip.id, "start", 70, merge_id="t"))
    assert len(history.undo_stack) == 2
    history.undo()
    history.undo()
    assert dump(tl) == before


def test_transaction_rolls_back_every_edit_on_error() -> None:
    tl, v, _o, _ = _ids()
    before = dump(tl)
    first, second, third = v.clips
    with pytest.raises(InvalidEdit), transaction(tl) as tx:
        tx.run(MoveClip(third.id, 400))
        tx.run(DeleteClip(first.id))
        tx.run(MoveClip(second.id, 390))  # overlaps the first move: refused
    assert dump(tl) == before


def test_transaction_rolls_back_on_any_exception() -> None:
    tl, v, _, _ = _ids()
    before = dump(tl)
    with pytest.raises(RuntimeError), transaction(tl) as tx:
        tx.run(DeleteClip(v.clips[0].id))
        raise RuntimeError("export failed half-way")
    assert dump(tl) == before


def test_a_finished_transaction_is_one_undo_step() -> None:
    tl, v, o, _ = _ids()
    before = dump(tl)
    history = History(tl)
    _, second, third = v.clips
    with transaction(tl, "Rearrange") as tx:
        tx.run(MoveClip(third.id, 400))
        tx.run(SplitClip(second.id, 100))
        tx.run(InsertClip(o.id, Clip(start=0, length=10, source=ImageSource(path="/o.png"))))
    history.push(tx, applied=True)
    after = dump(tl)
    assert tx.is_valid(sample_timeline()) is False  # ids belong to another timeline
    history.undo()
    assert dump(tl) == before
    history.redo()
    assert dump(tl) == after


def test_events_name_what_changed_and_unsubscribe_stops_them() -> None:
    tl, v, o, a = _ids()
    seen: list[TimelineEvent] = []
    unsubscribe = tl.subscribe(seen.append)
    clip = v.clips[0]
    MoveClip(clip.id, 0, o.id).apply(tl)
    assert seen == [
        TimelineEvent("clip_removed", v.id, clip.id),
        TimelineEvent("clip_added", o.id, clip.id),
    ]
    seen.clear()
    cmd = TrimClip(a.clips[0].id, "end", 40)
    cmd.apply(tl)
    assert seen == [TimelineEvent("clip_changed", a.id, a.clips[0].id)]
    unsubscribe()
    cmd.revert(tl)
    assert len(seen) == 1


def test_a_failing_listener_does_not_break_the_edit() -> None:
    tl, v, _, _ = _ids()

    def broken(event: TimelineEvent) -> None:
        raise RuntimeError("view crashed")

    tl.subscribe(broken)
    DeleteClip(v.clips[0].id).apply(tl)
    assert len(tl.tracks[0].clips) == 2


def test_insert_speech_longer_than_its_audio_is_refused() -> None:
    tl, _, _, a = _ids()
    clip = Clip(start=200, length=100, source=speech(48_000))  # one second = 30 frames
    assert not InsertClip(a.id, clip).is_valid(tl)
    assert InsertClip(a.id, clip.model_copy(update={"length": 30})).is_valid(tl)


def test_replace_content_swaps_everything_and_undoes_exactly() -> None:
    from app.engine.script import parse_text
    from app.engine.timeline import ReplaceContent, auto_layout

    tl, _, _, _ = _ids()
    before = dump(tl)
    seen: list[TimelineEvent] = []
    tl.subscribe(seen.append)
    fresh = auto_layout(parse_text("# New\n\n## One\n\nA new line.\n"), None, fps=25)
    history = History(tl)
    history.push(ReplaceContent(fresh))
    assert tl == fresh and tl.fps == 25
    assert seen == [TimelineEvent("reset")]
    # editing the live timeline does not change what a redo brings back
    DeleteClip(tl.tracks_of("voice")[0].clips[0].id).apply(tl)
    assert tl.tracks_of("voice")[0].clips == []
    history.undo()
    assert dump(tl) == before
    history.redo()
    assert dump(tl) == fresh.model_dump(mode="json")
    broken = fresh.snapshot()
    broken.tracks[0].clips.append(broken.tracks[0].clips[0])
    assert not ReplaceContent(broken).is_valid(tl)
