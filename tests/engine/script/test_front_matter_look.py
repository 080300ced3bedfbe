"""The look of a video in front matter: style, captions, typing sound, thumbnail, colours, avatars.

Bad values are warnings on their own line, naming the fix; the default is used.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from app.engine.script import parse_file, parse_text
from app.engine.script.settings import KNOWN_KEYS, parse_time_ms
from app.engine.styles import CAPTION_LOOKS, FONT_FAMILIES, resolve_style, style_names
from app.engine.visuals.backgrounds import background_kinds
from tests.engine.script.conftest import at, problems

BACKGROUND_KINDS = background_kinds()


def _fm(body: str) -> str:
    return f"---\n{body}---\n\n## S\n\nWords.\n"


def _png(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (16, 16), (200, 40, 40)).save(path)
    return path


def test_new_keys_are_known() -> None:
    assert {"style", "captions", "typing_sound", "thumbnail"} <= set(KNOWN_KEYS)
    script = parse_text(_fm("captions: burn\ntyping_sound: off\nthumbnail: 0:42\n"))
    assert problems(script) == []


# -- style ------------------------------------------------------------------


def test_a_bundled_style_name_sets_the_look_and_no_prompt_style() -> None:
    name = style_names()[-1]
    script = parse_text(_fm(f"style: {name.upper()}\n") + "\n> visual: a city\n\nMore.\n")
    assert script.settings.look.name == name
    assert script.settings.style == ""
    visual = next(b for b in script.beats() if b.kind == "visual")
    assert visual.styled_prompt == "a city"  # type: ignore[union-attr]
    assert problems(script) == []


def test_any_other_style_text_is_still_the_prompt_style() -> None:
    script = parse_text(_fm("style: cinematic, teal and orange\n") + "\n> visual: a city\n")
    assert script.settings.style == "cinematic, teal and orange"
    assert script.settings.look.name == "studio"
    visual = next(b for b in script.beats() if b.kind == "visual")
    assert visual.styled_prompt == "a city, cinematic, teal and orange"  # type: ignore[union-attr]


def test_the_mapping_form_fills_the_look_and_the_prompt_style() -> None:
    name = style_names()[1]
    script = parse_text(
        _fm(
            "style:\n"
            f"  name: {name}\n"
            '  palette: ["#0B3A6E", "112233", "#f5f0ff", "#FFB347", "#4cc9f0"]\n'
            f"  font: {FONT_FAMILIES[-1].upper()}\n"
            f"  captions: {CAPTION_LOOKS[1]}\n"
            f"  background: {BACKGROUND_KINDS[2]}\n"
            '  prompt: "cinematic, teal"\n'
        )
    )
    assert problems(script) == []
    look = script.settings.look
    assert look.name == name
    assert look.palette == ["#0b3a6e", "#112233", "#f5f0ff", "#ffb347", "#4cc9f0"]
    assert (look.font, look.captions, look.background) == (
        FONT_FAMILIES[-1],
        CAPTION_LOOKS[1],
        BACKGROUND_KINDS[2],
    )
    assert script.settings.style == "cinematic, teal"
    # The style module turns it into the colours things are drawn with.
    style = resolve_style(look)
    assert (style.name, style.background, style.accent) == (name, (11, 58, 110), (255, 179, 71))
    assert style.background_kind == BACKGROUND_KINDS[2]


def test_bad_style_values_are_warned_on_their_lines_with_the_choices() -> None:
    script = parse_text(
        _fm(
            "style:\n"  # line 2
            "  name: sparkly\n"  # 3
            '  palette: ["#000000", "not-a-colour"]\n'  # 4
            "  font: comic\n"  # 5
            "  captions: wobble\n"  # 6
            "  background: waves\n"  # 7
            "  glitter: 3\n"  # 8
        )
    )
    look = script.settings.look
    assert (look.name, look.palette, look.font, look.captions, look.background) == (
        "studio",
        [],
        None,
        None,
        None,
    )
    messages = {n: [d.message for d in at(script, n, "warning")] for n in range(3, 9)}
    assert all(len(m) == 1 for m in messages.values()), messages
    assert all(name in messages[3][0] for name in style_names())
    assert "not-a-colour" in messages[4][0] and "#ffb347" in messages[4][0]
    assert all(f in messages[5][0] for f in FONT_FAMILIES)
    assert all(c in messages[6][0] for c in CAPTION_LOOKS)
    assert all(k in messages[7][0] for k in BACKGROUND_KINDS)
    assert "glitter" in messages[8][0]
    assert not script.has_errors


def test_an_unquoted_hash_colour_is_explained() -> None:
    script = parse_text(_fm("style:\n  palette:\n    - #112233\n"))
    (warning,) = at(script, 4, "warning")
    assert "quotes" in warning.message and script.settings.look.palette == []


# -- captions and typing sound ------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "mode"),
    [
        ("burn", "burn"),
        ("OFF", "off"),
        ("auto", "auto"),
        ("true", "burn"),
        ("false", "off"),
        ("on", "burn"),
        ('"off"', "off"),
    ],
)
def test_captions_modes(written: str, mode: str) -> None:
    script = parse_text(_fm(f"captions: {written}\n"))
    assert script.settings.captions == mode
    assert problems(script) == []


def test_a_bad_captions_mode_is_warned_and_auto_is_used() -> None:
    script = parse_text(_fm("captions: sometimes\n"))
    assert script.settings.captions == "auto"
    (warning,) = at(script, 2, "warning")
    assert "burn" in warning.message and "off" in warning.message


def test_captions_default_to_auto_and_typing_sound_to_on() -> None:
    settings = parse_text("Words.\n").settings
    assert (settings.captions, settings.typing_sound) == ("auto", True)


@pytest.mark.parametrize(
    ("written", "on"),
    [("off", False), ("on", True), ("false", False), ("true", True), ('"Off"', False)],
)
def test_typing_sound(written: str, on: bool) -> None:
    script = parse_text(_fm(f"typing_sound: {written}\n"))
    assert script.settings.typing_sound is on
    assert problems(script) == []


def test_a_bad_typing_sound_is_warned_and_stays_on() -> None:
    script = parse_text(_fm("typing_sound: loud\n"))
    assert script.settings.typing_sound is True
    assert len(at(script, 2, "warning")) == 1


# -- thumbnail ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "ms"),
    [
        ("0:42", 42_000),
        ("1:02.5", 62_500),
        ("42s", 42_000),
        ("42.5", 42_500),
        ("1500ms", 1_500),
        ('"1:00:05"', 3_605_000),
        ("7", 7_000),
    ],
)
def test_a_thumbnail_time(written: str, ms: int) -> None:
    script = parse_text(_fm(f"thumbnail: {written}\n"))
    assert script.settings.thumbnail_ms == ms
    assert script.settings.thumbnail_resolved is None
    assert script.settings.thumbnail == written.strip('"')
    assert problems(script) == []


def test_times_that_are_not_times() -> None:
    assert parse_time_ms("1:75") is None  # 75 seconds is not a clock reading
    assert parse_time_ms("soon") is None
    assert parse_time_ms("-3") is None


def test_a_thumbnail_image_resolves_like_media(tmp_path: Path) -> None:
    image = _png(tmp_path / "images" / "thumb.png")
    path = tmp_path / "s.md"
    path.write_text(_fm("thumbnail: images/thumb.png\n"), encoding="utf-8")
    script = parse_file(path)
    assert problems(script) == []
    assert script.settings.thumbnail == "images/thumb.png"
    assert script.settings.thumbnail_resolved == str(image.resolve())
    assert script.settings.thumbnail_ms is None


def test_thumbnail_problems(tmp_path: Path) -> None:
    (tmp_path / "notes.png").write_text("not a picture", encoding="utf-8")
    cases = {
        "thumbnail: images/missing.png\n": "error",
        "thumbnail: ../outside.png\n": "error",
        "thumbnail: notes.png\n": "warning",
        "thumbnail: cover\n": "warning",
        "thumbnail: -5\n": "warning",
    }
    for body, severity in cases.items():
        path = tmp_path / "s.md"
        path.write_text(_fm(body), encoding="utf-8")
        script = parse_file(path)
        found = at(script, 2)
        assert [d.severity.value for d in found] == [severity], (body, found)
        assert script.settings.thumbnail_resolved is None and script.settings.thumbnail_ms is None


# -- character colour and avatar ------------------------------------------------------


def test_character_color_and_avatar(tmp_path: Path) -> None:
    avatar = _png(tmp_path / "people" / "kim.png")
    path = tmp_path / "s.md"
    path.write_text(
        "---\ncharacters:\n"
        '  Dr. Kim: { voice: local/joe, color: "#FFB347", avatar: people/kim.png }\n'
        "---\n\n**Dr. Kim:** Hello.\n",
        encoding="utf-8",
    )
    script = parse_file(path)
    assert problems(script) == []
    kim = script.character("Dr. Kim")
    assert kim is not None
    assert (kim.color, kim.avatar, kim.avatar_resolved) == (
        "#ffb347",
        "people/kim.png",
        str(avatar.resolve()),
    )


def test_bad_colours_and_avatars_are_reported_on_their_lines(tmp_path: Path) -> None:
    (tmp_path / "fake.png").write_text("this is text, not a picture", encoding="utf-8")
    real = _png(tmp_path / "real.png")
    (tmp_path / "cut.png").write_bytes(real.read_bytes()[:40])  # a truncated download
    path = tmp_path / "s.md"
    path.write_text(
        "---\ncharacters:\n"
        "  ALICE: { color: red, avatar: fake.png }\n"  # line 3
        "  BOB:\n"  # 4
        "    color: #00ff00\n"  # 5
        "    avatar: cut.png\n"  # 6
        "  EVE: { avatar: missing.png }\n"  # 7
        "  MAL: { avatar: ../../etc/passwd }\n"  # 8
        "---\n\nALICE: a.\n\nBOB: b.\n\nEVE: c.\n\nMAL: d.\n",
        encoding="utf-8",
    )
    script = parse_file(path)
    alice, bob, eve, mal = (script.character(n) for n in ("ALICE", "BOB", "EVE", "MAL"))
    assert alice and bob and eve and mal
    assert (alice.color, bob.color) == (None, None)
    assert all(c.avatar_resolved is None for c in (alice, bob, eve, mal))
    assert (alice.avatar, bob.avatar) == ("fake.png", "cut.png")
    line3 = [d.message for d in at(script, 3, "warning")]
    assert len(line3) == 2
    assert any("red" in m and "#ff8800" in m for m in line3)
    assert any("fake.png" in m and "not an image; a monogram is drawn instead" in m for m in line3)
    (empty,) = at(script, 5, "warning")
    assert "quotes" in empty.message
    (cut,) = at(script, 6, "warning")
    assert "monogram" in cut.message
    assert [d.severity.value for d in at(script, 7)] == ["error"]
    assert "outside" in at(script, 8, "error")[0].message


def test_avatar_paths_without_a_script_folder_are_checked_for_shape_only() -> None:
    script = parse_text(_fm("characters:\n  ALICE: { avatar: images/a.png }\n"))
    alice = script.character("ALICE")
    assert alice is not None and alice.avatar == "images/a.png" and alice.avatar_resolved is None
    assert problems(script) == []
