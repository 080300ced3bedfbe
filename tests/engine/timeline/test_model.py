"""The timeline data: JSON round-trip, store round-trip, frame queries, keyframes, hashes."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import pytest

from app.engine.model.script import CodeBeat, TerminalBeat, TerminalLine
from app.engine.script import parse_file
from app.engine.store import Store
from app.engine.timeline import (
    CaptionSource,
    CaptionWord,
    Clip,
    Easing,
    ImageSource,
    KenBurns,
    Keyframe,
    MusicSource,
    ProceduralSource,
    SpeechSource,
    TerminalSource,
    Timeline,
    TimelineDataError,
    TitleCardSource,
    Track,
    Transition,
    VideoSource,
    WordSpan,
    auto_layout,
    load_timeline,
    save_timeline,
)
from app.engine.timeline.commands import MoveClip
from tests.engine.timeline.helpers import sample_timeline

FIXTURE = Path(__file__).resolve().parents[3] / "tests" / "fixtures" / "timeline" / "two-scenes.md"


def every_source_timeline() -> Timeline:
    term = TerminalBeat(line=4, commands=["ls"], lines=[TerminalLine(kind="command", text="ls")])
    code = CodeBeat(line=9, language="python", code="print(1)\n")
    return Timeline.create(
        Fraction(24000, 1001),
        1920,
        1080,
        tracks=[
            Track(
                kind="visual",
                clips=[
                    Clip(start=0, length=10, source=TitleCardSource(text="T", subtitle="s")),
                    Clip(
                        start=10,
                        length=10,
                        source=ImageSource(path="/a.png", ken_burns=KenBurns(frames=10)),
                    ),
                    Clip(
                        start=20,
                        length=10,
                        source=VideoSource(path="/v.mp4", mode="hold", num_frames=5),
                    ),
                    Clip(
                        start=30,
                        length=10,
                        source=ProceduralSource(prompt="p", seed=7, palette=["#112233"]),
                        transition_in=Transition(kind="glitch", length=3),
                    ),
                ],
            ),
            Track(
                kind="terminal",
                clips=[
                    Clip(
                        start=0,
                        length=10,
                        source=TerminalSource(beat=term, animation_ms=300, play_ms=300),
                    ),
                    Clip(
                        start=10,
                        length=10,
                        source=TerminalSource(beat=code, animation_ms=300, play_ms=200),
                    ),
                ],
            ),
            Track(
                kind="caption",
                clips=[
                    Clip(
                        start=0,
                        length=10,
                        source=CaptionSource(
                            text="a b", words=[CaptionWord(text="a", start=0, end=4)]
                        ),
                    )
                ],
            ),
            Track(
                kind="voice",
                clips=[
                    Clip(
                        start=0,
                        length=10,
                        source=SpeechSource(
                            speaker="N",
                            text="a b",
                            num_samples=20_000,
                            words=[WordSpan(text="a", start_sample=0, end_sample=100)],
                        ),
                    )
                ],
            ),
            Track(
                kind="music", clips=[Clip(start=0, length=40, source=MusicSource(path="/m.mp3"))]
            ),
        ],
    )


def test_json_round_trip_keeps_every_source_kind() -> None:
    tl = every_source_timeline()
    text = json.dumps(tl.model_dump(mode="json"))
    back = Timeline.model_validate(json.loads(text))
    assert back == tl
    assert back.fps == Fraction(24000, 1001)
    assert [c.source.kind for _, c in back.clips()] == [
        "title_card",
        "image",
        "video",
        "procedural",
        "terminal",
        "terminal",
        "caption",
        "speech",
        "music",
    ]
    code = back.tracks[1].clips[1].source
    assert isinstance(code, TerminalSource) and isinstance(code.beat, CodeBeat)


def test_fps_is_stored_reduced_as_two_integers() -> None:
    tl = Timeline(fps_num=60, fps_den=2)
    assert (tl.fps_num, tl.fps_den) == (30, 1)
    assert tl.model_dump()["fps_num"] == 30


def test_store_round_trip_gives_an_equal_timeline(tmp_path: Path) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'castline.db'}")
    try:
        project = store.create_project("fixture", str(FIXTURE))
        tl = auto_layout(parse_file(FIXTURE), None, fps=30, width=640, height=360)
        save_timeline(store, project.id, tl)
        assert load_timeline(store, project.id) == tl
        # the raw store call the contract names works too
        store.save_timeline(project.id, tl.model_dump(mode="json"))
        assert Timeline.model_validate(store.load_timeline(project.id)) == tl
        # edits after saving are saved by the next save
        voice = tl.tracks_of("voice")[0].clips[-1]
        MoveClip(voice.id, voice.start + 100).apply(tl)
        save_timeline(store, project.id, tl)
        assert load_timeline(store, project.id) == tl
    finally:
        store.close()


def test_damaged_stored_timeline_is_a_clear_error(tmp_path: Path) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'castline.db'}")
    try:
        project = store.create_project("p", None)
        assert load_timeline(store, project.id) is None
        store.save_timeline(project.id, {"fps_num": 30, "tracks": [{"kind": "nonsense"}]})
        with pytest.raises(TimelineDataError, match="lay the script out again"):
            load_timeline(store, project.id)
        bad = sample_timeline().model_dump(mode="json")
        bad["tracks"][0]["clips"][1]["start"] = 10  # overlaps the first clip
        store.save_timeline(project.id, bad)
        with pytest.raises(TimelineDataError, match="overlaps"):
            load_timeline(store, project.id)
    finally:
        store.close()


# ------------------------------------------------------------------ frame queries


def test_clips_at_lists_clips_bottom_to_top_and_skips_disabled_tracks() -> None:
    tl = sample_timeline()
    at = tl.clips_at(20)
    assert [t.kind for t, _ in at] == ["visual", "voice"]
    assert [c.script_line for _, c in at] == [3, 5]
    assert tl.clips_at(20, kinds={"visual"})[0][1].script_line == 3
    assert tl.clips_at(160) == []  # the gap between 150 and 200
    assert [c.script_line for _, c in tl.clips_at(60)] == [9]  # start inclusive, end exclusive
    tl.tracks[0].enabled = False
    assert [t.kind for t, _ in tl.clips_at(20)] == ["voice"]


def test_duration_is_the_end_of_the_last_clip() -> None:
    assert sample_timeline().duration == 240
    assert Timeline().duration == 0


def _clip_with(prop: str, keys: list[Keyframe], source_in: int = 0) -> Clip:
    return Clip(
        start=100,
        length=100,
        source_in=source_in,
        source=ImageSource(path="/a"),
        keyframes={prop: keys},
    )


@pytest.mark.parametrize(
    "easing, expected",
    [
        (Easing.LINEAR, 0.25),
        (Easing.EASE_IN, 0.015625),
        (Easing.EASE_OUT, 0.578125),
        (Easing.EASE_IN_OUT, 0.0625),
        (Easing.HOLD, 0.0),
    ],
)
def test_keyframe_easing_at_a_quarter(easing: Easing, expected: float) -> None:
    clip = _clip_with(
        "opacity", [Keyframe(frame=0, value=0.0, easing=easing), Keyframe(frame=40, value=1.0)]
    )
    assert clip.value_at("opacity", 110) == pytest.approx(expected)
    assert clip.value_at("opacity", 100) == 0.0
    assert clip.value_at("opacity", 140) == 1.0
    assert clip.value_at("opacity", 199) == 1.0  # held after the last keyframe


def test_ease_in_out_is_symmetric_and_hold_jumps_at_the_next_key() -> None:
    clip = _clip_with(
        "scale",
        [
            Keyframe(frame=0, value=1.0, easing=Easing.EASE_IN_OUT),
            Keyframe(frame=20, value=2.0, easing=Easing.HOLD),
            Keyframe(frame=40, value=3.0),
        ],
    )
    assert clip.value_at("scale", 110) == pytest.approx(1.5)
    assert clip.value_at("scale", 105) - 1.0 == pytest.approx(2.0 - clip.value_at("scale", 115))
    assert clip.value_at("scale", 139) == 2.0
    assert clip.value_at("scale", 140) == 3.0


def test_position_interpolates_as_a_pair_and_defaults_apply() -> None:
    clip = _clip_with(
        "position", [Keyframe(frame=0, value=(0.0, 0.0)), Keyframe(frame=10, value=(1.0, 0.5))]
    )
    assert clip.value_at("position", 105) == pytest.approx((0.5, 0.25))
    assert clip.value_at("opacity", 150) == 1.0
    assert clip.value_at("scale", 150) == 1.0
    assert Clip(start=0, length=5, source=ImageSource(path="/a")).value_at("position", 2) == (
        0.5,
        0.5,
    )


def test_keyframes_follow_the_source_when_a_clip_is_trimmed() -> None:
    keys = [Keyframe(frame=0, value=0.0), Keyframe(frame=40, value=1.0)]
    whole = _clip_with("opacity", keys)
    trimmed = _clip_with("opacity", keys, source_in=20).model_copy(
        update={"start": 120, "length": 80}
    )
    for f in range(120, 200):
        assert trimmed.value_at("opacity", f) == whole.value_at("opacity", f)


def test_transition_progress_runs_over_its_length() -> None:
    clip = Clip(
        start=10, length=30, source=ImageSource(path="/a"), transition_in=Transition(length=4)
    )
    assert [clip.transition_progress(f) for f in range(9, 16)] == [
        None,
        Fraction(1, 5),
        Fraction(2, 5),
        Fraction(3, 5),
        Fraction(4, 5),
        None,
        None,
    ]


def test_ken_burns_moves_from_start_to_end_over_its_frames() -> None:
    kb = KenBurns(
        start_zoom=1.0, end_zoom=1.2, end_center=(0.6, 0.4), frames=50, easing=Easing.LINEAR
    )
    assert kb.at(0) == (1.0, (0.5, 0.5))
    zoom, centre = kb.at(25)
    assert zoom == pytest.approx(1.1) and centre == pytest.approx((0.55, 0.45))
    assert kb.at(80) == kb.at(50)


# ------------------------------------------------------------------ hashes for "nothing moves"


def test_frame_keys_repeat_where_nothing_moves() -> None:
    tl = Timeline.create(
        30,
        64,
        36,
        tracks=[
            Track(
                kind="visual",
                clips=[
                    Clip(start=0, length=10, source=ImageSource(path="/still.png")),
                    Clip(
                        start=10,
                        length=10,
                        source=ImageSource(path="/kb.png", ken_burns=KenBurns(frames=10)),
                    ),
                ],
            ),
            Track(
                kind="voice",
                clips=[
                    Clip(
                        start=0,
                        length=20,
                        source=SpeechSource(speaker="N", text="x", num_samples=32_000),
                    )
                ],
            ),
        ],
    )
    keys = [tl.frame_key(f) for f in range(20)]
    assert len(set(keys[:10])) == 1  # a still: every frame the same (speech draws nothing)
    assert len(set(keys[10:])) == 10  # Ken Burns: every frame differs
    assert tl.static_runs(0, 12) == [(0, 10, keys[0]), (10, 11, keys[10]), (11, 12, keys[11])]


def test_terminal_is_still_once_its_animation_has_played() -> None:
    beat = TerminalBeat(line=1, commands=["ls"], lines=[TerminalLine(kind="command", text="ls")])
    clip = Clip(
        start=0, length=60, source=TerminalSource(beat=beat, animation_ms=1000, play_ms=1000)
    )
    tl = Timeline.create(30, 64, 36, tracks=[Track(kind="terminal", clips=[clip])])
    assert len({tl.frame_key(f) for f in range(30)}) == 30
    assert len({tl.frame_key(f) for f in range(31, 60)}) == 1


def test_caption_key_changes_only_at_word_boundaries() -> None:
    words = [CaptionWord(text="one", start=0, end=5), CaptionWord(text="two", start=5, end=10)]
    clip = Clip(start=0, length=10, source=CaptionSource(text="one two", words=words))
    tl = Timeline.create(30, 64, 36, tracks=[Track(kind="caption", clips=[clip])])
    assert [r[:2] for r in tl.static_runs()] == [(0, 5), (5, 10)]


def test_content_hash_of_a_range_ignores_edits_outside_it() -> None:
    tl = sample_timeline()
    early = tl.content_hash((0, 60))
    late = tl.content_hash((200, 240))
    MoveClip(tl.tracks[0].clips[2].id, 300).apply(tl)
    assert tl.content_hash((0, 60)) == early
    assert tl.content_hash((200, 240)) != late
    # the voice track draws nothing, so moving speech leaves the picture hash alone
    whole = tl.content_hash()
    voice = tl.tracks_of("voice")[0].clips[1]
    MoveClip(voice.id, 130).apply(tl)
    assert tl.content_hash() == whole


def test_clip_content_hash_ignores_id_and_position() -> None:
    a = Clip(start=0, length=10, source=ImageSource(path="/a"))
    b = a.model_copy(update={"start": 50})
    c = Clip(start=0, length=10, source=ImageSource(path="/a"))
    assert a.content_hash() == b.content_hash() == c.content_hash()
    assert a.content_hash() != a.model_copy(update={"length": 11}).content_hash()


def test_snapshot_is_independent_and_has_no_listeners() -> None:
    tl = sample_timeline()
    heard: list[object] = []
    tl.subscribe(heard.append)
    snap = tl.snapshot()
    assert snap == tl
    MoveClip(tl.tracks[0].clips[2].id, 300).apply(tl)
    assert snap != tl and len(heard) == 1
    MoveClip(snap.tracks[0].clips[2].id, 400).apply(snap)
    assert len(heard) == 1


def test_problems_find_wrong_tracks_and_duplicates() -> None:
    tl = sample_timeline()
    clip = tl.tracks[0].clips[0]
    tl.tracks[1].clips.append(clip)  # same id twice
    tl.tracks[2].clips.append(Clip(start=500, length=5, source=ImageSource(path="/x")))
    problems = tl.problems()
    assert any("appears twice" in p for p in problems)
    assert any("image source on a voice track" in p for p in problems)


def test_clips_for_line_finds_what_a_script_line_made() -> None:
    tl = auto_layout(parse_file(FIXTURE), None, fps=30, width=640, height=360)
    kinds = sorted(c.source.kind for _, c in tl.clips_for_line(17))
    # the narrator's line in a scene with dialogue: its voice, caption and speaker badge
    assert kinds == ["badge", "caption", "speech"]


def test_ken_burns_holds_still_once_its_move_is_done() -> None:
    clip = Clip(start=0, length=30, source=ImageSource(path="/a", ken_burns=KenBurns(frames=10)))
    tl = Timeline.create(30, 64, 36, tracks=[Track(kind="visual", clips=[clip])])
    keys = [tl.frame_key(f) for f in range(30)]
    assert len(set(keys[:11])) == 11
    assert len(set(keys[11:])) == 1
