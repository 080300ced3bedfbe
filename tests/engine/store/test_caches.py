"""Generated-audio and generated-visual caches, keyed by what produced them."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from app.engine.hashing import cache_key
from app.engine.store import Store, UnknownAssetError


def test_audio_cache_round_trip_through_reopen(open_store: Callable[[], Store]) -> None:
    key = cache_key("audio", text="Hello there.", voice="local/joe", speed=1.0)
    words = [{"text": "Hello", "start_sample": 0, "end_sample": 12000}]
    store = open_store()
    assert store.audio_cache_get(key) is None
    asset = store.add_asset(b"wav bytes", "audio", suffix=".wav")
    put = store.audio_cache_put(
        key, asset.sha256, provider="local", voice="joe", num_samples=48000, meta={"words": words}
    )
    store.close()

    got = open_store().audio_cache_get(key)
    assert got == put
    assert got is not None
    assert got.path == asset.path
    assert got.path.read_bytes() == b"wav bytes"
    assert (got.provider, got.voice, got.num_samples) == ("local", "joe", 48000)
    assert got.meta == {"words": words}


def test_audio_cache_put_replaces_an_entry(open_store: Callable[[], Store]) -> None:
    store = open_store()
    old = store.add_asset(b"old take", "audio", suffix=".wav")
    new = store.add_asset(b"new take", "audio", suffix=".wav")
    store.audio_cache_put("k", old.sha256, provider="local", voice="joe", num_samples=10, meta={})
    store.audio_cache_put(
        "k", new.sha256, provider="google", voice="en-US", num_samples=20, meta={"v": 2}
    )
    got = store.audio_cache_get("k")
    assert got is not None
    assert (got.asset_sha256, got.provider, got.num_samples, got.meta) == (
        new.sha256,
        "google",
        20,
        {"v": 2},
    )


def test_audio_cache_misses_when_the_file_is_gone(open_store: Callable[[], Store]) -> None:
    store = open_store()
    asset = store.add_asset(b"speech", "audio", suffix=".wav")
    store.audio_cache_put("k", asset.sha256, provider="local", voice="joe", num_samples=6, meta={})
    asset.path.unlink()
    assert store.audio_cache_get("k") is None


def test_cache_put_needs_a_stored_asset(open_store: Callable[[], Store]) -> None:
    store = open_store()
    with pytest.raises(UnknownAssetError, match="add_asset"):
        store.audio_cache_put("k", "f" * 64, provider="local", voice="joe", num_samples=1, meta={})
    with pytest.raises(UnknownAssetError):
        store.visual_cache_put("k", "f" * 64, provider="procedural", meta={})
    assert store.audio_cache_get("k") is None
    assert store.visual_cache_get("k") is None


def test_visual_cache_round_trip_through_reopen(open_store: Callable[[], Store]) -> None:
    key = cache_key("visual", prompt="a server rack at dusk", size=[1920, 1080])
    store = open_store()
    asset = store.add_asset(b"png bytes", "image", suffix=".png", width=1920, height=1080)
    put = store.visual_cache_put(key, asset.sha256, provider="procedural", meta={"seed": 7})
    store.close()

    got = open_store().visual_cache_get(key)
    assert got == put
    assert got is not None
    assert got.path.read_bytes() == b"png bytes"
    assert (got.provider, got.meta) == ("procedural", {"seed": 7})
