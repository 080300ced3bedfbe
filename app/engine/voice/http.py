"""What the cloud providers share: one httpx client each, error mapping, Retry-After.

Keys never reach a log: httpx's own request lines pass through the redacting filter,
and error messages are built from the server's answer, never from our request.
"""

from __future__ import annotations

import email.utils
import json
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx

from app.engine.secrets import RedactingFilter, redact
from app.engine.voice.base import TransientVoiceError

for _name in ("httpx", "httpcore"):
    _logger = logging.getLogger(_name)
    if not any(isinstance(f, RedactingFilter) for f in _logger.filters):
        _logger.addFilter(RedactingFilter())

RETRYABLE_STATUS = frozenset({408, 409, 429, 500, 502, 503, 504})


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
    """The JSON error body, or the first 300 characters of text."""
    try:
        return response.json()
    except (json.JSONDecodeError, UnicodeDecodeError, ValueError):
        return redact(response.text[:300])


@contextmanager
def transport_errors(provider: str) -> Iterator[None]:
    """Turn dropped connections and timeouts into retryable errors."""
    try:
        yield
    except httpx.TimeoutException as exc:
        raise TransientVoiceError(
            f"{provider} did not answer in time ({type(exc).__name__})",
            provider=provider,
            code="timeout",
        ) from exc
    except (httpx.TransportError, httpx.DecodingError) as exc:
        raise TransientVoiceError(
            f"connection to {provider} failed: {redact(str(exc)) or type(exc).__name__}",
            provider=provider,
            code="connection",
        ) from exc


def make_client(base_url: str, timeout_s: float) -> httpx.Client:
    """A client with sane timeouts; connection pooling is shared across threads."""
    return httpx.Client(
        base_url=base_url.rstrip("/"),
        timeout=httpx.Timeout(timeout_s, connect=min(10.0, timeout_s)),
        limits=httpx.Limits(max_connections=32, max_keepalive_connections=16),
        follow_redirects=False,
    )
