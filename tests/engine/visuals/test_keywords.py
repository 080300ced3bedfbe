"""Offline stock terms: concrete words from the narration, in its order, without a model."""

from __future__ import annotations

from app.engine.llm.keywords import extract_terms, overlap, stem
from app.engine.llm.writer import Brief, OfflineWriter


def test_terms_are_the_concrete_phrases_in_narration_order() -> None:
    assert extract_terms("The rocket engine fires and the launch pad shakes.") == [
        "rocket engine",
        "launch pad",
    ]
    assert extract_terms("Every server rack hums with blinking lights.") == [
        "server rack",
        "blinking lights",
    ]
    assert "network cables" in extract_terms("Rows of network cables run into the switch.")


def test_abstract_narration_gives_no_terms_rather_than_wrong_ones() -> None:
    assert extract_terms("It is important to understand the basic idea of the process.") == []
    assert extract_terms("") == []


def test_words_of_the_visual_prompt_rank_first_and_at_most_three_come_back() -> None:
    narration = (
        "Crowds gather on the beach. The rocket rises over the ocean while gulls circle the pier."
    )
    terms = extract_terms(narration, 2, prefer="a rocket launch")
    assert len(terms) == 2 and any("rocket" in t for t in terms)
    assert len(extract_terms(narration)) <= 3


def test_the_offline_writer_keeps_the_styled_prompt_and_falls_back_to_the_prompt_for_terms() -> (
    None
):
    brief = Brief(
        9, "a lighthouse in a storm", "a lighthouse in a storm, cinematic", "", "cinematic"
    )
    written = OfflineWriter().write(brief)
    assert written.prompt == "a lighthouse in a storm, cinematic"
    assert written.terms == ("lighthouse", "storm")


def test_matching_ignores_plurals_and_filler() -> None:
    assert stem("rockets") == "rocket" and stem("cities") == "city" and stem("glass") == "glass"
    assert overlap(["rocket", "launch", "pad"], "Two rockets wait on the pads.") == 2
    assert overlap(["the", "and"], "the and the") == 0
