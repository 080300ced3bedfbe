"""On-screen text: lists, tables, callouts, quotes, key phrases and speaker names.

Each test writes the Markdown a writer would and checks what is spoken and what is shown.
"""

from __future__ import annotations

from app.engine.model.script import (
    TABLE_MAX_COLS,
    TABLE_MAX_ROWS,
    CalloutBeat,
    PauseBeat,
    Script,
    Shown,
    SpeechBeat,
    TableBeat,
)
from app.engine.script import parse_text
from app.engine.script.timing import SHOWN_ALONE_MS, speech_ms
from tests.engine.script.conftest import at, problems


def speech(script: Script) -> list[SpeechBeat]:
    return [b for b in script.beats() if isinstance(b, SpeechBeat)]


# -- speakers ----------------------------------------------------------------


def test_dotted_spaced_and_apostrophe_names_are_speakers() -> None:
    script = parse_text(
        "**Dr. Who:** Hello.\n\n**Mary Jane:** Hi.\n\n**O'Brien:** Evening.\n\n"
        "**Dr. Who**: Again.\n\n**Smith-Jones:** Yes.\n\n**O’Neil:** Curly.\n"
    )
    assert [(b.speaker, b.text) for b in speech(script)] == [
        ("DR. WHO", "Hello."),
        ("MARY JANE", "Hi."),
        ("O'BRIEN", "Evening."),
        ("DR. WHO", "Again."),
        ("SMITH-JONES", "Yes."),
        ("O’NEIL", "Curly."),
    ]
    assert all(b.emphasis == [] for b in speech(script))  # the name is not a key phrase


def test_a_dotted_name_matches_its_characters_entry_in_any_case() -> None:
    script = parse_text(
        "---\ncharacters:\n  Dr. Who: { voice: local/joe }\n---\n\n"
        "**Dr. Who:** One.\n\n**DR. WHO:** Two.\n\n**dr. who**: Three.\n"
    )
    assert [b.speaker for b in speech(script)] == ["Dr. Who"] * 3
    assert problems(script) == []
    (who,) = [c for c in script.characters if c.declared]
    assert who.name == "Dr. Who"


def test_bold_names_need_a_letter_and_at_most_three_words() -> None:
    script = parse_text(
        "**2024:** was a year.\n\n**One Two Three Four:** too many.\n\n**A. B. C.:** three.\n"
    )
    assert [b.speaker for b in speech(script)] == ["NARRATOR", "NARRATOR", "A. B. C."]
    first, second, _ = speech(script)
    assert first.text == "2024: was a year." and first.emphasis == ["2024:"]
    assert second.text == "One Two Three Four: too many."


def test_caps_names_keep_their_old_rule() -> None:
    script = parse_text("DR. WHO: not a caps speaker.\n\nDR WHO: is one.\n")
    assert [(b.speaker, b.text) for b in speech(script)] == [
        ("NARRATOR", "DR. WHO: not a caps speaker."),
        ("DR WHO", "is one."),
    ]


# -- lists -------------------------------------------------------------------


def test_a_bullet_list_is_spoken_item_by_item_and_shown_as_one_slide() -> None:
    script = parse_text("## S\n\n- First point\n- Second point\n* other list\n\nAfter.\n")
    beats = speech(script)
    assert [b.text for b in beats] == ["First point", "Second point", "other list", "After."]
    assert [b.shown for b in beats[:2]] == [
        Shown(kind="list_item", group=3, index=0, marker="•"),
        Shown(kind="list_item", group=3, index=1, marker="•"),
    ]
    # A different bullet character starts a new list, so a new slide.
    assert beats[2].shown == Shown(kind="list_item", group=5, index=0, marker="•")
    assert beats[3].shown is None
    assert [b.speaker for b in beats] == ["NARRATOR"] * 4
    assert [b.line for b in beats] == [3, 4, 5, 7]
    assert problems(script) == []


def test_ordered_lists_number_from_their_start_and_are_not_spoken_with_the_number() -> None:
    script = parse_text("3. Three\n4. Four\n1. Five, written lazily\n")
    beats = speech(script)
    assert [b.text for b in beats] == ["Three", "Four", "Five, written lazily"]
    assert [(b.shown.marker, b.shown.ordered, b.shown.index) for b in beats if b.shown] == [
        ("3.", True, 0),
        ("4.", True, 1),
        ("5.", True, 2),
    ]
    assert all("3" not in b.caption for b in beats[:1])


def test_nested_items_go_deeper_in_the_same_group_and_index_counts_them_all() -> None:
    lines = [
        "- Top one",
        "  1. Nested a",
        "  2. Nested b",
        "     - Deepest",
        "- Top two",
    ]
    text = "\n".join(lines) + "\n"
    beats = speech(parse_text(text))
    shown = [b.shown for b in beats]
    assert [(s.group, s.index, s.depth, s.marker, s.ordered) for s in shown if s] == [
        (1, 0, 0, "•", False),
        (1, 1, 1, "1.", True),
        (1, 2, 1, "2.", True),
        (1, 3, 2, "•", False),
        (1, 4, 0, "•", False),
    ]
    assert [b.text for b in beats] == ["Top one", "Nested a", "Nested b", "Deepest", "Top two"]


def test_an_item_may_have_a_speaker_and_several_paragraphs() -> None:
    text = (
        "- ALICE: I say this.\n"
        "- **Dr. Kim:** And I this.\n"
        "\n"
        "  A second paragraph of the same item.\n"
        "- Back to the narrator.\n"
    )
    beats = speech(parse_text(text))
    assert [(b.speaker, b.text) for b in beats] == [
        ("ALICE", "I say this."),
        ("DR. KIM", "And I this."),
        ("NARRATOR", "A second paragraph of the same item."),
        ("NARRATOR", "Back to the narrator."),
    ]
    # The second paragraph continues its item: a new index, no marker of its own.
    assert [(b.shown.index, b.shown.marker) for b in beats if b.shown] == [
        (0, "•"),
        (1, "•"),
        (2, ""),
        (3, "•"),
    ]


def test_a_pause_inside_an_item_splits_its_speech_but_not_the_item() -> None:
    script = parse_text("- Before the pause\n  [pause 1s]\n  after it.\n- Next.\n")
    kinds = [(b.kind, b.line) for b in script.beats()]
    assert kinds == [("speech", 1), ("pause", 2), ("speech", 3), ("speech", 4)]
    first, second, third = speech(script)
    assert (first.shown and first.shown.marker, second.shown and second.shown.marker) == ("•", "")
    assert third.shown is not None and third.shown.index == 2
    assert isinstance(script.beats()[1], PauseBeat)


def test_list_items_are_timed_as_speech() -> None:
    script = parse_text("- one two three four five\n- six seven\n")
    assert [b.estimated_ms for b in script.beats()] == [
        speech_ms("one two three four five"),
        speech_ms("six seven"),
    ]


def test_empty_items_say_and_show_nothing() -> None:
    script = parse_text("-\n- Something.\n-   \n")
    beats = speech(script)
    assert [(b.text, b.shown.index if b.shown else None) for b in beats] == [("Something.", 0)]


# -- tables ------------------------------------------------------------------


TABLE = (
    "## Records\n"
    "\n"
    "| record | holds | **example** |\n"
    "| :-- | :-: | --: |\n"
    "| A | an `IPv4` address | 93.184.215.14 |\n"
    "| CNAME | [another name](https://example.com) |\n"
    "\n"
    "Each answer is a record.\n"
)


def test_a_table_is_a_table_beat_never_spoken() -> None:
    script = parse_text(TABLE)
    table, words = script.beats()
    assert isinstance(table, TableBeat) and isinstance(words, SpeechBeat)
    assert table.header == ["record", "holds", "example"]
    assert table.rows == [["A", "an IPv4 address", "93.184.215.14"], ["CNAME", "another name", ""]]
    assert table.align == ["left", "center", "right"]
    assert (table.line, table.end_line) == (3, 6)
    assert words.text == "Each answer is a record." and words.shown is None
    assert "record" not in " ".join(b.text for b in speech(script)[:-1])
    # Shown over the speech that follows: no time of its own, and no warning.
    assert table.estimated_ms == 0
    assert problems(script) == []


def test_a_delimiter_row_without_colons_is_left_aligned() -> None:
    script = parse_text("| a | b |\n| --- | --- |\n| 1 | 2 |\n\nWords.\n")
    (table,) = [b for b in script.beats() if isinstance(b, TableBeat)]
    assert table.align == ["left", "left"]


def test_a_table_with_nothing_spoken_after_it_is_held_briefly_and_warned() -> None:
    script = parse_text(
        "## S\n\nIntro words.\n\n| a | b |\n| - | - |\n| 1 | 2 |\n\n## T\n\nMore.\n"
    )
    (table,) = [b for b in script.beats() if isinstance(b, TableBeat)]
    assert table.estimated_ms == SHOWN_ALONE_MS == 1500
    (warning,) = at(script, 5, "warning")
    assert "only 1.5 s" in warning.message and "add narration after it" in warning.message


def test_a_card_followed_by_a_block_before_any_speech_is_held_briefly() -> None:
    # The terminal takes the screen before the speech, so nothing is spoken over the card.
    script = parse_text(
        "## S\n\n### Watch this\n\n```terminal\n$ ls\n```\n\nWords.\n\n### Then this\n\nMore.\n"
    )
    first, _, _, second, _ = script.beats()
    assert isinstance(first, CalloutBeat) and isinstance(second, CalloutBeat)
    assert (first.estimated_ms, second.estimated_ms) == (SHOWN_ALONE_MS, 0)
    (warning,) = at(script, 3, "warning")
    assert "terminal or code block" in warning.message
    assert at(script, 11) == []


def test_a_big_table_is_warned_but_keeps_every_cell() -> None:
    cols = TABLE_MAX_COLS + 1
    rows = TABLE_MAX_ROWS + 2
    text = (
        "| " + " | ".join(f"h{c}" for c in range(cols)) + " |\n"
        "|"
        + "---|" * cols
        + "\n"
        + "".join("| " + " | ".join(f"r{r}c{c}" for c in range(cols)) + " |\n" for r in range(rows))
        + "\nWords.\n"
    )
    script = parse_text(text)
    (table,) = [b for b in script.beats() if isinstance(b, TableBeat)]
    assert len(table.header) == cols and len(table.rows) == rows
    assert table.rows[-1][-1] == f"r{rows - 1}c{cols - 1}"
    (warning,) = at(script, 1, "warning")
    assert "cut to fit" in warning.message and f"{rows} rows" in warning.message


def test_a_table_at_the_limits_is_not_warned() -> None:
    cols, rows = TABLE_MAX_COLS, TABLE_MAX_ROWS
    text = (
        "|"
        + "h|" * cols
        + "\n|"
        + "-|" * cols
        + "\n"
        + ("|" + "x|" * cols + "\n") * rows
        + "\nWords.\n"
    )
    script = parse_text(text)
    assert problems(script) == []


def test_a_pipe_line_without_a_delimiter_row_stays_speech() -> None:
    script = parse_text("Cats | dogs | birds are all pets.\n")
    (beat,) = script.beats()
    assert isinstance(beat, SpeechBeat) and beat.text == "Cats | dogs | birds are all pets."


# -- callouts ----------------------------------------------------------------


def test_deeper_headings_are_callouts_shown_over_what_follows() -> None:
    script = parse_text(
        "## S\n\n### Four stops, *in order*\n\nWords here.\n\n#### Smaller\n\nMore.\n"
    )
    first, _, second, _ = script.beats()
    assert isinstance(first, CalloutBeat) and isinstance(second, CalloutBeat)
    assert (first.text, first.level, first.line, first.estimated_ms) == (
        "Four stops, in order",
        3,
        3,
        0,
    )
    assert (second.text, second.level) == ("Smaller", 4)
    assert [b.text for b in speech(script)] == ["Words here.", "More."]
    assert problems(script) == []
    assert [s.title for s in script.scenes] == ["S"]  # no new scene


def test_a_callout_ending_its_scene_is_held_briefly_and_warned() -> None:
    script = parse_text("## S\n\nWords.\n\n### Last word\n")
    callout = script.beats()[-1]
    assert isinstance(callout, CalloutBeat) and callout.estimated_ms == SHOWN_ALONE_MS
    (warning,) = at(script, 5, "warning")
    assert "callout" in warning.message and "1.5 s" in warning.message


def test_an_empty_callout_is_warned_and_skipped() -> None:
    script = parse_text("## S\n\n###\n\nWords.\n")
    assert [b.kind for b in script.beats()] == ["speech"]
    (warning,) = at(script, 3, "warning")
    assert "empty" in warning.message


# -- quotes ------------------------------------------------------------------


def test_quote_paragraphs_are_spoken_and_shown_with_their_attribution() -> None:
    text = (
        "## S\n"
        "\n"
        "> The engine weaves **algebraic patterns**\n"
        "> as the loom weaves flowers.\n"
        ">\n"
        "> A second thought.\n"
        "> — Ada Lovelace\n"
        "\n"
        "After the quote.\n"
    )
    script = parse_text(text)
    first, second, after = speech(script)
    assert first.text == "The engine weaves algebraic patterns as the loom weaves flowers."
    assert second.text == "A second thought."
    assert "Ada" not in first.text + second.text + second.caption
    assert first.shown == Shown(kind="quote", group=3, index=0, attribution="Ada Lovelace")
    assert second.shown == Shown(kind="quote", group=3, index=1, attribution="Ada Lovelace")
    assert (second.line, second.end_line) == (6, 6)
    assert first.emphasis == ["algebraic patterns"]
    assert after.shown is None
    assert problems(script) == []


def test_a_double_dash_attribution_in_its_own_paragraph() -> None:
    script = parse_text("> Simple is better than complex.\n>\n> -- Tim Peters\n")
    (beat,) = speech(script)
    assert beat.text == "Simple is better than complex."
    assert beat.shown is not None and beat.shown.attribution == "Tim Peters"


def test_a_dash_line_that_is_not_last_or_alone_is_spoken() -> None:
    script = parse_text("> — a dash first\n> then more words.\n\n> — only this\n")
    first, second = speech(script)
    assert first.text == "— a dash first then more words."
    assert second.text == "— only this"
    assert first.shown is not None and first.shown.attribution == ""
    assert second.shown is not None and second.shown.attribution == ""


def test_a_visual_quote_is_still_a_visual_not_a_quote_card() -> None:
    script = parse_text("> visual: a lighthouse\n> — not an attribution\n\nWords.\n")
    visual, words = script.beats()
    assert visual.kind == "visual"
    assert isinstance(words, SpeechBeat) and words.shown is None


def test_nested_containers_take_the_innermost() -> None:
    text = (
        "- An item.\n"
        "\n"
        "  > A quote inside the item.\n"
        "\n"
        "  Back in the item.\n"
        "\n"
        "> - A list inside a quote.\n"
    )
    beats = speech(parse_text(text))
    shown = [b.shown for b in beats]
    assert [(s.kind, s.group, s.index, s.marker) for s in shown if s] == [
        ("list_item", 1, 0, "•"),
        ("quote", 3, 0, ""),
        ("list_item", 1, 1, ""),
        ("list_item", 7, 0, "•"),
    ]


# -- key phrases ---------------------------------------------------------------


def test_strong_phrases_are_key_phrases_in_order_without_repeats() -> None:
    script = parse_text(
        "ALICE: The **server** speaks *first*, then __the client__, then the **server**\n"
        "again with **a phrase\nacross lines** and **`code` too**.\n"
    )
    (beat,) = speech(script)
    assert beat.emphasis == ["server", "the client", "a phrase across lines", "code too"]
    assert "first" not in beat.emphasis
    assert "**" not in beat.text


def test_a_bold_speaker_is_not_a_key_phrase_but_later_strong_is() -> None:
    (beat,) = speech(parse_text("**Dr. Kim:** This is **cached**.\n"))
    assert (beat.speaker, beat.emphasis) == ("DR. KIM", ["cached"])


def test_strong_inside_a_direction_is_not_a_key_phrase() -> None:
    (beat,) = speech(parse_text("Hello there. (**loudly**)\n"))
    assert beat.direction == "loudly" and beat.emphasis == []


def test_an_unclosed_strong_marker_is_spoken_as_written() -> None:
    (beat,) = speech(parse_text("This **never closes.\n"))
    assert beat.text == "This **never closes." and beat.emphasis == []
