"""Fixtures for publishing: fake Google OAuth and YouTube servers, a small rendered video.

The in-memory keyring is the shared `memory_keyring` fixture (tests/conftest.py).
"""

from __future__ import annotations

import io
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

from app.engine.net.retry import RetryPolicy
from app.engine.publish import PublishOptions, PublishSettings, Tokens, load_settings
from tests.engine.voice.conftest import Sleeps
from tests.fakes.google_oauth import CLIENT_ID, CLIENT_SECRET, FakeGoogleOAuth
from tests.fakes.memory_keyring import MemoryKeyring
from tests.fakes.youtube import FORCE_SSL_SCOPE, UPLOAD_SCOPE, FakeYouTube

TITLE = "Shell pipes in five minutes"
DESCRIPTION = "A narrated tour of pipes.\n\nChapters:\n0:00 Intro\n0:12 Pipes\n0:25 Redirects"
TAGS = ["shell", "bash basics", "pipes"]


@dataclass
class Rendered:
    video: Path
    thumbnail: Path
    captions: Path


@pytest.fixture(scope="session")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Rendered:
    """What `render` leaves: a 2-second MP4 (about 1 MB of noise, so it takes several
    256 KiB chunks) carrying title/description/tags, a 1280x720 JPEG and an SRT."""
    folder = tmp_path_factory.mktemp("rendered")
    video = folder / "pipes.mp4"
    rng = np.random.default_rng(7)
    with av.open(str(video), "w") as container:
        container.metadata.update(
            {
                "title": TITLE,
                "description": DESCRIPTION,
                "comment": DESCRIPTION,
                "keywords": ",".join(TAGS),
            }
        )
        stream = container.add_stream(
            "libx264", rate=25, options={"qp": "0", "preset": "ultrafast"}
        )
        stream.width, stream.height, stream.pix_fmt = 160, 96, "yuv420p"
        for _ in range(50):
            frame = av.VideoFrame.from_ndarray(
                rng.integers(0, 256, (96, 160, 3), dtype=np.uint8), format="rgb24"
            )
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    thumbnail = folder / "pipes.jpg"
    buffer = io.BytesIO()
    Image.new("RGB", (1280, 720), (30, 90, 160)).save(buffer, "JPEG", quality=90)
    thumbnail.write_bytes(buffer.getvalue())
    captions = folder / "pipes.srt"
    captions.write_text(
        "1\n00:00:00,000 --> 00:00:01,500\nPipes join commands.\n\n", encoding="utf-8"
    )
    return Rendered(video, thumbnail, captions)


@pytest.fixture
def google_oauth(
    monkeypatch: pytest.MonkeyPatch, access_tokens: dict[str, set[str]]
) -> Iterator[FakeGoogleOAuth]:
    fake = FakeGoogleOAuth(access_tokens)
    fake.start()
    monkeypatch.setenv("CASTLINE_GOOGLE_OAUTH_URL", f"{fake.url}/o/oauth2/v2/auth")
    monkeypatch.setenv("CASTLINE_GOOGLE_TOKEN_URL", f"{fake.url}/token")
    yield fake
    fake.stop()


@pytest.fixture
def access_tokens() -> dict[str, set[str]]:
    """Access tokens both fakes know: the OAuth fake issues them, YouTube checks them."""
    return {}


@pytest.fixture
def youtube(
    monkeypatch: pytest.MonkeyPatch, access_tokens: dict[str, set[str]]
) -> Iterator[FakeYouTube]:
    fake = FakeYouTube(access_tokens)
    fake.start()
    monkeypatch.setenv("CASTLINE_YOUTUBE_UPLOAD_URL", f"{fake.url}/upload/youtube/v3")
    monkeypatch.setenv("CASTLINE_YOUTUBE_API_URL", f"{fake.url}/youtube/v3")
    yield fake
    fake.stop()


@pytest.fixture
def client_env(monkeypatch: pytest.MonkeyPatch, memory_keyring: MemoryKeyring) -> MemoryKeyring:
    """The OAuth client in the environment, an empty in-memory keyring."""
    monkeypatch.delenv("CASTLINE_YOUTUBE_TOKEN", raising=False)
    monkeypatch.setenv("CASTLINE_GOOGLE_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("CASTLINE_GOOGLE_CLIENT_SECRET", CLIENT_SECRET)
    return memory_keyring


@pytest.fixture
def logged_in(
    client_env: MemoryKeyring,
    google_oauth: FakeGoogleOAuth,
    youtube: FakeYouTube,
    access_tokens: dict[str, set[str]],
) -> Tokens:
    """A login as `publish --login` leaves it: tokens Google knows, stored in the keyring."""
    access, refresh = "ya29." + secrets.token_urlsafe(24), "1//" + secrets.token_urlsafe(24)
    scopes = f"{UPLOAD_SCOPE} {FORCE_SSL_SCOPE}"
    access_tokens[access] = set(scopes.split())
    google_oauth.refresh_tokens[refresh] = scopes
    tokens = Tokens(access, refresh, time.time() + 3600, scopes)
    client_env.set_password("castline", "youtube", tokens.to_json())
    return tokens


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def policy() -> RetryPolicy:
    return RetryPolicy(attempts=5, base_delay_s=0.01, max_delay_s=0.05)


@pytest.fixture
def options(policy: RetryPolicy, sleeps: Sleeps) -> PublishOptions:
    return PublishOptions(policy=policy, sleep=sleeps)


@pytest.fixture
def settings(
    youtube: FakeYouTube, google_oauth: FakeGoogleOAuth, client_env: MemoryKeyring
) -> PublishSettings:
    """Settings read the usual way (env + keyring), with the smallest legal chunk."""
    from dataclasses import replace

    return replace(load_settings(), chunk_bytes=256 * 1024)
