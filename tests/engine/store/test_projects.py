"""Projects, script revisions, characters, timelines and the audit log survive a reopen."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC
from pathlib import Path

import pytest

from app.engine.store import Store, StoreClosedError, UnknownProjectError


def test_project_round_trip_through_reopen(open_store: Callable[[], Store], tmp_path: Path) -> None:
    script = tmp_path / "talk" / "script.md"
    store = open_store()
    made = store.create_project("How SSH works", str(script), budget_usd=2.5)
    store.close()

    again = open_store()
    got = again.get_project(made.id)
    assert got == made
    assert got is not None
    assert got.name == "How SSH works"
    assert got.script_path == str(script)
    assert got.budget_usd == 2.5
    assert got.created_at.tzinfo is UTC
    assert again.find_project_by_script(script) == made
    assert again.find_project_by_script(tmp_path / "other.md") is None
    assert again.get_project("no-such-id") is None


def test_relative_script_path_is_found_from_its_absolute_form(
    open_store: Callable[[], Store], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    store = open_store()
    made = store.create_project("Relative", "script.md")
    assert made.script_path == str(tmp_path / "script.md")
    assert store.find_project_by_script(tmp_path / "script.md") == made


def test_recent_projects_lists_the_last_edited_first(open_store: Callable[[], Store]) -> None:
    store = open_store()
    first = store.create_project("First", None)
    second = store.create_project("Second", None)
    third = store.create_project("Third", None)
    store.save_script_revision(first.id, "# Edited last\n")
    store.close()

    names = [p.name for p in open_store().recent_projects(limit=2)]
    assert names == ["First", "Third"]
    assert {p.id for p in open_store().recent_projects()} == {first.id, second.id, third.id}


def test_update_project_changes_only_named_fields(open_store: Callable[[], Store]) -> None:
    store = open_store()
    made = store.create_project("Draft", None, budget_usd=10.0)
    updated = store.update_project(made.id, name="Final", budget_usd=0.25)
    store.close()

    got = open_store().get_project(made.id)
    assert got == updated
    assert got is not None
    assert (got.name, got.budget_usd, got.script_path) == ("Final", 0.25, None)
    assert got.updated_at >= made.updated_at
    assert got.created_at == made.created_at


def test_update_project_rejects_unknown_fields_and_projects(
    open_store: Callable[[], Store],
) -> None:
    store = open_store()
    made = store.create_project("Draft", None)
    with pytest.raises(ValueError, match="api_key"):
        store.update_project(made.id, api_key="sk-secret")
    with pytest.raises(UnknownProjectError, match="missing"):
        store.update_project("missing", name="x")
    with pytest.raises(ValueError, match="name"):
        store.create_project("   ", None)
    with pytest.raises(ValueError, match="negative"):
        store.create_project("Broke", None, budget_usd=-1)


def test_script_revision_only_stored_when_text_changes(open_store: Callable[[], Store]) -> None:
    store = open_store()
    project = store.create_project("Talk", None)
    assert store.latest_script_revision(project.id) is None

    first = store.save_script_revision(project.id, "# One\n")
    same = store.save_script_revision(project.id, "# One\n")
    second = store.save_script_revision(project.id, "# Two\n")
    back = store.save_script_revision(project.id, "# One\n")
    store.close()

    again = open_store()
    assert same == first
    assert len({first, second, back}) == 3
    assert again.script_revision_count(project.id) == 3
    latest = again.latest_script_revision(project.id)
    assert latest is not None
    assert (latest.id, latest.text, latest.project_id) == (back, "# One\n", project.id)


def test_characters_keep_their_voice_profiles(open_store: Callable[[], Store]) -> None:
    store = open_store()
    project = store.create_project("Talk", None)
    store.set_character(
        project.id, "Narrator", "elevenlabs/abc", ["google/en-US-Neural2-F"], {"speed": 1.1}
    )
    store.set_character(project.id, "Alice", "local/joe", [], {})
    store.set_character(
        project.id, "Narrator", "local/joe", ["local/amy", "local/joe"], {"pitch": -2.0}
    )
    store.close()

    chars = open_store().characters(project.id)
    assert [c.name for c in chars] == ["Narrator", "Alice"]
    narrator = chars[0]
    assert narrator.voice == "local/joe"
    assert narrator.fallback == ["local/amy", "local/joe"]
    assert narrator.settings == {"pitch": -2.0}
    assert chars[1].fallback == [] and chars[1].settings == {}


def test_timeline_save_and_load_round_trip(open_store: Callable[[], Store]) -> None:
    store = open_store()
    project = store.create_project("Talk", None)
    assert store.load_timeline(project.id) is None
    timeline = {
        "fps_num": 30000,
        "fps_den": 1001,
        "tracks": [{"id": "5f0c", "kind": "voice", "clips": [{"start": 0, "length": 48}]}],
    }
    store.save_timeline(project.id, {"fps_num": 30, "fps_den": 1, "tracks": []})
    store.save_timeline(project.id, timeline)
    store.close()

    again = open_store()
    assert again.load_timeline(project.id) == timeline
    assert again.timeline_updated_at(project.id) is not None


def test_audit_log_keeps_actions_in_order(open_store: Callable[[], Store]) -> None:
    store = open_store()
    project = store.create_project("Talk", None)
    store.audit(project.id, "synthesize", {"lines": 12, "cache_hits": 3})
    store.audit(project.id, "render", {"preset": "youtube-1080p"})
    store.audit(None, "settings", {"changed": ["theme"]})
    store.close()

    again = open_store()
    entries = again.audit_log(project.id)
    assert [(e.action, e.detail) for e in entries] == [
        ("synthesize", {"lines": 12, "cache_hits": 3}),
        ("render", {"preset": "youtube-1080p"}),
    ]
    assert [e.action for e in again.audit_log(None)] == ["synthesize", "render", "settings"]


def test_edits_to_unknown_projects_are_refused(open_store: Callable[[], Store]) -> None:
    store = open_store()
    for call in (
        lambda: store.save_script_revision("ghost", "text"),
        lambda: store.set_character("ghost", "A", "local/joe", [], {}),
        lambda: store.save_timeline("ghost", {}),
        lambda: store.audit("ghost", "render", {}),
        lambda: store.record_cost("local", 1, 0.0, project_id="ghost"),
    ):
        with pytest.raises(UnknownProjectError, match="ghost"):
            call()


def test_non_json_data_is_refused_with_a_clear_message(open_store: Callable[[], Store]) -> None:
    store = open_store()
    project = store.create_project("Talk", None)
    with pytest.raises(ValueError, match="timeline data must be plain JSON"):
        store.save_timeline(project.id, {"when": object()})
    assert store.load_timeline(project.id) is None


def test_closed_store_refuses_use(open_store: Callable[[], Store]) -> None:
    store = open_store()
    store.close()
    with pytest.raises(StoreClosedError):
        store.recent_projects()


def test_over_long_text_is_refused_the_same_on_every_backend(
    open_store: Callable[[], Store],
) -> None:
    store = open_store()
    with pytest.raises(ValueError, match="at most 200"):
        store.create_project("x" * 201, None)
    project = store.create_project("x" * 200, None)
    with pytest.raises(ValueError, match="voice of 'Narrator'"):
        store.set_character(project.id, "Narrator", "elevenlabs/" + "v" * 300, [], {})
    with pytest.raises(ValueError, match="provider name"):
        store.record_cost("p" * 65, 1, 0.0, project_id=project.id)
    assert store.characters(project.id) == []
    assert store.ledger(project.id) == []
