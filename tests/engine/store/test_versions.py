"""Versions of a line: every take kept once, one chosen, a lock, and what a clean-up keeps."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from app.engine import paths
from app.engine.store import Store, VersionNotFoundError
from app.engine.store.cleanup import clean_up, unused_generated
from app.engine.store.versions import line_slot


def _files() -> set[Path]:
    return {p for p in paths.assets_dir().rglob("*") if p.is_file()}


def test_takes_are_kept_once_each_and_one_is_chosen(open_store: Callable[[], Store]) -> None:
    store = open_store()
    project = store.create_project("Rockets", None)
    slot = line_slot("visual", "a rocket on the pad")
    first = store.add_asset(b"take one", "image", suffix=".png")
    second = store.add_asset(b"take two", "image", suffix=".png")
    v1 = store.add_version(
        project.id,
        "visual",
        slot,
        first.sha256,
        line=7,
        provider="fal",
        cost_usd=0.002,
        choose=True,
    )
    v2 = store.add_version(
        project.id, "visual", slot, second.sha256, line=7, provider="fal", cost_usd=0.002
    )
    again = store.add_version(
        project.id, "visual", slot, first.sha256, line=9, provider="fal", cost_usd=0.5
    )
    assert again.id == v1.id and again.line == 9 and again.cost_micro_usd == 2000
    store.close()

    store = open_store()
    versions = store.line_versions(project.id, kind="visual", slot=slot)
    assert [v.asset.sha256 for v in versions] == [first.sha256, second.sha256]
    assert [v.chosen for v in versions] == [True, False]
    assert versions[0].path.read_bytes() == b"take one"

    picked = store.choose_version(v2.id)
    assert picked.chosen and not picked.locked
    assert store.chosen_versions(project.id, "visual") == {slot: picked}
    locked = store.lock_line(project.id, "visual", slot)
    assert locked.id == v2.id and locked.locked
    # Choosing another take keeps the line locked, now on that take.
    assert store.choose_version(v1.id).locked
    assert store.lock_line(project.id, "visual", slot, locked=False).locked is False


def test_slots_tell_repeats_and_kinds_apart() -> None:
    assert line_slot("visual", "a sky") != line_slot("visual", "a sky", 2)
    assert line_slot("visual", "a sky") != line_slot("voice", "a sky")
    assert line_slot("visual", "a sky") == line_slot("visual", "a sky", 1)


def test_bad_requests_are_refused_clearly(open_store: Callable[[], Store]) -> None:
    store = open_store()
    project = store.create_project("Rockets", None)
    asset = store.add_asset(b"x", "image", suffix=".png")
    with pytest.raises(ValueError, match="visual or voice"):
        store.add_version(project.id, "music", "s", asset.sha256, line=1, provider="fal")
    with pytest.raises(LookupError, match="no version yet"):
        store.lock_line(project.id, "visual", "never-made")
    with pytest.raises(VersionNotFoundError, match="cleaned up"):
        store.choose_version(12345)


def test_clean_up_keeps_chosen_used_and_user_files_and_removes_the_rest(
    open_store: Callable[[], Store],
) -> None:
    store = open_store()
    project = store.create_project("Rockets", None)
    other = store.create_project("Servers", None)
    slot = line_slot("voice", "NARRATOR\nHello there.")
    chosen = store.add_asset(b"chosen take" * 100, "audio", suffix=".wav")
    old_take = store.add_asset(b"old take" * 100, "audio", suffix=".wav")
    used = store.add_asset(b"used by the other project" * 10, "video", suffix=".mp4")
    in_timeline = store.add_asset(b"a clip placed by hand", "image", suffix=".png")
    stale = store.add_asset(b"a cached still nobody uses", "image", suffix=".png")
    mine = store.add_asset(b"the user's own photo", "media", suffix=".jpg")
    answer = store.add_asset(b'{"prompt": "p"}', "text", suffix=".json")
    store.add_version(project.id, "voice", slot, old_take.sha256, line=3, provider="local")
    store.add_version(
        project.id, "voice", slot, chosen.sha256, line=3, provider="local", choose=True
    )
    store.set_asset_uses(other.id, "visual", [used.sha256, "f" * 64])
    store.save_timeline(
        project.id, {"tracks": [{"clips": [{"source": {"path": str(in_timeline.path)}}]}]}
    )

    unused = {a.sha256 for a in unused_generated(store)}
    assert unused == {old_take.sha256, stale.sha256}
    report = clean_up(store)
    assert {a.sha256 for a in report.removed} == unused
    assert report.freed_bytes == old_take.size + stale.size
    assert not old_take.path.exists() and not stale.path.exists()
    assert _files() == {a.path for a in (chosen, used, in_timeline, mine, answer)}
    # The removed take's version went with it; the chosen one is still there.
    assert [v.asset.sha256 for v in store.line_versions(project.id)] == [chosen.sha256]
    assert report.cache_bytes == chosen.size + used.size + in_timeline.size
    assert clean_up(store).removed == []


def test_a_cap_removes_the_oldest_unused_files_first(open_store: Callable[[], Store]) -> None:
    store = open_store()
    project = store.create_project("Rockets", None)
    ages = [store.add_asset(bytes([n]) * 1000, "image", suffix=".png") for n in range(5)]
    store.set_asset_uses(project.id, "visual", [ages[0].sha256])  # the oldest is in use
    report = clean_up(store, cap_bytes=2500)
    assert [a.sha256 for a in report.removed] == [ages[1].sha256, ages[2].sha256, ages[3].sha256]
    assert report.cache_bytes == 2000 and not report.over_cap
    assert {p for p in _files()} == {ages[0].path, ages[4].path}

    tight = clean_up(store, cap_bytes=500)
    assert [a.sha256 for a in tight.removed] == [ages[4].sha256]
    assert tight.over_cap and "raise the cap" in tight.describe()
    assert ages[0].path.is_file()
    with pytest.raises(ValueError, match="0 bytes or more"):
        clean_up(store, cap_bytes=-1)


def test_a_new_run_replaces_what_the_last_one_used(open_store: Callable[[], Store]) -> None:
    store = open_store()
    project = store.create_project("Rockets", None)
    a = store.add_asset(b"a", "audio", suffix=".wav")
    b = store.add_asset(b"b", "audio", suffix=".wav")
    store.set_asset_uses(project.id, "voice", [a.sha256])
    store.set_asset_uses(project.id, "visual", [b.sha256])
    store.set_asset_uses(project.id, "voice", [b.sha256])
    assert store.asset_uses(project.id) == {b.sha256: {"voice", "visual"}}
    assert [x.sha256 for x in unused_generated(store)] == [a.sha256]
