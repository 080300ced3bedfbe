"""What the cloud visual providers share: the key, one httpx client, error mapping,
downloads that survive dropped connections, and remote-task polling with a deadline.

Keys come from the OS keyring, else the provider's environment variable
(:mod:`app.engine.secrets`); they never reach a message: errors quote the server's
answer, redacted.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import httpx

from app.engine import secrets
from app.engine.net.http import (
    DownloadTooLarge,
    LazyClient,
    error_body,
    error_message,
    is_retryable,
    make_client,
    read_capped,
    retry_after_s,
    transport_errors,
)
from app.engine.net.retry import wait
from app.engine.visuals.providers.base import (
    Call,
    PermanentProviderError,
    SafetyRefused,
    TransientProviderError,
    UnusableMedia,
    VisualProvider,
    VisualProviderError,
)

SAFETY_WORDS = (
    "safety",
    "content policy",
    "content_policy",
    "moderation",
    "nsfw",
    "flagged",
    "content filter",
)


class ExpiredURL(PermanentProviderError):
    """An output URL answered 403, 404 or 410: it expired; ask the task for a fresh one."""


class HttpProvider(VisualProvider):
    """A provider reached over HTTPS with a key."""

    label: str = ""
    """The provider's name as people write it (``Runway``), for messages."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._client = LazyClient(lambda: make_client(self.base_url, self.settings.timeout_s))
        self._rng = random.Random()

    # -- set-up ----------------------------------------------------------------------
    @property
    def client(self) -> httpx.Client:
        return self._client.get()

    def close(self) -> None:
        self._client.close()

    def key(self) -> str | None:
        return secrets.get_api_key(self.key_name) if self.key_name else None

    def is_configured(self) -> bool:
        return bool(self.key())

    def status(self) -> str:
        if self.is_configured():
            return f"ready (key from {secrets.key_source(self.key_name or self.name) or 'keyring'})"
        return f"no key: add one in Settings or set {secrets.env_var(self.key_name or self.name)}"

    def need_key(self) -> str:
        key = self.key()
        if not key:
            raise PermanentProviderError(
                f"no {self.label or self.name} key: add one in Settings or set {secrets.env_var(self.key_name or self.name)}",
                provider=self.name,
                code="no_key",
                scope="provider",
            )
        return key

    # -- answers ---------------------------------------------------------------------
    def fail(self, response: httpx.Response, what: str) -> VisualProviderError:
        """The error for a failed answer: retryable, a refused key, a safety refusal, or final."""
        status = response.status_code
        body = error_body(response)
        message = error_message(body)
        text = f"{self.label or self.name} {what}: HTTP {status}: {message}"
        if is_retryable(status):
            return TransientProviderError(
                text,
                retry_after_s=retry_after_s(response.headers),
                provider=self.name,
                code=f"http_{status}",
                status=status,
            )
        if status in (401, 403) and not _mentions_safety(message):
            hint = f" (check the key in Settings or {secrets.env_var(self.key_name or self.name)})"
            return PermanentProviderError(
                text + hint, provider=self.name, code="bad_key", status=status, scope="provider"
            )
        if _mentions_safety(message):
            return SafetyRefused(text, provider=self.name, code="safety", status=status)
        return PermanentProviderError(
            text, provider=self.name, code=f"http_{status}", status=status
        )

    def request(self, method: str, url: str, what: str, **kwargs: Any) -> httpx.Response:
        """One request; transport faults become retryable errors, bad answers raise :meth:`fail`."""
        with transport_errors(self.label or self.name, self._transient):
            response = self.client.request(method, url, **kwargs)
        if response.status_code >= 400:
            raise self.fail(response, what)
        return response

    def json(self, response: httpx.Response, what: str) -> Any:
        try:
            return response.json()
        except ValueError as exc:
            raise TransientProviderError(
                f"{self.label or self.name} {what}: the answer was not JSON",
                provider=self.name,
                code="bad_json",
            ) from exc

    def _transient(self, message: str, *, provider: str, code: str) -> Exception:
        return TransientProviderError(message, provider=self.name, code=code)

    # -- files -----------------------------------------------------------------------
    def download(
        self, url: str, call: Call, what: str = "download", *, headers: dict[str, str] | None = None
    ) -> bytes:
        """The file at ``url``, retried through dropped connections and 5xx with backoff.

        403, 404 and 410 raise :class:`ExpiredURL` at once (an expired signed link);
        the caller may fetch a fresh URL and try again.
        """
        policy = self.settings.download_retry
        attempt = 0
        while True:
            call.check()
            try:
                with (
                    transport_errors(self.label or self.name, self._transient),
                    self.client.stream("GET", url, headers=headers) as response,
                ):
                    if response.status_code in (403, 404, 410):
                        raise ExpiredURL(
                            f"{self.label or self.name} {what}: the file link answered {response.status_code} (expired?)",
                            provider=self.name,
                            code="expired_url",
                            status=response.status_code,
                        )
                    if response.status_code >= 400:
                        response.read()
                        raise self.fail(response, what)
                    try:
                        return read_capped(
                            response, self.settings.max_download_bytes, check=call.check
                        )
                    except DownloadTooLarge as exc:
                        raise UnusableMedia(
                            f"{self.label or self.name} {what}: {exc}",
                            provider=self.name,
                            code="too_large",
                        ) from exc
            except TransientProviderError as exc:
                attempt += 1
                if attempt >= policy.attempts:
                    raise
                wait(
                    policy.delay(attempt - 1, exc.retry_after_s),
                    sleep=call.sleep,
                    progress=call.progress,
                )

    def poll_wait(self, call: Call) -> None:
        """Sleep one jittered poll interval (never past the deadline); wakes on cancel."""
        step = self.settings.poll_s * self._rng.uniform(0.8, 1.2)
        wait(
            min(step, max(0.0, call.deadline.remaining())), sleep=call.sleep, progress=call.progress
        )

    def with_retries(self, call: Call, send: Callable[[], httpx.Response]) -> httpx.Response:
        """Run ``send`` again after transient faults (status polls must survive a 503)."""
        policy = self.settings.download_retry
        attempt = 0
        while True:
            call.check()
            try:
                return send()
            except TransientProviderError as exc:
                attempt += 1
                if attempt >= policy.attempts:
                    raise
                wait(
                    policy.delay(attempt - 1, exc.retry_after_s),
                    sleep=call.sleep,
                    progress=call.progress,
                )


def _mentions_safety(message: str) -> bool:
    lowered = message.lower()
    return any(word in lowered for word in SAFETY_WORDS)


def image_suffix(data: bytes) -> str:
    """The file extension for image bytes, from their signature (PNG when unsure)."""
    if data[:3] == b"\xff\xd8\xff":
        return ".jpg"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return ".webp"
    return ".png"
