"""One redaction filter: a key a provider echoes in its error text is never kept or shown.

Every provider the registries list (voices, visuals), the language model and publishing
(OAuth client secret, access and refresh tokens) gets its own planted key, and its fake
answers every request with an error that repeats the key: a 401 and a 403 body, a 500
body (retried, then given up) and a 401 whose headers echo it. After the commands that
use them (synth, visuals, draft, publish, render), in process and once as a real child
process, no key may be in: stdout, stderr, the log records, the database file (and its
write-ahead log), the data, cache and config folders, or any file the command wrote.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from app.cli import main
from app.engine import paths, secrets
from app.engine.publish import Tokens
from app.engine.store import Store
from app.engine.visuals.providers import registered
from app.engine.voice.registry import build_providers
from tests.conftest import ROOT
from tests.engine.publish.conftest import Rendered, rendered
from tests.fakes.catalog import fake_for
from tests.fakes.echo import FAULTS, leaks, planted_key
from tests.fakes.google_oauth import CLIENT_ID
from tests.fakes.llm import FakeChat
from tests.fakes.memory_keyring import MemoryKeyring
from tests.fakes.server import FakeServer

__all__ = ["rendered"]  # the publish tests' small video, a fixture here too


@dataclass
class Service:
    """One faked service: its fakes, the keys planted for it, and how a client finds it."""

    name: str
    fakes: list[FakeServer]
    keys: dict[str, str]
    """keyring user -> the key planted there"""
    urls: dict[str, str]
    """variable -> address, pointing the client at the fakes"""
    tokens: dict[str, str] = field(default_factory=dict)
    """Other secrets it holds (a login's tokens, stored together by :func:`store_tokens`)."""

    @property
    def secrets(self) -> list[str]:
        return [*self.keys.values(), *self.tokens.values()]


@dataclass
class World:
    services: list[Service]
    voices: dict[str, str]
    """voice provider -> a voice its fake knows"""
    visuals: list[str]

    @property
    def keys(self) -> list[str]:
        return [k for s in self.services for k in s.secrets]

    def fault(self, kind: str) -> None:
        for service in self.services:
            for fake in service.fakes:
                fake.clear()
                fake.inject(FAULTS[kind](service.secrets))

    def unasked(self) -> list[str]:
        """The services no request reached (each must have been tried)."""
        return [s.name for s in self.services if not any(f.requests for f in s.fakes)]

    def environment(self) -> dict[str, str]:
        """Addresses and keys as variables, for a child process with no keyring."""
        env: dict[str, str] = {}
        for service in self.services:
            env |= service.urls
            env |= {secrets.env_var(user): key for user, key in service.keys.items()}
        return env


@pytest.fixture
def world(no_keys: MemoryKeyring, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    """Every keyed provider in the registries, the language model and publishing, each
    with its fake and a planted key in the keyring."""
    started: list[FakeServer] = []

    def start(name: str) -> FakeServer:
        started.append(fake_for(name)().start())
        return started[-1]

    def service(name: str, users: list[str], urls: dict[str, str], *fakes: FakeServer) -> Service:
        keys = {user: planted_key(user) for user in users}
        for user, key in keys.items():
            no_keys.set_password(secrets.SERVICE, user, key)
        for variable, url in urls.items():
            monkeypatch.setenv(variable, url)
        return Service(name, list(fakes), keys, urls)

    services: list[Service] = []
    voices: dict[str, str] = {}
    visuals: list[str] = []
    try:
        for name, provider in build_providers().items():
            if provider.requires_key:
                fake = start(name)
                services.append(service(name, [name], {fake.url_env: fake.url}, fake))
                voices[name] = fake.voice
        for name, cls in registered().items():
            if not cls.offline:
                assert cls.key_name and cls.url_env, f"{name}: a networked provider needs a key"
                fake = start(name)
                services.append(service(name, [cls.key_name], {cls.url_env: fake.url}, fake))
                visuals.append(name)
        chat = start("llm")
        assert isinstance(chat, FakeChat)
        llm_urls = {"CASTLINE_LLM_URL": chat.base_url, "CASTLINE_LLM_MODEL": chat.model}
        services.append(service("llm", ["llm"], llm_urls, chat))
        oauth, youtube = start("google-oauth"), start("youtube")
        monkeypatch.setenv(secrets.env_var("google-client-id"), CLIENT_ID)
        publish_urls = {
            "CASTLINE_GOOGLE_OAUTH_URL": f"{oauth.url}/o/oauth2/v2/auth",
            "CASTLINE_GOOGLE_TOKEN_URL": f"{oauth.url}/token",
            "CASTLINE_YOUTUBE_UPLOAD_URL": f"{youtube.url}/upload/youtube/v3",
            "CASTLINE_YOUTUBE_API_URL": f"{youtube.url}/youtube/v3",
        }
        publish = service("publish", ["google-client-secret"], publish_urls, oauth, youtube)
        publish.tokens = {name: planted_key(name) for name in ("access", "refresh")}
        services.append(publish)
        yield World(services, voices, visuals)
    finally:
        for fake in started:
            fake.stop()


def script(world: World) -> str:
    """One line for every voice provider and one visual for every visual provider."""
    cast = "\n".join(f"  {name.upper()}: {{ voice: {name}/{voice} }}" for name, voice in world.voices.items())  # fmt: skip
    lines = [
        f"## {name}\n\n> visual ({name}): a satellite over the sea\n\n"
        f"{next(iter(world.voices)).upper()}: The satellite reaches orbit."
        for name in world.visuals
    ]
    lines += [f"## Voice {name}\n\n{name.upper()}: Hello from {name}." for name in world.voices]
    return (
        f"---\ntitle: Leak\nvisuals: [procedural]\ncharacters:\n{cast}\n---\n\n"
        + "\n\n".join(lines)
        + "\n"
    )


def store_tokens(keyring: MemoryKeyring, world: World, *, expired: bool) -> None:
    """A login: expired (the next publish refreshes it at OAuth) or fresh (it goes to YouTube)."""
    (publish,) = (s for s in world.services if s.name == "publish")
    access, refresh = publish.tokens["access"], publish.tokens["refresh"]
    expires = 0.0 if expired else time.time() + 3600
    tokens = Tokens(access, refresh, expires, "https://www.googleapis.com/auth/youtube.upload")
    keyring.set_password(secrets.SERVICE, "youtube", tokens.to_json())


def user_folders() -> list[Path]:
    """The data (database and its -wal), cache and config folders."""
    return [paths.data_dir(), paths.cache_dir(), paths.config_dir()]


@pytest.mark.parametrize("kind", sorted(FAULTS))
def test_every_provider_echoing_its_key_leaks_it_nowhere(
    kind: str,
    world: World,
    no_keys: MemoryKeyring,
    rendered: Rendered,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    world.fault(kind)
    source = tmp_path / "leak.md"
    source.write_text(script(world))
    runs = [
        ["-v", "synth", str(source)],
        ["-v", "visuals", str(source)],
        ["-v", "draft", "how tides work", "-o", str(tmp_path / "draft.md")],
        ["-v", "publish", str(rendered.video)],  # an expired login: refreshed at OAuth
        ["-v", "publish", str(rendered.video)],  # a fresh login: straight to YouTube
    ]
    texts: dict[str, str] = {}
    for i, argv in enumerate(runs):
        store_tokens(no_keys, world, expired=i == 3)
        main(argv)
        out, err = capsys.readouterr()
        texts |= {f"{argv[1]} #{i} stdout": out, f"{argv[1]} #{i} stderr": err}
    texts["log"] = caplog.text
    assert leaks(world.keys, texts, *user_folders(), tmp_path) == []
    assert world.unasked() == [], "these services were never asked"


def test_a_render_and_a_child_process_leak_no_key(
    world: World, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """What reaches the real stderr of a child (its log handler, a traceback), and a render's outputs."""
    caplog.set_level(logging.DEBUG)
    world.fault("header")  # -v logs every answer's headers to the child's stderr
    source = tmp_path / "leak.md"
    source.write_text(script(world))
    env = {**os.environ, **world.environment()}
    env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
    out = tmp_path / "out"
    out.mkdir()
    child = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "-v", "render", str(source), "-o", str(out / "leak.mp4"), "--preset", "preview"],
        env=env, cwd=tmp_path, capture_output=True, text=True, check=False,
    )  # fmt: skip
    texts = {"stdout": child.stdout, "stderr": child.stderr, "log": caplog.text}
    assert leaks(world.keys, texts, *user_folders(), out) == []
    assert child.returncode == 0 and (out / "leak.mp4").stat().st_size > 0, child.stderr[-2000:]
    assert set(world.unasked()) <= {"llm", "publish"}, "a render asks every voice and visual"


def test_an_audit_row_passes_the_redaction_filter(
    memory_keyring: MemoryKeyring, caplog: pytest.LogCaptureFixture
) -> None:
    key = "sk_audit_planted_8d1e0f3a"
    memory_keyring.set_password("castline", "google", key)  # known from the keyring alone
    secrets.learn_known_keys()
    with Store.open() as store:
        store.audit(None, "synthesis", {"failures": {"3": [f"Google 401: bad key {key}"]}})
        (entry,) = store.audit_log(None)
    assert entry.detail == {"failures": {"3": ["Google 401: bad key ***"]}}
    assert leaks([key], {"log": caplog.text}, paths.data_dir()) == []


def test_every_provider_in_the_registries_has_a_fake() -> None:
    """A new provider fails here until a fake serves it (and so until it is covered above)."""
    keyed = [n for n, p in build_providers().items() if p.requires_key]
    networked = [n for n, c in registered().items() if not c.offline]
    assert keyed and networked
    for name in [*keyed, *networked, "llm", "google-oauth", "youtube"]:
        assert fake_for(name).serves == name
