"""One way to call Google: backoff shared by every publishing request, errors in words.

The delays come from the voice engine's :class:`RetryPolicy` (exponential, jittered,
Retry-After honoured) so the whole app backs off alike; the sleep is injectable so tests
run in milliseconds, and it wakes up when the job is cancelled.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx

from app.engine.jobs.progress import Progress
from app.engine.publish.errors import NotLoggedIn, PublishError, QuotaExceeded
from app.engine.secrets import redact
from app.engine.voice.http import error_body, make_client, retry_after_s
from app.engine.voice.retry import RetryPolicy

RETRY_STATUS = frozenset({408, 429, 500, 502, 503, 504})
"""What Google asks clients to retry; every other 4xx is final."""

DEFAULT_POLICY = RetryPolicy(attempts=10, base_delay_s=1.0, max_delay_s=64.0)
"""About ten tries, doubling from a second up to a minute, as the upload guide suggests."""

Sleep = Callable[[float], None]


def new_client(timeout_s: float) -> httpx.Client:
    """The project's httpx client, used with absolute URLs."""
    return make_client("", timeout_s)


class Backoff:
    """Counts consecutive failures of one job and waits before the next try.

    :meth:`succeeded` resets the count, so a long upload that keeps making progress is
    never given up on because of faults spread over hours.
    """

    def __init__(
        self, what: str, policy: RetryPolicy, sleep: Sleep | None, progress: Progress | None
    ) -> None:
        self.what = what
        self.policy = policy
        self.progress = progress
        self._sleep = sleep
        self.failures = 0
        self.total_failures = 0
        self.delays: list[float] = []

    def succeeded(self) -> None:
        self.failures = 0

    def failed(self, reason: str, retry_after: float | None = None) -> None:
        """Wait before the next try, or raise when the tries are used up."""
        self.failures += 1
        self.total_failures += 1
        if self.failures >= self.policy.attempts:
            raise PublishError(
                f"{self.what} failed {self.failures} times in a row (last: {reason}); try again later"
            )
        delay = self.policy.delay(self.failures - 1, retry_after)
        self.delays.append(delay)
        self.wait(delay)

    def wait(self, seconds: float) -> None:
        if self._sleep is not None:
            self._sleep(seconds)
        else:
            end = time.monotonic() + seconds
            while (left := end - time.monotonic()) > 0:
                if self.progress is not None and self.progress.cancelled:
                    break
                time.sleep(min(0.1, left))
        if self.progress is not None:
            self.progress.check()


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
    backoff: Backoff,
    *,
    headers: Callable[[], dict[str, str]] | None = None,
    on_unauthorized: Callable[[], None] | None = None,
    **kwargs: Any,
) -> httpx.Response:
    """Send until an answer that is not a retryable fault; 401 refreshes the login once.

    ``headers`` is called before each try, so a refreshed access token is used at once.
    """
    refreshed = False
    while True:
        if backoff.progress is not None:
            backoff.progress.check()
        try:
            response = client.request(method, url, headers=headers() if headers else None, **kwargs)
        except httpx.TransportError as exc:
            backoff.failed(f"connection failed: {redact(str(exc)) or type(exc).__name__}")
            continue
        if response.status_code in RETRY_STATUS:
            backoff.failed(f"HTTP {response.status_code}", retry_after_s(response.headers))
            continue
        if response.status_code == 401 and on_unauthorized is not None and not refreshed:
            refreshed = True
            on_unauthorized()
            continue
        backoff.succeeded()
        return response
