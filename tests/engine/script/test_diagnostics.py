"""Each diagnostic of docs/script-format.md on its line, from fixture scripts written for it."""

from __future__ import annotations

from pathlib import Path

from app.engine.model.script import MediaBeat, SpeechBeat, TerminalBeat, VisualBeat
from app.engine.script import parse_file, parse_text
from app.engine.script.chunking import DEFAULT_LIMIT
from tests.engine.script.conftest import at


def test_unterminated_fence_is_an_error_on_its_opening_line(bad_dir: Path) -> None:
    script = parse_file(bad_dir / "unterminated-fence.md")
    (d,) = [d for d in script.diagnostics if d.is_error]
    assert (d.line, d.column) == (7, 1)
    assert "never closed" in d.message and "```" in d.message
    assert d.file == str(bad_dir / "unterminated-fence.md")
    beat = script.beats()[-1]
    assert isinstance(beat, TerminalBeat) and beat.commands == ["echo this block never ends"]


def test_a_closed_fence_at_the_end_of_the_file_is_fine() -> None:
    assert not parse_text("```terminal\n$ ls\n```").has_errors
    assert not parse_text("````python\nx = '```'\n````\n").has_errors
    assert parse_text("```terminal\n$ ls\n``").has_errors  # a shorter fence does not close it


def test_an_unterminated_fence_inside_a_quote_is_found() -> None:
    script = parse_text("> ```python\n> x = 1\n\nAfter the quote.\n")
    assert [d.line for d in script.diagnostics if d.is_error] == [1]


def test_missing_media_is_an_error_naming_the_file(bad_dir: Path) -> None:
    script = parse_file(bad_dir / "missing-media.md")
    (d,) = at(script, 5, "error")
    assert "images/nope.png" in d.message and "does not exist" in d.message
    assert d.column == 14  # where the path starts on the line
    media = script.beats()[0]
    assert isinstance(media, MediaBeat) and media.resolved is None


def test_media_leaving_the_folder_or_absolute_or_remote_is_refused(bad_dir: Path) -> None:
    script = parse_file(bad_dir / "media-outside.md")
    assert ["outside" in d.message for d in at(script, 5, "error")] == [True]
    assert ["absolute" in d.message for d in at(script, 7, "error")] == [True]
    assert ["web address" in d.message for d in at(script, 9, "error")] == [True]
    assert all(b.resolved is None for b in script.beats() if isinstance(b, MediaBeat))


def test_a_symlink_out_of_the_folder_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside.png"
    outside.write_bytes(b"\x89PNG")
    folder = tmp_path / "project"
    folder.mkdir()
    (folder / "link.png").symlink_to(outside)
    script = parse_text("![x](link.png)\n\nWords.\n", path=str(folder / "script.md"))
    assert [d.line for d in script.diagnostics if d.is_error] == [1]
    media = script.beats()[0]
    assert isinstance(media, MediaBeat) and media.resolved is None


def test_dotdot_that_stays_inside_the_folder_is_allowed(tmp_path: Path) -> None:
    (tmp_path / "images").mkdir()
    (tmp_path / "images" / "a.png").write_bytes(b"\x89PNG")
    script = parse_text("![x](images/../images/a.png)\n\nWords.\n", base_dir=tmp_path)
    assert not script.has_errors


def test_unknown_voice_provider_is_an_error_on_the_character_line(bad_dir: Path) -> None:
    script = parse_file(bad_dir / "unknown-provider.md")
    (d,) = at(script, 4, "error")
    assert "acme" in d.message and "local" in d.message
    narrator = script.character("NARRATOR")
    assert narrator is not None and str(narrator.voice) == "local/joe"


def test_unknown_fallback_provider_is_an_error_too() -> None:
    script = parse_text(
        "---\ncharacters:\n  ALICE:\n    voice: local/joe\n    fallback: [nope/x]\n---\n\nALICE: Hi.\n"
    )
    assert [d.line for d in script.diagnostics if d.is_error] == [5]


def test_empty_script_is_an_error(bad_dir: Path) -> None:
    for name in ("empty.md", "front-matter-only.md"):
        script = parse_file(bad_dir / name)
        assert [d.line for d in script.diagnostics if d.is_error] == [1], name
        assert "empty" in script.diagnostics[-1].message or any(
            "empty" in d.message for d in script.diagnostics
        )
        assert script.scenes == [] or all(not s.beats for s in script.scenes)


def test_malformed_front_matter_is_an_error_on_its_line(bad_dir: Path) -> None:
    script = parse_file(bad_dir / "malformed-front-matter.md")
    errors = [d for d in script.diagnostics if d.is_error]
    assert [d.line for d in errors] == [3]
    assert "YAML" in errors[0].message
    assert [b.line for b in script.beats()] == [8]  # the rest of the script still reads


def test_front_matter_that_is_not_a_mapping_is_an_error() -> None:
    script = parse_text("---\n- just\n- a list\n---\n\nWords.\n")
    assert [d.line for d in script.diagnostics if d.is_error] == [2]


def test_unclosed_front_matter_is_an_error(bad_dir: Path) -> None:
    script = parse_file(bad_dir / "unclosed-front-matter.md")
    assert [d.line for d in script.diagnostics if d.is_error] == [1]
    assert "---" in next(d for d in script.diagnostics if d.is_error).message


def test_speaker_without_characters_entry_is_warned_and_gets_default_voice(bad_dir: Path) -> None:
    script = parse_file(bad_dir / "undeclared-speaker.md")
    (d,) = at(script, 11, "warning")
    assert "BOB" in d.message and "characters" in d.message
    assert not script.has_errors
    bob = script.character("BOB")
    assert bob is not None and not bob.declared and str(bob.voice) == "local/joe" and bob.line == 11


def test_unknown_front_matter_key_is_a_warning(bad_dir: Path) -> None:
    script = parse_file(bad_dir / "unknown-key.md")
    (d,) = at(script, 3, "warning")
    assert "colour" in d.message and d.column == 1
    assert not script.has_errors


def test_unknown_block_option_is_a_warning_at_its_column(bad_dir: Path) -> None:
    script = parse_file(bad_dir / "unknown-option.md")
    (d,) = at(script, 5, "warning")
    assert "sparkle" in d.message
    assert d.column == len("```terminal theme=nord ") + 1
    beat = script.beats()[0]
    assert isinstance(beat, TerminalBeat)
    assert beat.options.theme == "nord" and beat.options.extra == {"sparkle": "yes"}


def test_animation_options_are_known_and_kept_for_the_terminal_engine() -> None:
    script = parse_text(
        "```terminal reveal=decrypt effects=glitch,scanlines cursor=bar blink=off chrome=off\n"
        "$ ls\n```\n\nWords.\n"
    )
    assert [d for d in script.diagnostics if "block option" in d.message] == []
    beat = script.beats()[0]
    assert isinstance(beat, TerminalBeat)
    assert beat.options.extra == {
        "reveal": "decrypt",
        "effects": "glitch,scanlines",
        "cursor": "bar",
        "blink": "off",
        "chrome": "off",
    }


def test_bad_option_values_are_warned() -> None:
    script = parse_text("```terminal speed=fast sync=later dracula\n$ ls\n```\n\nWords.\n")
    messages = [d.message for d in at(script, 1, "warning")]
    assert len(messages) == 3
    assert any("speed=fast" in m for m in messages)
    assert any("sync=later" in m for m in messages)
    assert any("`dracula`" in m for m in messages)


def test_long_speech_is_warned_and_split_at_sentences(bad_dir: Path) -> None:
    script = parse_file(bad_dir / "long-speech.md")
    (d,) = at(script, 5, "warning")
    assert "split" in d.message
    beat = script.beats()[0]
    assert isinstance(beat, SpeechBeat)
    assert len(beat.text) > DEFAULT_LIMIT.size
    assert len(beat.chunks) >= 4  # the narrator speaks locally: ~1,000-character pieces
    assert all(len(c) <= 1000 and c.endswith(".") for c in beat.chunks)
    assert " ".join(beat.chunks) == beat.text


def test_a_short_speech_is_not_warned() -> None:
    script = parse_text("# T\n\nShort and sweet.\n")
    assert [d for d in script.diagnostics if d.severity.value == "warning"] == []
    (beat,) = script.beats()
    assert isinstance(beat, SpeechBeat) and beat.chunks == ["Short and sweet."]


def test_visual_ending_its_scene_is_held_and_warned(bad_dir: Path) -> None:
    script = parse_file(bad_dir / "visual-at-end.md")
    (d,) = at(script, 7, "warning")
    assert "held for 2 seconds" in d.message
    visual = script.scenes[0].beats[-1]
    assert isinstance(visual, VisualBeat) and visual.estimated_ms == 2000


def test_invalid_utf8_is_replaced_and_warned_on_its_line(bad_dir: Path) -> None:
    script = parse_file(bad_dir / "invalid-utf8.md")
    (d,) = at(script, 5, "warning")
    assert "UTF-8" in d.message and d.column == 4
    beat = script.beats()[0]
    assert isinstance(beat, SpeechBeat) and beat.text == "Caf\ufffd au lait is spoken here."


def test_sync_next_with_no_speech_after_it_is_warned() -> None:
    script = parse_text("Words.\n\n```terminal sync=next\n$ ls\n```\n")
    assert [d.line for d in script.diagnostics if "sync=next" in d.message] == [3]
    beat = script.beats()[-1]
    assert isinstance(beat, TerminalBeat) and beat.estimated_ms > 0


def test_messages_name_the_file_in_compiler_form(bad_dir: Path) -> None:
    path = bad_dir / "unknown-key.md"
    script = parse_file(path)
    line = next(d for d in script.diagnostics if d.line == 3).format()
    assert line.startswith(f"{path}:3:1: warning: unknown front matter key `colour`")
