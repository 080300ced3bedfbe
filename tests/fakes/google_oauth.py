"""A fake Google OAuth server on 127.0.0.1 for a desktop app, following docs/api-contracts.md.

``GET /o/oauth2/v2/auth`` plays the consent screen: it checks the client, the loopback
redirect and the PKCE parameters, then answers 302 to ``redirect_uri?code=...&state=...``
(or ``error=access_denied`` when ``deny`` is set). ``POST /token`` exchanges a code once,
only when SHA-256 of ``code_verifier`` matches the challenge, and refreshes tokens; a
refresh returns a new refresh token only when ``rotate_refresh`` is set, as Google may.
Issued access tokens and their scopes land in ``access_tokens`` for the YouTube fake.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass
from urllib.parse import parse_qs, urlencode, urlsplit

from tests.fakes.server import FakeServer, Recorded, Reply

CLIENT_ID = "castline-test.apps.googleusercontent.com"
CLIENT_SECRET = "GOCSPX-test-client-secret-0123"


@dataclass
class Grant:
    challenge: str
    redirect_uri: str
    scope: str
    offline: bool


def oauth_error(error: str, description: str, status: int = 400) -> Reply:
    return Reply.json(status, {"error": error, "error_description": description})


class FakeGoogleOAuth(FakeServer):
    serves = "google-oauth"

    def __init__(self, access_tokens: dict[str, set[str]] | None = None) -> None:
        super().__init__()
        self.access_tokens: dict[str, set[str]] = access_tokens if access_tokens is not None else {}
        self.refresh_tokens: dict[str, str] = {}
        """refresh token -> scope"""
        self.grants: dict[str, Grant] = {}
        self.deny = False
        self.rotate_refresh = False
        self.expires_in = 3599

    def handle(self, request: Recorded) -> Reply:
        if request.method == "GET" and request.path == "/o/oauth2/v2/auth":
            return self._authorize(request.query)
        if request.method == "POST" and request.path == "/token":
            form = {k: v[0] for k, v in parse_qs(request.raw_body.decode()).items()}
            return self._token(form)
        return oauth_error("not_found", request.path, 404)

    def _authorize(self, q: dict[str, str]) -> Reply:
        if q.get("client_id") != CLIENT_ID:
            return oauth_error("invalid_client", "The OAuth client was not found.", 401)
        redirect = q.get("redirect_uri", "")
        parts = urlsplit(redirect)
        if parts.scheme != "http" or parts.hostname != "127.0.0.1" or not parts.port:
            return oauth_error("invalid_request", "redirect_uri must be a loopback address")
        if (
            q.get("response_type") != "code"
            or q.get("code_challenge_method") != "S256"
            or not q.get("code_challenge")
        ):
            return oauth_error("invalid_request", "PKCE with S256 is required")
        if self.deny:
            return Reply(
                302,
                headers={
                    "Location": f"{redirect}?{urlencode({'error': 'access_denied', 'state': q.get('state', '')})}"
                },
            )
        code = "4/" + secrets.token_urlsafe(24)
        self.grants[code] = Grant(
            q["code_challenge"], redirect, q.get("scope", ""), q.get("access_type") == "offline"
        )
        query = urlencode({"code": code, "state": q.get("state", ""), "scope": q.get("scope", "")})
        return Reply(302, headers={"Location": f"{redirect}?{query}"}, content_type="text/html")

    def _issue(self, scope: str, refresh: str | None) -> dict[str, object]:
        access = "ya29." + secrets.token_urlsafe(32)
        self.access_tokens[access] = set(scope.split())
        answer: dict[str, object] = {
            "access_token": access,
            "expires_in": self.expires_in,
            "scope": scope,
            "token_type": "Bearer",
        }
        if refresh:
            answer["refresh_token"] = refresh
            self.refresh_tokens[refresh] = scope
        return answer

    def _token(self, form: dict[str, str]) -> Reply:
        if form.get("client_id") != CLIENT_ID or form.get("client_secret") != CLIENT_SECRET:
            return oauth_error("invalid_client", "Unauthorized", 401)
        grant_type = form.get("grant_type")
        if grant_type == "authorization_code":
            grant = self.grants.pop(form.get("code", ""), None)
            if grant is None:
                return oauth_error("invalid_grant", "Malformed auth code.")
            if form.get("redirect_uri") != grant.redirect_uri:
                return oauth_error("redirect_uri_mismatch", "Bad Request")
            verifier = form.get("code_verifier", "")
            digest = (
                base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
                .rstrip(b"=")
                .decode()
            )
            if digest != grant.challenge:
                return oauth_error("invalid_grant", "Invalid code verifier.")
            refresh = "1//" + secrets.token_urlsafe(32) if grant.offline else None
            return Reply.json(200, self._issue(grant.scope, refresh))
        if grant_type == "refresh_token":
            old = form.get("refresh_token", "")
            if old not in self.refresh_tokens:
                return oauth_error("invalid_grant", "Token has been expired or revoked.")
            scope = self.refresh_tokens[old]
            if self.rotate_refresh:
                del self.refresh_tokens[old]
                return Reply.json(200, self._issue(scope, "1//" + secrets.token_urlsafe(32)))
            return Reply.json(200, self._issue(scope, None))
        return oauth_error("unsupported_grant_type", f"Invalid grant_type: {grant_type}")
