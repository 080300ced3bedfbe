"""Google sign-in: the loopback flow with PKCE, refresh, tokens only in the keyring."""

from __future__ import annotations

import json
import logging
import threading
import time
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from app.engine import secrets
from app.engine.publish import Credentials, NotLoggedIn, PublishError, Tokens, load_settings, login
from app.engine.publish.oauth import LoopbackReceiver, exchange_code, pkce_pair
from app.engine.publish.settings import SCOPE_FORCE_SSL, SCOPE_UPLOAD
from tests.fakes.google_oauth import FakeGoogleOAuth
from tests.fakes.memory_keyring import MemoryKeyring


class Browser:
    """Stands in for the user's browser: follows the consent page's redirect home."""

    def __init__(self) -> None:
        self.pages: list[httpx.Response] = []
        self.opened: list[str] = []
        self._threads: list[threading.Thread] = []

    def __call__(self, url: str) -> None:
        self.opened.append(url)
        thread = threading.Thread(target=self._visit, args=(url,), daemon=True)
        thread.start()
        self._threads.append(thread)

    def _visit(self, url: str) -> None:
        self.pages.append(httpx.get(url, follow_redirects=True, timeout=10))

    def join(self) -> None:
        for thread in self._threads:
            thread.join(10)


def stored(keyring: MemoryKeyring) -> dict[str, object]:
    return json.loads(keyring.passwords[("castline", "youtube")])


def test_login_runs_the_loopback_flow_with_pkce_and_keeps_tokens_in_the_keyring(
    client_env: MemoryKeyring, google_oauth: FakeGoogleOAuth, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    browser = Browser()
    tokens = login(load_settings(), browser, timeout_s=20)
    browser.join()

    query = parse_qs(urlsplit(browser.opened[0]).query)
    assert query["code_challenge_method"] == ["S256"] and query["access_type"] == ["offline"]
    assert set(query["scope"][0].split()) == {SCOPE_UPLOAD, SCOPE_FORCE_SSL}
    redirect = urlsplit(query["redirect_uri"][0])
    assert (
        redirect.scheme == "http"
        and redirect.hostname == "127.0.0.1"
        and redirect.port
        and redirect.path == "/"
    )
    assert browser.pages[0].status_code == 200 and "connected" in browser.pages[0].text
    # The fake only issues tokens when SHA-256(code_verifier) matched the challenge.
    exchange = google_oauth.requests_to("/token")[-1]
    form = parse_qs(exchange.raw_body.decode())
    assert form["grant_type"] == ["authorization_code"] and len(form["code_verifier"][0]) >= 43
    assert (
        tokens.access_token in google_oauth.access_tokens
        and tokens.refresh_token in google_oauth.refresh_tokens
    )
    saved = stored(client_env)
    assert (
        saved["access_token"] == tokens.access_token
        and saved["refresh_token"] == tokens.refresh_token
    )
    logged = caplog.text
    assert (
        "HTTP Request: GET http://127.0.0.1" in logged
    )  # the browser's redirect, with its code, was logged
    assert tokens.access_token not in logged and str(tokens.refresh_token) not in logged
    assert form["code"][0] not in logged  # the browser's redirect line is logged, redacted


def test_the_fake_refuses_a_code_with_the_wrong_verifier(
    client_env: MemoryKeyring, google_oauth: FakeGoogleOAuth
) -> None:
    _verifier, challenge = pkce_pair()
    redirect = "http://127.0.0.1:9/"
    answer = httpx.get(
        f"{google_oauth.url}/o/oauth2/v2/auth",
        params={
            "client_id": load_settings().client_id,
            "redirect_uri": redirect,
            "response_type": "code",
            "state": "s",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
            "access_type": "offline",
        },
    )
    code = parse_qs(urlsplit(answer.headers["location"]).query)["code"][0]
    other, _ = pkce_pair()
    with pytest.raises(NotLoggedIn, match="invalid_grant"):
        exchange_code(load_settings(), code, other, redirect)
    assert ("castline", "youtube") not in client_env.passwords


def test_a_refused_consent_is_a_message_and_stores_nothing(
    client_env: MemoryKeyring, google_oauth: FakeGoogleOAuth
) -> None:
    google_oauth.deny = True
    with pytest.raises(PublishError, match="did not grant access"):
        login(load_settings(), Browser(), timeout_s=20)
    assert client_env.passwords == {}


def test_a_redirect_with_another_state_is_refused() -> None:
    with LoopbackReceiver("the-real-state") as receiver:

        def forge() -> None:
            httpx.get(
                receiver.redirect_uri, params={"code": "4/stolen", "state": "forged"}, timeout=10
            )

        thread = threading.Thread(target=forge, daemon=True)
        thread.start()
        with pytest.raises(PublishError, match="state"):
            receiver.wait(10)
        thread.join(10)


def test_the_receiver_ignores_a_favicon_request_and_waits_for_the_code() -> None:
    with LoopbackReceiver("st") as receiver:

        def visit() -> None:
            assert httpx.get(receiver.redirect_uri + "favicon.ico", timeout=10).status_code == 404
            httpx.get(receiver.redirect_uri, params={"code": "4/abc", "state": "st"}, timeout=10)

        thread = threading.Thread(target=visit, daemon=True)
        thread.start()
        assert receiver.wait(10) == "4/abc"
        thread.join(10)


def test_refresh_keeps_the_old_refresh_token_when_google_sends_none(
    logged_in: Tokens, client_env: MemoryKeyring, google_oauth: FakeGoogleOAuth
) -> None:
    expired = Tokens(
        logged_in.access_token, logged_in.refresh_token, time.time() - 10, logged_in.scope
    )
    client_env.set_password("castline", "youtube", expired.to_json())
    credentials = Credentials(load_settings())
    fresh = credentials.access_token()
    assert fresh != logged_in.access_token and fresh in google_oauth.access_tokens
    saved = stored(client_env)
    assert saved["refresh_token"] == logged_in.refresh_token and saved["access_token"] == fresh
    assert float(saved["expires_at"]) > time.time() + 3000  # type: ignore[arg-type]


def test_refresh_stores_a_new_refresh_token_when_google_rotates_it(
    logged_in: Tokens, client_env: MemoryKeyring, google_oauth: FakeGoogleOAuth
) -> None:
    google_oauth.rotate_refresh = True
    credentials = Credentials(load_settings())
    credentials.refresh()
    saved = stored(client_env)
    assert (
        saved["refresh_token"] != logged_in.refresh_token
        and saved["refresh_token"] in google_oauth.refresh_tokens
    )


def test_a_revoked_refresh_token_asks_for_a_new_login(
    logged_in: Tokens, google_oauth: FakeGoogleOAuth
) -> None:
    google_oauth.refresh_tokens.clear()
    with pytest.raises(NotLoggedIn, match="publish --login"):
        Credentials(load_settings()).refresh()


def test_without_a_client_id_the_message_says_what_to_set(
    memory_keyring: MemoryKeyring, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CASTLINE_GOOGLE_CLIENT_ID", raising=False)
    monkeypatch.delenv("CASTLINE_GOOGLE_CLIENT_SECRET", raising=False)
    with pytest.raises(NotLoggedIn, match="CASTLINE_GOOGLE_CLIENT_ID"):
        login(load_settings(), Browser(), timeout_s=1)


def test_tokens_seen_once_are_redacted_everywhere(logged_in: Tokens) -> None:
    Credentials(load_settings())  # loading the login registers its tokens with the redactor
    line = f"answer: {logged_in.access_token} / {logged_in.refresh_token}"
    cleaned = secrets.redact(line)
    assert logged_in.access_token not in cleaned and str(logged_in.refresh_token) not in cleaned
