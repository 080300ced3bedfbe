"""Malformed and hostile input: always a Script with diagnostics, never an exception."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.engine.model.script import Script, SpeechBeat, TableBeat
from app.engine.script import parse_file, parse_text
from app.engine.script.frontmatter import load_front_matter
from app.engine.script.limits import LIMITS

INTERNAL = "could not read this script"


def _fine(script: Script) -> None:
    """The parser handled the input itself (the last-resort net in parse_text was not needed)."""
    assert isinstance(script, Script)
    assert not any(INTERNAL in d.message for d in script.diagnostics)


LAUGHS = (
    "---\n"
    'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
    "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
    "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
    "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n"
    "f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"
    "---\n\nWords.\n"
)


def test_billion_laughs_fixture_is_refused(bad_dir: Path) -> None:
    script = parse_file(bad_dir / "billion-laughs.md")
    _fine(script)
    errors = [d for d in script.diagnostics if d.is_error]
    assert len(errors) == 1 and "alias" in errors[0].message
    assert script.settings.title is None
    assert [b.kind for b in script.beats()] == ["speech"]


def test_alias_expansion_under_the_alias_cap_is_still_refused() -> None:
    # 45 aliases (under the cap) that would expand to 9^5 = 59,049 values.
    assert LAUGHS.count("*") < LIMITS.front_matter_aliases
    script = parse_text(LAUGHS)
    _fine(script)
    errors = [d for d in script.diagnostics if d.is_error]
    assert len(errors) == 1 and "expand" in errors[0].message and errors[0].line == 2


def test_a_few_aliases_are_fine() -> None:
    fm = load_front_matter(
        "voice: &v local/joe\ncharacters:\n  A: { voice: *v }\n  B: { voice: *v }\n"
    )
    assert fm.problem is None and fm.data["characters"]["B"]["voice"] == "local/joe"


def test_recursive_alias_is_refused() -> None:
    script = parse_text("---\na: &a [*a]\n---\n\nWords.\n")
    _fine(script)
    assert script.has_errors


def test_deep_yaml_nesting_is_refused_before_building_it() -> None:
    deep = "---\na: " + "[" * 50_000 + "\n---\n\nWords.\n"
    script = parse_text(deep)
    _fine(script)
    (error,) = [d for d in script.diagnostics if d.is_error]
    assert str(LIMITS.front_matter_depth) in error.message and error.line == 2


def test_oversized_front_matter_is_refused() -> None:
    big = "---\n" + "".join(f"key{i}: {'x' * 60}\n" for i in range(1200)) + "---\n\nWords.\n"
    script = parse_text(big)
    _fine(script)
    (error,) = [d for d in script.diagnostics if d.is_error]
    assert "KB" in error.message
    # Nothing was read from it, so no unknown-key warnings for its 1,200 keys.
    assert len(script.diagnostics) < 5


def test_yaml_tags_are_not_executed() -> None:
    script = parse_text(
        "---\ntitle: !!python/object/apply:os.system ['echo hacked']\n---\n\nWords.\n"
    )
    _fine(script)
    assert script.has_errors and script.settings.title is None


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("nested quotes", "> " * 5000 + "deep\n"),
        ("nested quote lines", "".join(">" * i + " x\n" for i in range(1, 2000))),
        ("nested lists", "".join("  " * i + "- x\n" for i in range(1500))),
        ("unclosed comment", "Words.\n\n<!-- never closed\n\nmore\n"),
        ("unclosed fence", "```python\nx = 1\n"),
        ("long line", "word " * 40_000),
        ("brackets", "[" * 20_000),
        ("emphasis", "*_" * 20_000),
        ("nul and controls", "\x00\x01\x02\x1b[31m\x7f text\n"),
        ("lone surrogate", "text \ud800 more\n"),
        ("huge pause", "[pause 99999999s]\n"),
        ("empty", ""),
        ("only whitespace", " \n\t\n\n"),
        ("only a comment", "<!-- nothing -->\n"),
        ("front matter markers only", "---\n---\n"),
        ("setext confusion", "---\ntitle\n---\n"),
        (
            "media everywhere",
            "![a](../x.png) ![b](/etc/passwd) ![c](C:\\x.png) ![d](~/x.png) ![e]()\n",
        ),
        ("tab soup", "\t\t- \t>\t```\t\n"),
        ("table without a body", "| a | b |\n| - | - |\n"),
        ("table with a ragged body", "| a |\n| - |\n| 1 | 2 | 3 |\n|\n| | |\n"),
        ("table in a list in a quote", "> - | a |\n>   | - |\n>   | 1 |\n"),
        ("only a callout", "### \n#### x\n"),
        ("quote of dashes", "> —\n> --\n> ---\n"),
        ("unclosed strong in a list", "- **never\n- closed**\n"),
        ("unclosed fence in a list item", "- ```terminal\n  $ ls\n"),
        ("strong everywhere", "**" * 20_000 + "\n"),
        ("nested list markers", "- " * 5000 + "x\n"),
    ],
)
def test_malformed_input_never_raises(name: str, text: str, tmp_path: Path) -> None:
    script = parse_text(text, path=str(tmp_path / "s.md"))
    _fine(script)
    for d in script.diagnostics:
        assert d.line >= 1 and d.column >= 1 and d.message


def test_media_path_problems_are_errors_without_touching_files(tmp_path: Path) -> None:
    text = "![a](../x.png)\n\n![b](/etc/passwd)\n\n![c](C:\\x.png)\n\n![d](~/x.png)\n\nWords.\n"
    script = parse_text(text, path=str(tmp_path / "s.md"))
    assert sorted(d.line for d in script.diagnostics if d.is_error) == [1, 3, 5, 7]


def test_a_200kb_line_is_one_speech(tmp_path: Path) -> None:
    path = tmp_path / "long.md"
    path.write_text("# Long\n\n" + "Talk. " * 34_000 + "\n", encoding="utf-8")
    script = parse_file(path)
    _fine(script)
    (beat,) = script.beats()
    assert isinstance(beat, SpeechBeat) and beat.line == 3
    assert len(beat.chunks) > 100 and all(len(c) <= 1000 for c in beat.chunks)
    assert any("split" in d.message for d in script.diagnostics)


def test_thousands_of_nested_quotes_keep_the_text_after_them(tmp_path: Path) -> None:
    text = "> " * 3000 + "deep\n\n## After\n\nStill here.\n"
    script = parse_text(text)
    _fine(script)
    assert script.scenes[-1].title == "After"
    assert [b.text for b in script.scenes[-1].beats if isinstance(b, SpeechBeat)] == ["Still here."]


def test_binary_file_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "picture.md"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4)
    script = parse_file(path)
    assert script.has_errors and script.scenes == []
    assert "binary" in script.diagnostics[0].message


def test_a_directory_is_an_error(tmp_path: Path) -> None:
    script = parse_file(tmp_path)
    assert script.has_errors and "folder" in script.diagnostics[0].message


def test_a_missing_file_is_an_error(tmp_path: Path) -> None:
    script = parse_file(tmp_path / "nope.md")
    assert script.has_errors and "no file" in script.diagnostics[0].message


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_an_unreadable_file_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "locked.md"
    path.write_text("Words.\n", encoding="utf-8")
    path.chmod(0)
    script = parse_file(path)
    assert script.has_errors and "could not be read" in script.diagnostics[0].message


def test_utf16_with_bom_is_read(tmp_path: Path) -> None:
    path = tmp_path / "utf16.md"
    path.write_bytes("# Wide\n\nHello.\n".encode("utf-16"))
    script = parse_file(path)
    assert not script.has_errors and script.title == "Wide"


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text())
def test_any_text_parses(text: str) -> None:
    _fine(parse_text(text))


_PIECES = st.sampled_from(
    [
        "---\n",
        "title: x\n",
        "characters:\n",
        "  A: { voice: acme/x }\n",
        "# T\n",
        "## S\n",
        "\n",
        "ALICE: hi\n",
        "**Bob:** yo (quietly)\n",
        "> visual: sky\n",
        "![m](a.png)\n",
        "[pause 1s]\n",
        "```terminal sync=next\n",
        "```python\n",
        "```\n",
        "$ ls\n",
        "out\n",
        "<!-- c\n",
        "-->\n",
        "*a* [l](u) `c`\n",
        "&amp; \\*\n",
        "    indented\n",
        "- item\n",
        "1. one\n",
        "> quote\n",
        "  - nested\n",
        "| a | b |\n",
        "| :- | -: |\n",
        "| 1 |\n",
        "### callout\n",
        "> — Ada\n",
        "**Dr. Who:** hi\n",
        "**key** words\n",
        "-- Tim\n",
    ]
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_PIECES, max_size=30))
def test_any_arrangement_of_script_elements_parses(pieces: list[str]) -> None:
    text = "".join(pieces)
    script = parse_text(text)
    _fine(script)
    last_line = text.count("\n") + 1
    for beat in script.beats():
        assert 1 <= beat.line <= last_line
        assert beat.estimated_ms >= 0
    for d in script.diagnostics:
        assert 1 <= d.line <= last_line


def test_the_garbage_collector_is_left_as_it_was() -> None:
    import gc

    assert gc.isenabled()
    parse_text("# T\n\nWords.\n")
    assert gc.isenabled()
    gc.disable()
    try:
        parse_text("# T\n\nWords.\n")
        assert not gc.isenabled()  # a caller that switched it off keeps it off
    finally:
        gc.enable()


def test_a_pipe_is_refused_instead_of_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.md"
    os.mkfifo(fifo)
    script = parse_file(fifo)  # reading a pipe with no writer would block forever
    assert script.has_errors and "regular file" in script.diagnostics[0].message


def test_a_thousand_item_list_is_one_slide_of_a_thousand_lines() -> None:
    text = "## S\n\n" + "".join(f"- Item number {i}.\n" for i in range(1000)) + "\nAfter.\n"
    script = parse_text(text)
    _fine(script)
    items = [b for b in script.beats() if isinstance(b, SpeechBeat) and b.shown]
    assert len(items) == 1000
    assert {b.shown.group for b in items if b.shown} == {3}
    assert [b.shown.index for b in items if b.shown] == list(range(1000))
    assert items[-1].text == "Item number 999." and items[-1].line == 1002
    assert not [d for d in script.diagnostics if d.severity.value != "info"]


def test_a_table_with_200_columns_keeps_them_and_warns_once() -> None:
    cols = 200
    text = (
        "|" + "|".join(f"h{i}" for i in range(cols)) + "|\n"
        "|" + "|".join("---" for _ in range(cols)) + "|\n"
        "|" + "|".join(str(i) for i in range(cols)) + "|\n"
        "\nWords after it.\n"
    )
    script = parse_text(text)
    _fine(script)
    (table,) = [b for b in script.beats() if isinstance(b, TableBeat)]
    assert len(table.header) == len(table.align) == len(table.rows[0]) == cols
    assert table.rows[0][-1] == str(cols - 1)
    warnings = [d for d in script.diagnostics if d.severity.value == "warning"]
    assert len(warnings) == 1 and "cut to fit" in warnings[0].message


def test_lists_nested_past_the_markdown_limit_name_the_lines_they_lose() -> None:
    # markdown-it stops at 20 levels (10 lists of items) and skips the rest of that list,
    # which runs to the end of the file; the writer is told which lines.
    text = "".join("  " * i + "- level\n" for i in range(200)) + "\n## After\n\nStill here.\n"
    script = parse_text(text)
    _fine(script)
    (error,) = [d for d in script.diagnostics if d.is_error]
    assert error.line == 10 and "lines 10–204 are skipped" in error.message
    depths = [b.shown.depth for b in script.beats() if isinstance(b, SpeechBeat) and b.shown]
    assert depths == list(range(9))


def test_lists_just_under_the_limit_lose_nothing() -> None:
    text = "".join("  " * i + "- level\n" for i in range(9)) + "\n## After\n\nStill here.\n"
    script = parse_text(text)
    assert not script.has_errors
    assert [b.text for b in script.scenes[-1].beats if isinstance(b, SpeechBeat)] == ["Still here."]
