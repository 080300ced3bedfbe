"""Content-addressed media assets: one file and one row per distinct content."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import pytest

from app.engine import paths
from app.engine.store import Store


def _all_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def _asset_rows(store: Store) -> int:
    with store.engine.connect() as conn:
        return int(conn.exec_driver_sql("SELECT count(*) FROM media_assets").scalar_one())


def test_same_bytes_twice_make_one_file_and_one_row(open_store: Callable[[], Store]) -> None:
    data = b"RIFF....WAVEfmt fake audio"
    store = open_store()
    first = store.add_asset(
        data, "audio", suffix=".wav", duration_ms=1500, provenance={"voice": "local/joe"}
    )
    second = store.add_asset(data, "audio", suffix=".wav")

    digest = hashlib.sha256(data).hexdigest()
    assert first == second
    assert first.sha256 == digest
    assert first.path == paths.assets_dir() / digest[:2] / f"{digest}.wav"
    assert first.path.read_bytes() == data
    assert _all_files(paths.assets_dir()) == [first.path]
    assert _asset_rows(store) == 1
    store.close()

    got = open_store().get_asset(digest)
    assert got == first
    assert got is not None
    assert (got.kind, got.size, got.duration_ms, got.provenance) == (
        "audio",
        len(data),
        1500,
        {"voice": "local/joe"},
    )


def test_path_and_bytes_sources_agree(open_store: Callable[[], Store], tmp_path: Path) -> None:
    data = bytes(range(256)) * 5000  # larger than one copy chunk
    source = tmp_path / "picture.png"
    source.write_bytes(data)
    store = open_store()
    from_path = store.add_asset(source, "image", suffix="PNG", width=640, height=360)
    from_bytes = store.add_asset(data, "image", suffix=".png")

    assert from_path == from_bytes
    assert from_path.path.name == hashlib.sha256(data).hexdigest() + ".png"
    assert from_path.path.read_bytes() == data
    assert (from_path.width, from_path.height) == (640, 360)
    assert source.read_bytes() == data  # the original is copied, not moved
    assert _all_files(paths.assets_dir()) == [from_path.path]


def test_no_temporary_file_is_left_behind(open_store: Callable[[], Store], tmp_path: Path) -> None:
    store = open_store()
    store.add_asset(b"one", "image", suffix=".png")
    store.add_asset(b"one", "image", suffix=".png")
    store.add_asset(b"two", "image")
    with pytest.raises(FileNotFoundError, match=r"missing\.wav"):
        store.add_asset(tmp_path / "missing.wav", "audio")
    with pytest.raises(ValueError, match="suffix"):
        store.add_asset(b"three", "audio", suffix="../../evil")

    names = [p.name for p in _all_files(paths.assets_dir())]
    assert len(names) == 2
    assert not [n for n in names if n.startswith(".")]
    assert _asset_rows(store) == 2


def test_a_deleted_asset_file_is_restored_by_adding_it_again(
    open_store: Callable[[], Store],
) -> None:
    store = open_store()
    record = store.add_asset(b"speech", "audio", suffix=".wav")
    record.path.unlink()
    again = store.add_asset(b"speech", "audio", suffix=".wav")
    assert again.path == record.path
    assert record.path.read_bytes() == b"speech"


def test_a_second_add_fills_in_missing_facts(open_store: Callable[[], Store]) -> None:
    store = open_store()
    first = store.add_asset(b"clip", "video", suffix=".mp4")
    assert first.duration_ms is None
    second = store.add_asset(
        b"clip", "video", suffix=".mp4", duration_ms=2000, width=1920, height=1080
    )
    assert (second.duration_ms, second.width, second.height) == (2000, 1920, 1080)
    store.close()
    got = open_store().get_asset(first.sha256)
    assert got is not None and got.duration_ms == 2000


def test_unknown_asset_is_none(open_store: Callable[[], Store]) -> None:
    assert open_store().get_asset("0" * 64) is None


def test_assets_dir_can_be_given_explicitly(db_url: str, tmp_path: Path) -> None:
    root = tmp_path / "elsewhere"
    with Store.open(db_url, assets_dir=root) as store:
        record = store.add_asset(b"x", "image", suffix=".png")
    assert record.path.parent.parent == root
    assert record.path.read_bytes() == b"x"
