"""One way to call Google: backoff shared by every publishing request, errors in words.

The delays and the request loop come from :mod:`app.engine.net` (exponential, jittered,
Retry-After honoured) so the whole app backs off alike; the sleep is injectable so tests
run in milliseconds, and it wakes up when the job is cancelled.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from app.engine.net import http as net_http
from app.engine.net.http import error_body, make_client
from app.engine.net.retry import Backoff as NetBackoff
from app.engine.net.retry import RetryPolicy, Sleep
from app.engine.publish.errors import NotLoggedIn, PublishError, QuotaExceeded
from app.engine.secrets import redact

RETRY_STATUS = frozenset({408, 429, 500, 502, 503, 504})
"""What Google asks clients to retry; every other 4xx is final."""

DEFAULT_POLICY = RetryPolicy(attempts=10, base_delay_s=1.0, max_delay_s=64.0)
"""About ten tries, doubling from a second up to a minute, as the upload guide suggests."""


def new_client(timeout_s: float) -> httpx.Client:
    """The project's httpx client, used with absolute URLs."""
    return make_client("", timeout_s)


class Backoff(NetBackoff):
    """The app's backoff, giving up with a :class:`PublishError` the user can read.

    While it waits, the progress message says what went wrong and when the next try is,
    so a dropped connection shows as such instead of as a stalled bar.
    """

    _reason = ""

    def give_up(self, reason: str) -> Exception:
        return PublishError(
            f"{self.what} failed {self.failures} times in a row (last: {reason}); try again later"
        )

    def failed(self, reason: str, retry_after: float | None = None) -> None:
        self._reason = reason
        super().failed(reason, retry_after)

    def wait(self, seconds: float) -> None:
        if self.progress is not None and self._reason:
            self.progress.update(message=f"{self._reason}; trying again in {seconds:.0f} s")
        super().wait(seconds)


def google_reason(response: httpx.Response) -> tuple[str, str]:
    """(reason, message) from Google's error body, in either of its shapes."""
    body = error_body(response)
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict):
            reason = ""
            for item in error.get("errors") or []:
                if isinstance(item, dict) and item.get("reason"):
                    reason = str(item["reason"])
                    break
            if not reason:
                for detail in error.get("details") or []:
                    if isinstance(detail, dict) and detail.get("reason"):
                        reason = str(detail["reason"])
                        break
            return reason or str(error.get("status") or ""), str(error.get("message") or "")
        if isinstance(error, str):  # the OAuth endpoints: {"error": "invalid_grant", ...}
            return error, str(body.get("error_description") or "")
    return "", redact(str(body))[:200]


def failure(response: httpx.Response, what: str) -> PublishError:
    """The permanent error for a final (non-retryable) answer."""
    status = response.status_code
    reason, message = google_reason(response)
    detail = (
        f"{message} ({reason})"
        if message and reason
        else message or reason or response.reason_phrase
    )
    if status == 403 and reason in {"quotaExceeded", "dailyLimitExceeded", "rateLimitExceeded"}:
        return QuotaExceeded(
            f"{what}: the Google project's YouTube API quota is used up ({reason}). Uploads work again "
            "after the quota resets at midnight Pacific time; nothing was retried so no more quota was spent"
        )
    if reason == "uploadLimitExceeded":
        return PublishError(
            f"{what}: this YouTube channel has reached its upload limit for now ({message})"
        )
    if status == 401:
        return NotLoggedIn(
            f"{what}: Google no longer accepts the stored login; run `castline publish --login`"
        )
    if status == 403 and reason in {
        "insufficientPermissions",
        "forbidden",
        "ACCESS_TOKEN_SCOPE_INSUFFICIENT",
    }:
        return NotLoggedIn(
            f"{what}: the login does not allow this ({detail}); run `castline publish --login` again"
        )
    return PublishError(f"{what} was refused by YouTube (HTTP {status}): {detail}")


def send(
    client: httpx.Client,
    method: str,
    url: str,
    backoff: NetBackoff,
    *,
    headers: Callable[[], dict[str, str]] | None = None,
    on_unauthorized: Callable[[], None] | None = None,
    **kwargs: Any,
) -> httpx.Response:
    """:func:`app.engine.net.http.send` retrying what Google asks clients to retry."""
    return net_http.send(
        client,
        method,
        url,
        backoff,
        retry_status=RETRY_STATUS,
        headers=headers,
        on_unauthorized=on_unauthorized,
        **kwargs,
    )


__all__ = [
    "DEFAULT_POLICY",
    "RETRY_STATUS",
    "Backoff",
    "Sleep",
    "failure",
    "google_reason",
    "new_client",
    "send",
]
