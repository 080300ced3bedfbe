"""The one httpx setup every cloud client shares: clients, Retry-After, errors, downloads.

Keys never reach a log: httpx's own request lines pass through the redacting filter,
and error messages are built from the server's answer, never from our request.
Voices, visuals, the language model and publishing all call through here, so a fix to
timeouts, retries or redaction reaches every service at once.
"""

from __future__ import annotations

import email.utils
import json
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Protocol

import httpx

from app.engine.net.guard import GuardedTransport
from app.engine.secrets import RedactingFilter, redact, redact_data

if TYPE_CHECKING:
    from app.engine.jobs.progress import Progress
    from app.engine.net.retry import Backoff

for _name in ("httpx", "httpcore"):
    _logger = logging.getLogger(_name)
    if not any(isinstance(f, RedactingFilter) for f in _logger.filters):
        _logger.addFilter(RedactingFilter())

RETRYABLE_STATUS = frozenset({408, 409, 429, 500, 502, 503, 504})


class TransientFactory(Protocol):
    """Builds a caller's retryable error (``TransientVoiceError``, ``TransientVisualError``...)."""

    def __call__(self, message: str, *, provider: str, code: str) -> Exception: ...


def is_retryable(status: int) -> bool:
    """408, 409, 429 and every 5xx."""
    return status in RETRYABLE_STATUS or 500 <= status < 600


def retry_after_s(headers: httpx.Headers, *, now: Callable[[], float] = time.time) -> float | None:
    """The server's requested wait: ``retry-after-ms``, else ``retry-after`` (seconds or a date)."""
    ms = headers.get("retry-after-ms")
    if ms:
        try:
            return max(0.0, float(ms) / 1000)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - now())


def error_body(response: httpx.Response) -> Any:
    """The JSON error body, or the first 300 characters of text, keys hidden before any
    caller cuts it short (a key cut in half no longer matches the filter)."""
    try:
        return redact_data(response.json())
    except (json.JSONDecodeError, UnicodeDecodeError, ValueError):
        return redact(response.text)[:300]


def error_message(body: Any, *keys: str) -> str:
    """The first non-empty message under ``keys`` (``error``, ``detail``...) of an error body.

    Services disagree on the shape (a string, ``{"message"}``, a list of validation
    errors), so every reading is tried; the result is redacted and at most 300 characters.
    """
    if isinstance(body, dict):
        for key in keys or ("error", "detail", "message", "errors"):
            value = body.get(key)
            if isinstance(value, str) and value.strip():
                return redact(value.strip())[:300]
            if isinstance(value, dict):
                inner = value.get("message") or value.get("msg") or value.get("detail")
                if inner:
                    return redact(str(inner))[:300]
            if isinstance(value, list) and value:
                parts = [str(v.get("msg", v)) if isinstance(v, dict) else str(v) for v in value]
                return redact("; ".join(parts))[:300]
    return redact(str(body))[:300]


@contextmanager
def transport_errors(provider: str, error: TransientFactory) -> Iterator[None]:
    """Turn dropped connections and timeouts into the caller's retryable ``error``."""
    try:
        yield
    except httpx.TimeoutException as exc:
        raise error(
            f"{provider} did not answer in time ({type(exc).__name__})",
            provider=provider,
            code="timeout",
        ) from exc
    except (httpx.TransportError, httpx.DecodingError) as exc:
        raise error(
            f"connection to {provider} failed: {redact(str(exc)) or type(exc).__name__}",
            provider=provider,
            code="connection",
        ) from exc


def make_client(
    base_url: str, timeout_s: float, *, deadline_s: float | None = None
) -> httpx.Client:
    """A client with sane timeouts; connection pooling is shared across threads.

    ``base_url`` may be empty for a client used with absolute URLs only. Every request
    is guarded (:mod:`app.engine.net.guard`): it stops within a fraction of a second of
    its job being cancelled or the process stopping, and a whole request (connect, send,
    full answer) never takes longer than ``deadline_s`` (twice ``timeout_s`` unless
    given), however slowly a server trickles its answer.
    """
    limits = httpx.Limits(max_connections=32, max_keepalive_connections=16)
    return httpx.Client(
        base_url=base_url.rstrip("/"),
        timeout=httpx.Timeout(timeout_s, connect=min(10.0, timeout_s)),
        limits=limits,
        transport=GuardedTransport(
            deadline_s=deadline_s if deadline_s is not None else 2 * timeout_s, limits=limits
        ),
        follow_redirects=False,
    )


class LazyClient:
    """A client made on first use (by ``make``, usually :func:`make_client`), released by :meth:`close`.

    Its owner (a provider, the chat client) is called from several threads at once: the
    lock makes the first requests share one client, where two made side by side would
    leave one never closed, its sockets open. After :meth:`close` the next use makes a
    fresh client, so closing between runs is always safe.
    """

    def __init__(self, make: Callable[[], httpx.Client]) -> None:
        self._make = make
        self._client: httpx.Client | None = None
        self._lock = threading.Lock()

    def get(self) -> httpx.Client:
        with self._lock:
            if self._client is None:
                self._client = self._make()
            return self._client

    def close(self) -> None:
        with self._lock:
            client, self._client = self._client, None
        if client is not None:
            client.close()


class DownloadTooLarge(Exception):
    """A download grew past the caller's limit; nothing was kept."""


def read_capped(
    response: httpx.Response, max_bytes: int, *, check: Callable[[], None] | None = None
) -> bytes:
    """The body of a streamed ``response``, refusing more than ``max_bytes``.

    ``check`` runs between chunks (a job's cancel check), so a long download stops
    promptly. A body shorter than its ``content-length`` (a dropped connection) raises
    :class:`httpx.RemoteProtocolError` from httpx itself.
    """
    declared = response.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > max_bytes:
        raise DownloadTooLarge(
            f"the file is {int(declared):,} bytes; at most {max_bytes:,} are accepted"
        )
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes(1 << 16):
        if check is not None:
            check()
        size += len(chunk)
        if size > max_bytes:
            raise DownloadTooLarge(f"the file is larger than {max_bytes:,} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


@contextmanager
def _working_for(progress: Progress | None) -> Iterator[None]:
    if progress is None:
        yield
    else:
        with progress.working():
            yield


def send(
    client: httpx.Client,
    method: str,
    url: str,
    backoff: Backoff,
    *,
    retry_status: frozenset[int] = RETRYABLE_STATUS,
    headers: Callable[[], dict[str, str]] | None = None,
    on_unauthorized: Callable[[], None] | None = None,
    **kwargs: Any,
) -> httpx.Response:
    """Send until an answer that is not a retryable fault; 401 refreshes the login once.

    ``headers`` is called before each try, so a refreshed access token is used at once.
    Retryable statuses and dropped connections wait on ``backoff`` (which gives up by
    raising its own error once its tries are used).
    """
    refreshed = False
    while True:
        if backoff.progress is not None:
            backoff.progress.check()
        try:
            with _working_for(backoff.progress):  # a cancel stops the request in flight
                response = client.request(
                    method, url, headers=headers() if headers else None, **kwargs
                )
        except httpx.TransportError as exc:
            backoff.failed(f"connection failed: {redact(str(exc)) or type(exc).__name__}")
            continue
        if response.status_code in retry_status:
            backoff.failed(f"HTTP {response.status_code}", retry_after_s(response.headers))
            continue
        if response.status_code == 401 and on_unauthorized is not None and not refreshed:
            refreshed = True
            on_unauthorized()
            continue
        backoff.succeeded()
        return response
