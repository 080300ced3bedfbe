"""Google sign-in for a desktop app: PKCE, a one-shot loopback server, tokens in the keyring.

The browser is opened by a callback, so the CLI can use :mod:`webbrowser` and the studio
its own way. Google redirects to ``http://127.0.0.1:<free port>/`` with ``code`` and
``state``; the code is exchanged (with the PKCE verifier) for an access token and a
refresh token. The tokens are kept as one JSON entry in the OS keyring (user ``youtube``)
and every token value is registered with the log redactor the moment it is seen.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import logging
import secrets as pysecrets
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from app.engine import secrets
from app.engine.jobs.progress import Progress
from app.engine.net.retry import RetryPolicy
from app.engine.publish.errors import NotLoggedIn, PublishError
from app.engine.publish.http import (
    DEFAULT_POLICY,
    Backoff,
    Sleep,
    failure,
    google_reason,
    new_client,
    send,
)
from app.engine.publish.settings import PublishSettings

log = logging.getLogger(__name__)

TOKEN_USER = "youtube"
"""The keyring user name (service ``castline``) holding the tokens as JSON."""
EXPIRY_MARGIN_S = 60.0
"""Refresh a little before Google's expiry so a request never races it."""


@dataclass(frozen=True)
class Tokens:
    """What Google's token endpoint gave us; ``expires_at`` is a Unix time."""

    access_token: str
    refresh_token: str | None
    expires_at: float
    scope: str = ""

    def expired(self, now: float) -> bool:
        return now >= self.expires_at - EXPIRY_MARGIN_S

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> Tokens:
        """Parse a stored entry; a bare string is taken as a refresh token (set by hand)."""
        try:
            data = json.loads(text)
        except ValueError:
            data = None
        if not isinstance(data, dict):
            return cls(access_token="", refresh_token=text.strip(), expires_at=0.0)
        return cls(
            access_token=str(data.get("access_token") or ""),
            refresh_token=data.get("refresh_token") or None,
            expires_at=float(data.get("expires_at") or 0.0),
            scope=str(data.get("scope") or ""),
        )


# ------------------------------------------------------------------------ token storage


def _remember(tokens: Tokens) -> None:
    secrets.remember_secret(tokens.access_token)
    secrets.remember_secret(tokens.refresh_token)


def load_tokens() -> Tokens | None:
    """The stored login (keyring, or ``CASTLINE_YOUTUBE_TOKEN`` holding a refresh token)."""
    text = secrets.get_api_key(TOKEN_USER)
    if not text:
        return None
    tokens = Tokens.from_json(text)
    _remember(tokens)
    return tokens if tokens.refresh_token or tokens.access_token else None


def save_tokens(tokens: Tokens) -> None:
    _remember(tokens)
    try:
        secrets.set_api_key(TOKEN_USER, tokens.to_json())
    except secrets.KeyringUnavailable as exc:
        raise PublishError(
            f"{exc}. Without a keyring, put the refresh token in {secrets.env_var(TOKEN_USER)} yourself"
        ) from exc


def delete_tokens() -> bool:
    """Forget the login on this machine; False when there was none."""
    return secrets.delete_api_key(TOKEN_USER)


# ------------------------------------------------------------------------------- PKCE


def pkce_pair() -> tuple[str, str]:
    """(verifier, S256 challenge): 86 URL-safe characters and their base64url SHA-256."""
    verifier = pysecrets.token_urlsafe(64)
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def authorization_url(
    settings: PublishSettings, client_id: str, redirect_uri: str, state: str, challenge: str
) -> str:
    """The consent page address: offline access (a refresh token), PKCE S256."""
    query = {
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "response_type": "code",
        "scope": " ".join(settings.scopes),
        "state": state,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        "access_type": "offline",
        "prompt": "consent",
    }
    joiner = "&" if "?" in settings.oauth_url else "?"
    return settings.oauth_url + joiner + urlencode(query)


# --------------------------------------------------------------------- loopback server

_PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>Castline</title></head>
<body style="font-family:sans-serif;margin:3em"><h1>{title}</h1><p>{text}</p></body></html>"""


class LoopbackReceiver:
    """A one-shot HTTP server on 127.0.0.1 that waits for Google's redirect.

    Requests without ``code`` or ``error`` (a browser's favicon) get a 404 and are
    ignored; a redirect whose ``state`` is not ours is refused and ends the wait, since
    it was not started by this sign-in.
    """

    def __init__(self, state: str) -> None:
        self.state = state
        self.code: str | None = None
        self.error: str | None = None
        self._done = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            timeout = 5  # browsers open idle speculative connections; never wait on one for long

            def log_message(self, format: str, *args: Any) -> None:  # the query holds the code
                return

            def do_GET(self) -> None:
                receiver._receive(self)

        self._server = HTTPServer(("127.0.0.1", 0), Handler)
        self._server.timeout = 0.2

    @property
    def redirect_uri(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/"

    def _receive(self, handler: BaseHTTPRequestHandler) -> None:
        query = {k: v[0] for k, v in parse_qs(urlsplit(handler.path).query).items()}
        if "code" not in query and "error" not in query:
            self._answer(handler, 404, "Not here", "This address only receives the Google sign-in.")
            return
        if query.get("state") != self.state:
            self.error = "the sign-in answer did not carry this sign-in's state (it may be forged); try again"
            self._answer(
                handler,
                400,
                "Sign-in refused",
                "This answer does not belong to the sign-in Castline started.",
            )
        elif "error" in query:
            self.error = f"Google did not grant access ({query['error']})"
            self._answer(
                handler,
                200,
                "Not connected",
                f"Google said: {query['error']}. You can close this tab.",
            )
        else:
            self.code = query["code"]
            secrets.remember_secret(self.code)
            self._answer(
                handler,
                200,
                "Castline is connected",
                "You can close this tab and go back to Castline.",
            )
        self._done.set()

    @staticmethod
    def _answer(handler: BaseHTTPRequestHandler, status: int, title: str, text: str) -> None:
        body = _PAGE.format(title=html.escape(title), text=html.escape(text)).encode("utf-8")
        handler.send_response(status)
        handler.send_header("Content-Type", "text/html; charset=utf-8")
        handler.send_header("Content-Length", str(len(body)))
        handler.send_header("Connection", "close")
        handler.end_headers()
        handler.wfile.write(body)

    def wait(self, timeout_s: float, progress: Progress | None = None) -> str:
        """Serve until the redirect arrives; returns the code or raises :class:`PublishError`."""
        deadline = time.monotonic() + timeout_s
        while not self._done.is_set():
            if progress is not None:
                progress.check()
            if time.monotonic() > deadline:
                raise PublishError(
                    f"no answer from the browser within {timeout_s:.0f} s; run the sign-in again"
                )
            self._server.handle_request()
        if self.error or not self.code:
            raise PublishError(self.error or "the sign-in ended without a code")
        return self.code

    def close(self) -> None:
        self._server.server_close()

    def __enter__(self) -> LoopbackReceiver:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# ------------------------------------------------------------------------ token calls


NO_CLIENT = (
    "no Google OAuth client is configured: create a 'Desktop app' OAuth client in the Google Cloud "
    "console (YouTube Data API v3 enabled) and set CASTLINE_GOOGLE_CLIENT_ID and "
    "CASTLINE_GOOGLE_CLIENT_SECRET, or store them in the keyring (service castline, users "
    "google-client-id and google-client-secret)"
)
"""What to do before anyone can sign in (the CLI and the studio both say it)."""


def _client_credentials(settings: PublishSettings) -> tuple[str, str | None]:
    if not settings.client_id:
        raise NotLoggedIn(NO_CLIENT)
    secrets.remember_secret(settings.client_secret)
    return settings.client_id, settings.client_secret


def _token_call(
    settings: PublishSettings,
    form: dict[str, str],
    what: str,
    *,
    policy: RetryPolicy,
    sleep: Sleep | None,
    now: Callable[[], float],
) -> dict[str, Any]:
    with new_client(settings.timeout_s) as client:
        response = send(
            client, "POST", settings.token_url, Backoff(what, policy, sleep, None), data=form
        )
    if response.status_code != 200:
        reason, message = google_reason(response)
        if reason in {"invalid_grant", "unauthorized_client", "invalid_client"}:
            raise NotLoggedIn(
                f"{what}: Google refused the login ({reason}: {message}); run `castline publish --login`"
            )
        raise failure(response, what)
    try:
        data = response.json()
    except ValueError as exc:
        raise PublishError(
            f"{what}: the token endpoint answered something that is not JSON"
        ) from exc
    if not isinstance(data, dict) or not data.get("access_token"):
        raise PublishError(f"{what}: the token endpoint's answer has no access_token")
    secrets.remember_secret(str(data["access_token"]))
    secrets.remember_secret(data.get("refresh_token"))
    data["expires_at"] = now() + float(data.get("expires_in") or 3600)
    return data


def exchange_code(
    settings: PublishSettings,
    code: str,
    verifier: str,
    redirect_uri: str,
    *,
    policy: RetryPolicy = DEFAULT_POLICY,
    sleep: Sleep | None = None,
    now: Callable[[], float] = time.time,
) -> Tokens:
    """The authorization code (plus the PKCE verifier) for access and refresh tokens."""
    client_id, client_secret = _client_credentials(settings)
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "code_verifier": verifier,
        "redirect_uri": redirect_uri,
        "client_id": client_id,
    }
    if client_secret:
        form["client_secret"] = client_secret
    data = _token_call(settings, form, "signing in to Google", policy=policy, sleep=sleep, now=now)
    if not data.get("refresh_token"):
        log.warning("Google gave no refresh token; the login lasts about an hour")
    return Tokens(
        str(data["access_token"]),
        data.get("refresh_token") or None,
        float(data["expires_at"]),
        str(data.get("scope") or ""),
    )


def refresh_tokens(
    settings: PublishSettings,
    tokens: Tokens,
    *,
    policy: RetryPolicy = DEFAULT_POLICY,
    sleep: Sleep | None = None,
    now: Callable[[], float] = time.time,
) -> Tokens:
    """A new access token; the old refresh token is kept when Google sends none."""
    if not tokens.refresh_token:
        raise NotLoggedIn(
            "the YouTube login has expired and cannot be renewed; run `castline publish --login`"
        )
    client_id, client_secret = _client_credentials(settings)
    form = {
        "grant_type": "refresh_token",
        "refresh_token": tokens.refresh_token,
        "client_id": client_id,
    }
    if client_secret:
        form["client_secret"] = client_secret
    data = _token_call(
        settings, form, "renewing the YouTube login", policy=policy, sleep=sleep, now=now
    )
    return replace(
        tokens,
        access_token=str(data["access_token"]),
        refresh_token=data.get("refresh_token") or tokens.refresh_token,
        expires_at=float(data["expires_at"]),
        scope=str(data.get("scope") or tokens.scope),
    )


def login(
    settings: PublishSettings,
    open_url: Callable[[str], object],
    *,
    timeout_s: float = 300.0,
    progress: Progress | None = None,
    policy: RetryPolicy = DEFAULT_POLICY,
    sleep: Sleep | None = None,
) -> Tokens:
    """Run the whole browser sign-in and store the tokens in the keyring."""
    client_id, _ = _client_credentials(settings)
    verifier, challenge = pkce_pair()
    state = pysecrets.token_urlsafe(24)
    with LoopbackReceiver(state) as receiver:
        url = authorization_url(settings, client_id, receiver.redirect_uri, state, challenge)
        open_url(url)
        code = receiver.wait(timeout_s, progress)
        tokens = exchange_code(
            settings, code, verifier, receiver.redirect_uri, policy=policy, sleep=sleep
        )
    save_tokens(tokens)
    return tokens


class Credentials:
    """The stored login, refreshed when it is about to expire and saved back after."""

    def __init__(
        self,
        settings: PublishSettings,
        tokens: Tokens | None = None,
        *,
        policy: RetryPolicy = DEFAULT_POLICY,
        sleep: Sleep | None = None,
        now: Callable[[], float] = time.time,
    ) -> None:
        loaded = tokens or load_tokens()
        if loaded is None:
            raise NotLoggedIn(
                "no YouTube account is connected; run `castline publish --login` first"
            )
        self.settings = settings
        self.tokens = loaded
        self._policy = policy
        self._sleep = sleep
        self._now = now
        self._lock = threading.Lock()

    def access_token(self) -> str:
        with self._lock:
            if not self.tokens.access_token or self.tokens.expired(self._now()):
                self._refresh_locked()
            return self.tokens.access_token

    def refresh(self) -> None:
        """Force a new access token (after a 401)."""
        with self._lock:
            self._refresh_locked()

    def _refresh_locked(self) -> None:
        self.tokens = refresh_tokens(
            self.settings, self.tokens, policy=self._policy, sleep=self._sleep, now=self._now
        )
        if (
            not secrets.keyring_available()
        ):  # a login from CASTLINE_YOUTUBE_TOKEN lives for this run
            return
        try:
            save_tokens(self.tokens)
        except PublishError as exc:  # the env-var login keeps working for this run
            log.warning("the renewed YouTube login could not be saved: %s", exc)

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token()}"}
