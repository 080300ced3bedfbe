"""Hand edits as overrides: they survive laying out again, follow their lines, and say
when they cannot be applied."""

from __future__ import annotations

from uuid import UUID

from hypothesis import given, settings
from hypothesis import strategies as st

from app.engine.script import parse_text
from app.engine.store import Store
from app.engine.timeline import Clip, Timeline, auto_layout
from app.engine.timeline.commands import (
    Command,
    DeleteClip,
    InvalidEdit,
    MoveClip,
    RippleDelete,
    SplitClip,
    TrimClip,
)
from app.engine.timeline.overrides import (
    Override,
    OverridesDataError,
    TimelineOverrides,
    compose,
    derive,
    line_map,
    load_overrides,
    save_overrides,
)

SCRIPT = """---
title: Overrides
---

# Overrides

## One

First line of narration.

```terminal
$ echo hello
hello
```

Second line, after the terminal.

## Two

Third line in the second scene.
"""


def _layout(text: str) -> Timeline:
    return auto_layout(parse_text(text))


def _timing(tl: Timeline) -> dict[tuple[str, int | None, int], tuple[int, int, int]]:
    """(track kind, line, nth) -> (start, length, source_in): what a user sees of each clip."""
    out: dict[tuple[str, int | None, int], tuple[int, int, int]] = {}
    for track in tl.tracks:
        seen: dict[int | None, int] = {}
        for c in track.clips:
            n = seen.get(c.script_line, 0)
            seen[c.script_line] = n + 1
            out[(track.kind, c.script_line, n)] = (c.start, c.length, c.source_in)
    return out


def _edit(text: str, ov: TimelineOverrides, command: Command) -> tuple[Timeline, TimelineOverrides]:
    """Apply ``command`` to the composed timeline the way the studio does; derive the result."""
    base = _layout(text)
    shown = compose(base, ov, text).timeline
    command.apply(shown)
    return shown, derive(base, shown, ov, text)


def _clip(tl: Timeline, kind: str, line: int):  # type: ignore[no-untyped-def]
    return next(c for t in tl.tracks if t.kind == kind for c in t.clips if c.script_line == line)


def _line_of(text: str, needle: str) -> int:
    return text.split("\n").index(next(x for x in text.split("\n") if needle in x)) + 1


def test_without_overrides_the_composed_timeline_is_the_layout_with_stable_ids() -> None:
    base = _layout(SCRIPT)
    one = compose(base, TimelineOverrides(script=SCRIPT), SCRIPT)
    two = compose(_layout(SCRIPT), TimelineOverrides(script=SCRIPT), SCRIPT)
    assert one.dropped == [] and _timing(one.timeline) == _timing(base)
    assert [c.id for _t, c in one.timeline.clips()] == [c.id for _t, c in two.timeline.clips()]
    assert one.timeline.duration == base.duration and one.timeline.title == "Overrides"


def test_a_moved_clip_stays_moved_and_a_line_written_later_appears() -> None:
    terminal_line = _line_of(SCRIPT, "```terminal")
    shown = compose(_layout(SCRIPT), TimelineOverrides(script=SCRIPT), SCRIPT).timeline
    term = _clip(shown, "terminal", terminal_line)
    edited, ov = _edit(SCRIPT, TimelineOverrides(script=SCRIPT), MoveClip(term.id, term.start + 7))
    assert [(o.line, o.track, o.shift) for o in ov.items] == [(terminal_line, "terminal", 7)]
    assert _timing(compose(_layout(SCRIPT), ov, SCRIPT).timeline) == _timing(edited)

    # A line written after the edit, above the edited block: it is on the timeline, and the
    # edit followed its block down two lines.
    longer = SCRIPT.replace(
        "First line of narration.\n", "First line of narration.\n\nA line added later.\n"
    )
    again = compose(_layout(longer), ov, longer)
    assert again.dropped == []
    added = _line_of(longer, "A line added later.")
    spoken = [c.source.text for t in again.timeline.tracks if t.kind == "voice" for c in t.clips]  # type: ignore[union-attr]
    assert "A line added later." in spoken
    moved = _clip(again.timeline, "terminal", terminal_line + 2)
    laid = _clip(_layout(longer), "terminal", terminal_line + 2)
    assert moved.start == laid.start + 7
    assert _clip(again.timeline, "voice", added).start < moved.start
    assert again.overrides.items[0].line == terminal_line + 2


def test_a_reworded_line_keeps_its_edit_and_a_deleted_line_drops_it() -> None:
    line = _line_of(SCRIPT, "Second line")
    shown = compose(_layout(SCRIPT), TimelineOverrides(script=SCRIPT), SCRIPT).timeline
    voice = _clip(shown, "voice", line)
    _edited, ov = _edit(SCRIPT, TimelineOverrides(script=SCRIPT), DeleteClip(voice.id))
    reworded = SCRIPT.replace("Second line, after the terminal.", "Second line, reworded a bit.")
    kept = compose(_layout(reworded), ov, reworded)
    assert kept.dropped == []
    assert [
        c
        for t in kept.timeline.tracks
        if t.kind == "voice"
        for c in t.clips
        if c.script_line == line
    ] == []
    gone = SCRIPT.replace("Second line, after the terminal.\n\n", "")
    result = compose(_layout(gone), ov, gone)
    assert len(result.dropped) == 1
    assert f"line {line} is no longer in the script" in result.dropped[0].message
    assert result.overrides.items == ()


def test_line_map_follows_inserted_and_removed_lines() -> None:
    old = "a\nb\nc\nd"
    assert line_map(old, "x\na\nb\nc\nd") == {1: 2, 2: 3, 3: 4, 4: 5}
    assert line_map(old, "a\nc\nd") == {1: 1, 3: 2, 4: 3}
    assert line_map(old, "a\nB!\nc\nd") == {1: 1, 2: 2, 3: 3, 4: 4}


def test_split_trim_and_delete_pieces_round_trip() -> None:
    line = _line_of(SCRIPT, "First line")
    ov = TimelineOverrides(script=SCRIPT)
    shown = compose(_layout(SCRIPT), ov, SCRIPT).timeline
    voice = _clip(shown, "voice", line)
    cut = voice.start + voice.length // 2
    edited, ov = _edit(SCRIPT, ov, SplitClip(voice.id, cut))
    assert {(o.piece, o.changes_timing) for o in ov.items} == {(voice.length // 2, False)}
    recomposed = compose(_layout(SCRIPT), ov, SCRIPT).timeline
    assert _timing(recomposed) == _timing(edited)
    right = next(
        c for t in recomposed.tracks if t.kind == "voice" for c in t.clips if c.start == cut
    )
    edited, ov = _edit(SCRIPT, ov, TrimClip(right.id, "end", right.end - 3))
    edited, ov = _edit(SCRIPT, ov, DeleteClip(voice.id))
    result = compose(_layout(SCRIPT), ov, SCRIPT)
    assert result.dropped == [] and _timing(result.timeline) == _timing(edited)
    pieces = [
        c
        for t in result.timeline.tracks
        if t.kind == "voice"
        for c in t.clips
        if c.script_line == line
    ]
    assert [(c.start, c.length, c.source_in) for c in pieces] == [
        (cut, voice.end - cut - 3, voice.length // 2)
    ]


def test_ripple_delete_is_recorded_as_shifts() -> None:
    ov = TimelineOverrides(script=SCRIPT)
    shown = compose(_layout(SCRIPT), ov, SCRIPT).timeline
    first = _clip(shown, "voice", _line_of(SCRIPT, "First line"))
    edited, ov = _edit(SCRIPT, ov, RippleDelete(first.id))
    assert _timing(compose(_layout(SCRIPT), ov, SCRIPT).timeline) == _timing(edited)
    assert any(o.deleted for o in ov.items) and any(o.shift < 0 for o in ov.items)


def test_an_edit_that_no_longer_fits_is_left_out_and_reported() -> None:
    text = "# Fit\n\n## One\n\nThe narrator speaks first.\n\nALICE: And Alice answers.\n"
    ov = TimelineOverrides(script=text)
    shown = compose(_layout(text), ov, text).timeline
    first, second = (c for t in shown.tracks if t.kind == "voice" for c in t.clips)
    # Alice's line pulled left until it touches the narrator's.
    _edited, ov = _edit(text, ov, MoveClip(second.id, first.end))
    assert ov.items[0].shift == first.end - second.start
    # Now the narrator says it: the gap between one speaker's lines is shorter, so the same
    # pull would run into the line before.
    same = text.replace("ALICE: And Alice answers.", "And Alice answers.")
    result = compose(_layout(same), ov, same)
    assert len(result.dropped) == 1 and "overlap" in result.dropped[0].reason
    line = _line_of(text, "Alice answers")
    assert _clip(result.timeline, "voice", line).start == _clip(_layout(same), "voice", line).start
    assert result.timeline.problems() == []


def test_an_override_for_a_clip_that_is_gone_is_reported() -> None:
    ov = TimelineOverrides(
        script=SCRIPT,
        items=(Override(line=_line_of(SCRIPT, "First line"), track="terminal", shift=3),),
    )
    result = compose(_layout(SCRIPT), ov, SCRIPT)
    assert len(result.dropped) == 1 and "has no terminal clip" in result.dropped[0].message


def test_stored_and_read_back_and_an_old_whole_timeline_is_refused() -> None:
    store = Store.open()
    try:
        project = store.create_project("p", None)
        assert load_overrides(store, project.id) is None
        ov = TimelineOverrides(script=SCRIPT, items=(Override(line=9, track="voice", shift=4),))
        save_overrides(store, project.id, ov)
        assert load_overrides(store, project.id) == ov
        store.save_timeline(project.id, _layout(SCRIPT).model_dump(mode="json"))
        try:
            load_overrides(store, project.id)
        except OverridesDataError as exc:
            assert "older version" in str(exc)
        else:
            raise AssertionError("an old whole timeline was accepted")
    finally:
        store.close()


EDITS = ("move", "trim-start", "trim-end", "split", "delete", "ripple")


def _command(kind: str, clip: Clip, delta: int, frame: int) -> Command:
    if kind == "move":
        return MoveClip(clip.id, max(0, clip.start + delta))
    if kind == "trim-start":
        return TrimClip(clip.id, "start", max(0, clip.start + delta))
    if kind == "trim-end":
        return TrimClip(clip.id, "end", clip.end + delta)
    if kind == "split":
        return SplitClip(clip.id, frame)
    return DeleteClip(clip.id) if kind == "delete" else RippleDelete(clip.id)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(EDITS), st.integers(0, 200), st.integers(-40, 40)),
        min_size=1,
        max_size=6,
    )
)
def test_any_sequence_of_edits_is_reproduced_from_its_overrides(
    steps: list[tuple[str, int, int]],
) -> None:
    base = _layout(SCRIPT)
    ov = TimelineOverrides(script=SCRIPT)
    for kind, pick, delta in steps:
        shown = compose(base, ov, SCRIPT).timeline
        clips = [c for _t, c in shown.clips()]
        clip = clips[pick % len(clips)]
        frame = clip.start + clip.length * (pick % 7 + 1) // 8
        command = _command(kind, clip, delta, frame)
        try:
            command.apply(shown)
        except InvalidEdit:
            continue
        ov = derive(base, shown, ov, SCRIPT)
        again = compose(base, ov, SCRIPT)
        assert again.dropped == []
        assert _timing(again.timeline) == _timing(shown)


def test_a_clip_added_by_hand_is_kept_through_new_layouts_and_dropped_when_it_cannot_fit() -> None:
    from app.engine.timeline import ImageSource
    from app.engine.timeline.commands import InsertClip

    base = _layout(SCRIPT)
    shown = compose(base, TimelineOverrides(script=SCRIPT), SCRIPT).timeline
    (overlay,) = shown.tracks_of("overlay")
    picture = Clip(start=40, length=90, source=ImageSource(path="/media/rack.png"))
    InsertClip(overlay.id, picture).apply(shown)
    overrides = derive(base, shown, TimelineOverrides(script=SCRIPT), SCRIPT)
    assert len(overrides.added) == 1 and overrides.edits() == 1 and not overrides.empty
    # a line written above it does not move it: it belongs to no line
    longer = SCRIPT.replace(
        "First line of narration.", "A new first line.\n\nFirst line of narration."
    )
    again = compose(_layout(longer), overrides, longer)
    (kept,) = [c for c in again.timeline.tracks_of("overlay")[0].clips if c.source.kind == "image"]
    assert (kept.start, kept.length) == (40, 90) and not again.dropped
    # another added clip in the same place cannot go there: it is reported, not forced in
    clash = overrides.model_copy(
        update={
            "added": (
                *overrides.added,
                overrides.added[0].model_copy(
                    update={"clip": picture.model_copy(update={"id": UUID(int=7)})}
                ),
            )
        }
    )
    result = compose(base, clash, SCRIPT)
    assert len(result.dropped) == 1 and "added by hand" in result.dropped[0].message
