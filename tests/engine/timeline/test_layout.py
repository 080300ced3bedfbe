"""Auto-layout follows the script format's Timing rules, in integer frames."""

from __future__ import annotations

import itertools
import wave
from fractions import Fraction
from pathlib import Path

import pytest

from app.engine.model.script import CodeBeat, PauseBeat, Script, SpeechBeat, TerminalBeat
from app.engine.model.time import frames_to_ms, ms_to_frames, samples_to_frames
from app.engine.script import parse_file, parse_text
from app.engine.terminal import build_animation
from app.engine.timeline import (
    CaptionSource,
    Clip,
    ImageSource,
    LayoutOptions,
    MusicSource,
    ProceduralSource,
    SceneTitleSource,
    SpeechSource,
    TerminalSource,
    Timeline,
    TitleCardSource,
    auto_layout,
)
from app.engine.timeline.layout import block_timing

ROOT = Path(__file__).resolve().parents[3]
FIXTURE = ROOT / "tests" / "fixtures" / "timeline" / "two-scenes.md"
EXAMPLE = ROOT / "resources" / "examples" / "how-ssh-works" / "script.md"
OPT = LayoutOptions()


@pytest.fixture(scope="module")
def script() -> Script:
    s = parse_file(FIXTURE)
    assert not s.has_errors, [d.format() for d in s.diagnostics]
    return s


@pytest.fixture(scope="module")
def timeline(script: Script) -> Timeline:
    return auto_layout(script, None, fps=30, width=1280, height=720)


def _track(tl: Timeline, kind: str) -> list[Clip]:
    (track,) = tl.tracks_of(kind)
    return track.clips


def _voice_by_line(tl: Timeline) -> dict[int, Clip]:
    return {c.script_line: c for c in _track(tl, "voice") if c.script_line is not None}


# ------------------------------------------------------------------ shared checks


def check_layout_rules(script: Script, tl: Timeline) -> None:
    """The rules every laid-out script must keep, fixture or corpus."""
    assert tl.problems() == []
    fps = tl.fps
    # the title card plays over the opening, under the first words, not before them
    first = _track(tl, "title")[0]
    assert isinstance(first.source, TitleCardSource)
    assert first.start == 0 and first.length <= ms_to_frames(OPT.title_card_ms, fps)
    assert first.source.text == script.title
    voice_starts = [c.start for c in _track(tl, "voice")]
    if voice_starts:
        assert min(voice_starts) < first.end
    # speech in script order, no overlaps, one clip per speech beat
    speeches = [b for b in script.beats() if isinstance(b, SpeechBeat)]
    voice = _track(tl, "voice")
    assert [c.script_line for c in voice] == [b.line for b in speeches]
    for a, b in itertools.pairwise(voice):
        assert a.end <= b.start
    # visuals contiguous from frame 0 to the end
    visuals = _track(tl, "visual")
    assert visuals[0].start == 0
    for a, b in itertools.pairwise(visuals):
        assert a.end == b.start, (
            f"hole or overlap between lines {a.script_line} and {b.script_line}"
        )
    assert visuals[-1].end == tl.duration
    # captions aligned to their speech, covering it exactly
    captions = _track(tl, "caption")
    for clip in voice:
        mine = [c for c in captions if c.script_line == clip.script_line]
        assert mine, f"no caption for line {clip.script_line}"
        assert mine[0].start == clip.start
        assert mine[-1].end == clip.end
        for a, b in itertools.pairwise(mine):
            assert a.end == b.start
        assert all(isinstance(c.source, CaptionSource) and c.source.text for c in mine)
    # every clip knows its script line
    assert all(c.script_line is not None for _, c in tl.clips())
    # one chapter per scene, the first at 0:00, in order
    assert [c.title for c in tl.chapters] == [s.title for s in script.scenes]
    assert tl.chapters[0].start == 0
    starts = [c.start for c in tl.chapters]
    assert starts == sorted(starts) and len(set(starts)) == len(starts)
    # terminal and code views: one per block, each on screen until its typing is done
    blocks = [b for b in script.beats() if isinstance(b, TerminalBeat | CodeBeat)]
    terms = [c for c in _track(tl, "terminal") if isinstance(c.source, TerminalSource)]
    assert sorted(c.script_line for c in terms) == sorted(b.line for b in blocks)  # type: ignore[type-var]
    for c in terms:
        assert isinstance(c.source, TerminalSource)
        _, last_key = block_timing(c.source.beat)
        typed = last_key * c.source.play_ms // max(1, c.source.animation_ms)
        assert c.length >= ms_to_frames(typed, fps) or c.end == _scene_end(tl, c.start)
        # windows enter and leave with an animation, never a one-frame cut
        assert c.keyframes["opacity"][0].value == 0.0 and c.keyframes["opacity"][1].frame > 1


def _scene_end(tl: Timeline, frame: int) -> int:
    later = [c.start for c in tl.chapters if c.start > frame]
    return min(later) if later else tl.duration


# ------------------------------------------------------------------ the fixture script


def test_fixture_keeps_every_layout_rule(script: Script, timeline: Timeline) -> None:
    check_layout_rules(script, timeline)


def test_gaps_between_lines_depend_on_the_speaker(timeline: Timeline) -> None:
    v = _voice_by_line(timeline)
    assert v[19].start - v[17].end == ms_to_frames(OPT.same_speaker_gap_ms, timeline.fps)
    assert v[21].start - v[19].end == ms_to_frames(OPT.speaker_change_gap_ms, timeline.fps)


def test_pause_gap_is_exactly_the_pause_in_frames(script: Script, timeline: Timeline) -> None:
    pause = next(b for b in script.beats() if isinstance(b, PauseBeat))
    v = _voice_by_line(timeline)
    assert v[25].start - v[21].end == ms_to_frames(pause.duration_ms, timeline.fps) == 45


def test_terminal_types_under_the_end_of_the_line_before_it(timeline: Timeline) -> None:
    (term,) = [c for c in _track(timeline, "terminal") if c.script_line == 27]
    v = _voice_by_line(timeline)
    fps = timeline.fps
    line = v[25]
    under = min(ms_to_frames(OPT.type_under_ms, fps), line.length * 2 // 5)
    assert term.start == line.end - under < line.end
    assert isinstance(term.source, TerminalSource)
    assert term.source.play_ms == term.source.animation_ms
    # the next line starts soon after the last keystroke, while the output shows
    _, last_key = block_timing(term.source.beat)
    assert v[32].start == term.start + ms_to_frames(last_key + OPT.after_typing_ms, fps)
    assert v[32].start - (term.start + ms_to_frames(last_key, fps)) < ms_to_frames(1_500, fps)
    # it stays on screen, finished, until the scene ends
    assert term.end == timeline.chapters[1].start


def test_terminal_length_comes_from_the_terminal_engine(script: Script, timeline: Timeline) -> None:
    beat = next(b for b in script.beats() if isinstance(b, TerminalBeat))
    (term,) = [c for c in _track(timeline, "terminal") if c.script_line == beat.line]
    assert isinstance(term.source, TerminalSource)
    assert (
        term.source.animation_ms
        == build_animation(beat, width=1280, height=720, seed=beat.line).duration_ms
    )
    assert term.source.beat == beat


def test_sync_next_code_types_during_the_next_speech(timeline: Timeline) -> None:
    (code,) = [c for c in _track(timeline, "terminal") if c.script_line == 40]
    speech = _voice_by_line(timeline)[44]
    assert code.start == speech.start
    assert isinstance(code.source, TerminalSource)
    assert code.source.play_ms == frames_to_ms(speech.length, timeline.fps)
    assert code.source.retimed
    # overlaps the speech rather than coming before it
    assert code.start < speech.end and speech.start < code.end


def test_visuals_span_until_the_next_visual_and_the_last_is_held(timeline: Timeline) -> None:
    visuals = _track(timeline, "visual")
    lines = [c.script_line for c in visuals]
    # opening backdrop (the harbour starts after the lead-in), harbour, closing-scene
    # backdrop (speech before any visual), the still, the lighthouse
    assert lines == [13, 15, 34, 38, 46]
    kinds = [c.source.kind for c in visuals]
    assert kinds == ["procedural"] * 3 + ["image", "procedural"]
    harbour, backdrop, still, lighthouse = visuals[1:]
    assert (
        isinstance(harbour.source, ProceduralSource)
        and harbour.source.prompt == "a quiet harbour at dawn"
    )
    assert harbour.source.styled_prompt.endswith("flat colours")
    assert isinstance(still.source, ImageSource) and Path(still.source.path).is_file()
    assert lighthouse.length == ms_to_frames(OPT.held_visual_ms, timeline.fps)
    assert lighthouse.end == timeline.duration
    # Ken Burns runs over each still's own length, and scenes cross-fade
    assert (
        harbour.source.ken_burns is not None and harbour.source.ken_burns.frames == harbour.length
    )
    assert backdrop.transition_in is not None and backdrop.start == timeline.chapters[1].start


def test_a_visual_between_code_and_its_speech_does_not_cut_the_code(timeline: Timeline) -> None:
    (code,) = [c for c in _track(timeline, "terminal") if c.script_line == 40]
    lighthouse = _track(timeline, "visual")[-1]
    assert code.end == lighthouse.start


def test_captions_carry_word_timings_inside_the_clip(timeline: Timeline) -> None:
    for clip in _track(timeline, "caption"):
        assert isinstance(clip.source, CaptionSource)
        words = clip.source.words
        assert words, clip.source.text
        assert [w.text for w in words] == clip.source.text.split()
        for w in words:
            assert 0 <= w.start < w.end <= clip.length


def test_speech_without_voices_is_marked_estimated(script: Script, timeline: Timeline) -> None:
    beats = {b.line: b for b in script.beats() if isinstance(b, SpeechBeat)}
    for clip in _track(timeline, "voice"):
        src = clip.source
        assert isinstance(src, SpeechSource)
        assert src.estimated and src.audio_path is None
        beat = beats[clip.script_line]  # type: ignore[index]
        assert src.text == beat.text and src.speaker == beat.speaker
        assert abs(frames_to_ms(clip.length, timeline.fps) - beat.estimated_ms) <= 1000 / 30


def test_chapters_start_where_their_scene_starts(timeline: Timeline) -> None:
    opening, closing = timeline.chapters
    assert (opening.title, opening.start, opening.line) == ("Opening", 0, 13)
    assert closing.title == "Closing"
    first_speech_of_closing = _voice_by_line(timeline)[36]
    assert closing.start == first_speech_of_closing.start


@pytest.mark.parametrize("fps", [24, Fraction(30000, 1001), 60])
def test_other_frame_rates_keep_the_rules_without_drift(
    script: Script, fps: int | Fraction
) -> None:
    tl = auto_layout(script, None, fps=fps, width=640, height=360)
    check_layout_rules(script, tl)
    assert tl.fps == Fraction(fps)
    for clip in _track(tl, "voice"):
        assert isinstance(clip.source, SpeechSource)
        assert clip.length == max(1, samples_to_frames(clip.source.num_samples, tl.fps))


def test_a_long_script_does_not_drift() -> None:
    # 400 identical lines at NTSC rate: each start is the previous end plus the fixed gap.
    text = "# Long\n\n## Only\n\n" + "\n\n".join(
        "One two three four five six seven." for _ in range(400)
    )
    tl = auto_layout(parse_text(text), None, fps="29.97")
    voice = _track(tl, "voice")
    gap = ms_to_frames(OPT.same_speaker_gap_ms, tl.fps)
    length = voice[0].length
    assert all(c.length == length for c in voice)
    assert voice[-1].start == voice[0].start + 399 * (length + gap)


def test_music_runs_under_everything_and_speech_regions_are_marked(tmp_path: Path) -> None:
    with wave.open(str(tmp_path / "bed.wav"), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(48_000)
        w.writeframes(b"\0\0" * 4800)
    script_path = tmp_path / "s.md"
    script_path.write_text(
        "---\ntitle: Music\nmusic: bed.wav\n---\n\n# Music\n\nFirst line here.\n\nSecond line here.\n",
        encoding="utf-8",
    )
    script = parse_file(script_path)
    tl = auto_layout(script, None)
    (music,) = _track(tl, "music")
    assert isinstance(music.source, MusicSource)
    assert music.source.loop and music.source.duck
    assert Path(music.source.path) == (tmp_path / "bed.wav").resolve()
    assert (music.start, music.end) == (0, tl.duration)
    voice = _track(tl, "voice")
    assert tl.speech_regions() == [(c.start, c.end) for c in voice]


def test_a_script_without_music_has_an_empty_music_track(timeline: Timeline) -> None:
    assert _track(timeline, "music") == []


def test_vertical_scripts_default_to_a_vertical_frame() -> None:
    tl = auto_layout(parse_text('---\naspect: "9:16"\n---\n# Short\n\nHello there.\n'), None)
    assert (tl.width, tl.height) == (1080, 1920)


def test_an_empty_script_gives_just_the_title_card() -> None:
    tl = auto_layout(parse_text(""), None)
    assert tl.problems() == []
    assert [c.source.kind for _, c in tl.clips()] == ["title_card"]


def test_a_card_cut_short_by_a_window_hands_over_to_the_scene_title() -> None:
    """A terminal that opens under the title card closes it early; the first scene's
    heading then enters at once, instead of a blank wait to the card's full length that
    left a short scene's heading on screen only as it left (the corpus git Short)."""
    text = (
        "---\ntitle: Undo your last commit\n---\n\n## The problem\n\n"
        "You committed too early.\n\n```terminal\n$ git log --oneline -1\na1b2c3d oops\n```\n"
    )
    script = parse_text(text)
    tl = auto_layout(script, None)
    card, heading = _track(tl, "title")
    assert isinstance(card.source, TitleCardSource)
    assert isinstance(heading.source, SceneTitleSource)
    assert card.end < ms_to_frames(OPT.title_card_ms, tl.fps)
    assert heading.start == card.end
    assert heading.end == tl.duration and heading.script_line == script.scenes[0].line


def test_sync_next_with_no_speech_after_it_plays_on_its_own() -> None:
    text = "# T\n\n## S\n\nHello.\n\n```terminal sync=next\n$ ls\nfile\n```\n"
    tl = auto_layout(parse_text(text), None)
    (term,) = _track(tl, "terminal")
    (speech,) = _track(tl, "voice")
    assert isinstance(term.source, TerminalSource)
    assert speech.start <= term.start < speech.end and not term.source.retimed


# ------------------------------------------------------------------ shipped example and corpus


def test_the_shipped_example_lays_out() -> None:
    if not EXAMPLE.is_file():
        pytest.skip("resources/examples/how-ssh-works/script.md is not in this checkout yet")
    script = parse_file(EXAMPLE)
    check_layout_rules(script, auto_layout(script, None))


def test_every_corpus_script_lays_out(corpus_dir: Path) -> None:
    scripts = sorted(corpus_dir.glob("*.md"))
    assert scripts
    for path in scripts:
        script = parse_file(path)
        if not script.scenes:
            continue
        tl = auto_layout(script, None)
        check_layout_rules(script, tl)


def test_words_hold_until_a_window_that_follows_a_short_gap() -> None:
    """A phrase that ends a moment before a window enters stays on screen until it does,
    instead of leaving the bare background for a few frames (the corpus ssh script)."""
    script = parse_text(
        "---\ntitle: Gap\n---\n\n## Logging in\n\n"
        "Only now does authentication begin, inside the encrypted channel.\n\n"
        "```terminal sync=next\n$ ssh alice@example.com\nWelcome to Ubuntu\n```\n\n"
        "That is the whole trick: agree, verify, then trust.\n"
    )
    tl = auto_layout(script, None)
    window = tl.tracks_of("terminal")[0].clips[0]
    words = [c for c in tl.tracks_of("words")[0].clips if c.start < window.start]
    assert words and max(c.end for c in words) == window.start
