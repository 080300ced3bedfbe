"""Front matter values a writer may get wrong: each warned on its line, with a sensible default."""

from __future__ import annotations

from app.engine.script import parse_text
from tests.engine.script.conftest import at


def _fm(body: str) -> str:
    return f"---\n{body}---\n\n## S\n\nWords.\n"


def test_bad_values_fall_back_to_defaults_with_warnings() -> None:
    script = parse_text(_fm('aspect: "4:3"\nfps: sixty\nbudget: lots\ntags: 7\n'))
    assert (script.settings.aspect, script.settings.fps, script.settings.budget_usd) == (
        "16:9",
        30,
        None,
    )
    assert script.settings.tags == []
    assert [len(at(script, n, "warning")) for n in (2, 3, 4, 5)] == [1, 1, 1, 1]
    assert not script.has_errors


def test_comma_separated_tags_and_style_list() -> None:
    script = parse_text(_fm("tags: ssh, linux\nstyle: [moody, film grain]\n"))
    assert script.settings.tags == ["ssh", "linux"]
    assert script.settings.style == "moody, film grain"


def test_character_settings_are_checked() -> None:
    script = parse_text(
        _fm(
            "characters:\n"
            "  ALICE: { voice: local/joe, speed: 9, wobble: 1 }\n"
            "  BOB: elevenlabs/abc\n"
            "  CAROL: [not, a, mapping]\n"
        )
    )
    assert any("speed" in d.message for d in at(script, 3, "warning"))
    assert any("wobble" in d.message for d in at(script, 3, "warning"))
    alice, bob, carol, narrator = script.characters
    assert (narrator.name, narrator.declared) == ("NARRATOR", False)
    assert alice.settings.speed == 1.0
    assert str(bob.voice) == "elevenlabs/abc"
    assert str(carol.voice) == "local/joe" and at(script, 5, "error")


def test_character_names_match_speakers_regardless_of_case() -> None:
    script = parse_text(
        _fm("characters:\n  Alice: { voice: local/joe }\n") + "\nALICE: Hi.\n\n**alice:** Bye.\n"
    )
    assert [b.speaker for b in script.beats()][-2:] == ["Alice", "Alice"]
    assert not [d for d in script.diagnostics if "no entry" in d.message]


def test_music_outside_the_folder_is_an_error() -> None:
    script = parse_text(_fm("music: ../../song.mp3\n"))
    assert [d.line for d in script.diagnostics if d.is_error] == [2]
    assert script.settings.music_resolved is None


def test_front_matter_is_only_at_the_very_top() -> None:
    script = parse_text("\n---\ntitle: nope\n---\n\nWords.\n")
    assert script.settings.title is None
