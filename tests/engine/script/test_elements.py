"""Every element of docs/script-format.md, read from the project's fixture scripts."""

from __future__ import annotations

from pathlib import Path

from app.engine.model.script import (
    CalloutBeat,
    CodeBeat,
    MediaBeat,
    PauseBeat,
    SpeechBeat,
    TerminalBeat,
    VisualBeat,
)
from app.engine.script import parse_file, parse_text
from tests.engine.script.conftest import problems


def test_front_matter_settings_and_characters(valid_dir: Path) -> None:
    script = parse_file(valid_dir / "front-matter.md")
    assert problems(script) == []
    s = script.settings
    assert script.title == s.title == "Front matter, all of it"
    assert s.description == "Every setting the front matter knows."
    assert s.tags == ["demo", "fixtures"]
    assert (s.aspect, s.fps, s.budget_usd) == ("9:16", 60, 3.5)
    assert s.style == "watercolour, soft light"
    assert s.music == "music/loop.m4a"
    assert s.music_resolved == str((valid_dir / "music" / "loop.m4a").resolve())
    names = [c.name for c in script.characters]
    assert names == ["NARRATOR", "ALICE", "BOB"]
    narrator, alice, bob = script.characters
    assert (str(narrator.voice), narrator.settings.speed, narrator.line) == ("local/joe", 1.25, 11)
    assert str(alice.voice) == "elevenlabs/21m00Tcm4TlvDq8ikWAM"
    assert [str(f) for f in alice.fallback] == ["local/joe"]
    assert (alice.settings.stability, alice.settings.similarity_boost, alice.settings.style) == (
        0.4,
        0.8,
        0.2,
    )
    assert [str(f) for f in bob.fallback] == ["elevenlabs/pNInz6obpgDQGcFmaJgB", "local/joe"]
    assert bob.settings.pitch == -2
    assert all(c.declared for c in script.characters)


def test_unquoted_aspect_is_not_read_as_a_number() -> None:
    # YAML 1.1 reads 9:16 unquoted as the base-60 number 556.
    script = parse_text("---\naspect: 9:16\n---\n\nWords.\n")
    assert script.settings.aspect == "9:16"


def test_title_comes_from_the_single_h1_when_front_matter_has_none(valid_dir: Path) -> None:
    script = parse_file(valid_dir / "title-h1.md")
    assert script.title == "A title from the heading"
    intro, first = script.scenes
    assert intro.intro and intro.title == "A title from the heading" and intro.line == 1
    assert [b.line for b in intro.beats] == [3]
    assert (first.title, first.line, first.intro) == ("First scene", 5, False)


def test_front_matter_title_wins_over_h1() -> None:
    script = parse_text("---\ntitle: From settings\n---\n\n# From heading\n\n## S\n\nWords.\n")
    assert script.title == "From settings"
    assert [s.title for s in script.scenes] == ["S"]


def test_scenes_intro_and_minor_headings(valid_dir: Path) -> None:
    script = parse_file(valid_dir / "scenes.md")
    assert [(s.title, s.line, s.intro) for s in script.scenes] == [
        ("Scenes and an intro", 5, True),
        ("Alpha", 7, False),
        ("Beta", 11, False),
    ]
    beta = script.scenes[2]
    # A ### heading is a callout: shown, not spoken, no new scene; the text under it stays in Beta.
    assert [b.text for b in beta.beats if isinstance(b, SpeechBeat)] == [
        "Second scene.",
        "Still the second scene.",
    ]
    callout = beta.beats[1]
    assert isinstance(callout, CalloutBeat)
    assert (callout.line, callout.text, callout.level, callout.estimated_ms) == (
        15,
        "A note heading",
        3,
        0,
    )
    assert script.diagnostics == []


def test_narration_is_spoken_by_narrator_and_joins_lines(valid_dir: Path) -> None:
    script = parse_file(valid_dir / "narration.md")
    beats = script.beats()
    assert all(isinstance(b, SpeechBeat) and b.speaker == "NARRATOR" for b in beats)
    first, second = beats
    assert isinstance(first, SpeechBeat) and isinstance(second, SpeechBeat)
    assert (first.line, first.end_line, first.text) == (
        5,
        6,
        "This is narration that spans two lines.",
    )
    assert (second.line, second.text) == (8, "A second paragraph of narration.")
    narrator = script.character("NARRATOR")
    assert narrator is not None and not narrator.declared and str(narrator.voice) == "local/joe"
    assert problems(script) == []  # narration needs no characters entry


def test_dialogue_in_both_forms(valid_dir: Path) -> None:
    script = parse_file(valid_dir / "dialogue.md")
    assert problems(script) == []
    speech = [(b.line, b.speaker, b.text) for b in script.beats() if isinstance(b, SpeechBeat)]
    assert speech == [
        (13, "ALICE", "Hello there."),
        (15, "BOB", "Hi Alice. This line is still Bob's."),
        (18, "DR SMITH-2", "Three words of capitals."),
        (20, "ALICE", "The colon may sit outside the bold."),
        (22, "NARRATOR", "Note: this is narration, because Note is not in capitals."),
    ]


def test_a_speaker_line_inside_another_speech_is_warned() -> None:
    script = parse_text("ALICE: Hello.\nBOB: Hi.\n")
    (beat,) = script.beats()
    assert isinstance(beat, SpeechBeat) and beat.speaker == "ALICE"
    assert beat.text == "Hello. BOB: Hi."
    assert any("blank line" in d.message and d.line == 2 for d in script.diagnostics)


def test_speaker_names_need_a_capital_letter_and_at_most_three_words() -> None:
    script = parse_text("2024: a year.\n\nONE TWO THREE FOUR: too many words.\n")
    assert [b.speaker for b in script.beats() if isinstance(b, SpeechBeat)] == [
        "NARRATOR",
        "NARRATOR",
    ]


def test_directions_are_kept_but_never_spoken(valid_dir: Path) -> None:
    script = parse_file(valid_dir / "directions.md")
    speech = [b for b in script.beats() if isinstance(b, SpeechBeat)]
    assert [(b.line, b.text, b.direction) for b in speech] == [
        (10, "Can you hear me?", "whispering"),
        (12, "I think so.", "relieved"),
        (14, "The middle (of a sentence) is spoken.", None),
    ]
    assert all("(" not in c for b in speech[:2] for c in [b.caption, *b.chunks])


def test_visual_prompts_get_the_style_appended(valid_dir: Path) -> None:
    script = parse_file(valid_dir / "visual.md")
    assert problems(script) == []
    visuals = [b for b in script.beats() if isinstance(b, VisualBeat)]
    assert [(v.line, v.end_line, v.prompt) for v in visuals] == [
        (8, 8, "a lighthouse at dusk"),
        (12, 13, "a storm rolling in from the sea"),
    ]
    assert visuals[0].styled_prompt == "a lighthouse at dusk, cinematic, teal and orange"
    assert all(v.estimated_ms == 0 for v in visuals)
    quote = script.beats()[-1]
    assert isinstance(quote, SpeechBeat) and quote.text == "A plain quotation is spoken."


def test_media_resolve_inside_the_script_folder(valid_dir: Path) -> None:
    script = parse_file(valid_dir / "media.md")
    assert problems(script) == []
    media = [b for b in script.beats() if isinstance(b, MediaBeat)]
    assert [(m.line, m.path, m.caption, m.media_type) for m in media] == [
        (5, "images/pixel.png", "A small picture", "image"),
        (9, "clips/tiny.mp4", "A short clip", "video"),
    ]
    assert media[0].resolved == str((valid_dir / "images" / "pixel.png").resolve())
    assert media[1].resolved is not None and Path(media[1].resolved).is_file()


def test_media_paths_with_spaces_are_decoded(tmp_path: Path) -> None:
    (tmp_path / "my pics").mkdir()
    (tmp_path / "my pics" / "a b.png").write_bytes(b"\x89PNG")
    script = parse_text("![x](<my pics/a b.png>)\n\nWords.\n", path=str(tmp_path / "s.md"))
    media = script.beats()[0]
    assert isinstance(media, MediaBeat) and media.path == "my pics/a b.png"
    assert media.resolved == str((tmp_path / "my pics" / "a b.png").resolve())


def test_pauses_alone_on_a_line(valid_dir: Path) -> None:
    script = parse_file(valid_dir / "pauses.md")
    beats = script.beats()
    assert [(b.kind, b.line) for b in beats] == [
        ("speech", 5),
        ("pause", 7),
        ("pause", 9),
        ("speech", 11),
        ("pause", 12),
        ("speech", 13),
    ]
    pauses = [b for b in beats if isinstance(b, PauseBeat)]
    assert [(p.duration_ms, p.seconds, p.estimated_ms) for p in pauses] == [
        (1500, 1.5, 1500),
        (800, 0.8, 800),
        (2000, 2.0, 2000),
    ]


def test_a_pause_inside_a_sentence_is_spoken_and_a_bad_pause_warned() -> None:
    script = parse_text("Wait [pause 1s] here.\n\n[pause soon]\n")
    (beat,) = script.beats()
    assert isinstance(beat, SpeechBeat) and beat.text == "Wait [pause 1s] here."
    assert any(d.line == 3 and "[pause 1.5s]" in d.message for d in script.diagnostics)


def test_terminal_blocks_and_their_options(valid_dir: Path) -> None:
    script = parse_file(valid_dir / "terminal.md")
    assert problems(script) == []
    first, second, third = [b for b in script.beats() if isinstance(b, TerminalBeat)]
    assert (first.line, first.end_line) == (5, 10)
    assert first.commands == ["ls -la", "echo done"]
    assert [(ln.kind, ln.text) for ln in first.lines] == [
        ("command", "ls -la"),
        ("output", "total 0"),
        ("command", "echo done"),
        ("output", "done"),
    ]
    o = first.options
    assert (o.theme, o.speed, o.prompt, o.title, o.sync_next) == (
        "dracula",
        25.0,
        "me@box:~$ ",
        "A window",
        False,
    )
    assert second.info == "console" and second.commands == ["whoami"]
    assert third.info == "shell-session sync=next" and third.options.sync_next
    assert third.estimated_ms == 0  # it plays during the speech that follows
    # 25 cps: "ls -la" + Enter and "echo done" + Enter are 17 characters; two output lines.
    assert first.estimated_ms == round(17 * 1000 / 25) + 2 * 400


def test_code_blocks(valid_dir: Path) -> None:
    script = parse_file(valid_dir / "code.md")
    assert problems(script) == []
    python, rust = [b for b in script.beats() if isinstance(b, CodeBeat)]
    assert (python.line, python.end_line, python.language) == (5, 8, "python")
    assert python.code == 'def hello():\n    print("hi")'
    assert (python.options.speed, python.options.title) == (40.0, "hello.py")
    assert python.estimated_ms == round(len(python.code) * 1000 / 40)
    assert (rust.line, rust.language, rust.code) == (12, "rust", "fn main() {}")
    assert rust.estimated_ms == round(len("fn main() {}") * 1000 / 30)


def test_comments_are_ignored(valid_dir: Path) -> None:
    script = parse_file(valid_dir / "comments.md")
    assert problems(script) == []
    texts = [b.text for b in script.beats() if isinstance(b, SpeechBeat)]
    assert texts == ["Spoken words. More spoken words.", "Last words."]
    assert all("note" not in t.lower() and "comment" not in t.lower() for t in texts)


def test_inline_markup_is_dropped_for_speech_and_captions(valid_dir: Path) -> None:
    script = parse_file(valid_dir / "inline-markup.md")
    (beat,) = script.beats()
    assert isinstance(beat, SpeechBeat)
    expected = "Some emphasis, some strong, a link to docs and ls -la in code."
    assert beat.text == expected
    assert beat.caption == expected
    assert "https" not in beat.text


def test_hard_breaks_are_kept_in_captions_only() -> None:
    script = parse_text("First line\\\nsecond line.\n")
    (beat,) = script.beats()
    assert isinstance(beat, SpeechBeat)
    assert beat.text == "First line second line."
    assert beat.caption == "First line\nsecond line."


def test_music_resolves_like_media(valid_dir: Path) -> None:
    script = parse_file(valid_dir / "music.md")
    assert problems(script) == []
    assert script.settings.music_resolved == str((valid_dir / "music" / "loop.m4a").resolve())


def test_lines_survive_crlf_and_a_byte_order_mark(tmp_path: Path) -> None:
    path = tmp_path / "crlf.md"
    path.write_bytes(b"\xef\xbb\xbf# T\r\n\r\n## S\r\n\r\nHello.\r\n")
    script = parse_file(path)
    assert script.title == "T"
    assert [(b.kind, b.line) for b in script.beats()] == [("speech", 5)]


def test_speech_after_a_pause_line_keeps_its_speaker() -> None:
    script = parse_text("ALICE: Wait for it.\n[pause 1s]\nThere it is.\n")
    assert [(b.kind, b.line, getattr(b, "speaker", None)) for b in script.beats()] == [
        ("speech", 1, "ALICE"),
        ("pause", 2, None),
        ("speech", 3, "ALICE"),
    ]


def test_an_image_before_the_speaker_comes_first() -> None:
    script = parse_text("![x](a.png) ALICE: Look at this.\n\nNARRATOR: And that.\n")
    beats = script.beats()
    assert [b.kind for b in beats] == ["media", "speech", "speech"]
    assert isinstance(beats[1], SpeechBeat) and (beats[1].speaker, beats[1].text) == (
        "ALICE",
        "Look at this.",
    )
