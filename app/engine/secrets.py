"""API keys: kept in the OS keyring, never in the project database, never in a log.

Keys live in the keyring under the service name ``castline`` with the provider as the
user name. Where no keyring backend exists (a headless server), the provider's usual
environment variable is read instead.

:func:`redact` is the one redaction filter: every key the process knows (each key read
through :func:`get_api_key`, every key-like variable of the environment and every key
the keyring holds for a known provider, learnt by :func:`learn_known_keys`) is shown as
``***``. The CLI installs it on every log handler for every command
(:func:`install_redaction`) and passes every error line through it; the store passes
every audit row through :func:`redact_data`.
"""

from __future__ import annotations

import logging
import os
import re
import threading
import traceback
from typing import Any

import keyring
import keyring.errors
from keyring.backends import fail

SERVICE = "castline"
ENV_VARS: dict[str, str] = {
    "elevenlabs": "ELEVENLABS_API_KEY",
    "google": "GOOGLE_API_KEY",
    "runway": "RUNWAYML_API_SECRET",
    "fal": "FAL_KEY",
    "llm": "CASTLINE_LLM_KEY",
    "youtube": "CASTLINE_YOUTUBE_TOKEN",
    "google-client-id": "CASTLINE_GOOGLE_CLIENT_ID",
    "google-client-secret": "CASTLINE_GOOGLE_CLIENT_SECRET",
    "workers": "CASTLINE_WORKERS_URL",  # the workers' Redis URL, when it carries a password
}

_known: set[str] = set()
_known_lock = threading.Lock()
_known_pattern: re.Pattern[str] | None = None
"""Every known key in every form it may come back in; rebuilt when a key is learnt."""


class KeyringUnavailable(Exception):
    """No keyring backend: keys cannot be saved on this machine (use the environment)."""


def _remember(value: str | None) -> None:
    global _known_pattern
    if value and len(value) >= 6:
        with _known_lock:
            if value not in _known:
                _known.add(value)
                _known_pattern = None


def _echoed(value: str) -> str:
    """A pattern for ``value`` as sent and as a server may echo it back URL-encoded
    (``:`` as ``%3A`` or ``%3a``, ``+`` as ``%2B``...): echoing the query string or form
    it was sent in is a common way for an error page to repeat a key."""
    parts = []
    for char in value:
        if char.isascii() and (char.isalnum() or char in "-._~"):
            parts.append(re.escape(char))
        else:
            encoded = "".join(f"%{byte:02x}" for byte in char.encode("utf-8"))
            parts.append(f"(?:{re.escape(char)}|(?i:{re.escape(encoded)}))")
    return "".join(parts)


def _pattern() -> re.Pattern[str] | None:
    global _known_pattern
    with _known_lock:
        if _known_pattern is None and _known:
            longest_first = sorted(_known, key=len, reverse=True)
            _known_pattern = re.compile("|".join(_echoed(v) for v in longest_first))
        return _known_pattern


def keyring_available() -> bool:
    """True when a real keyring backend (not the 'fail' one) is active."""
    try:
        backend = keyring.get_keyring()
        return not isinstance(backend, fail.Keyring) and backend.priority > 0  # type: ignore[operator]
    except Exception as exc:  # a broken keyring configuration must not stop the app
        logging.getLogger(__name__).warning(
            "the OS keyring is unusable (%s); using environment variables", exc
        )
        return False


def env_var(provider: str) -> str:
    """The environment variable read for ``provider`` when no keyring exists."""
    return ENV_VARS.get(provider, f"{provider.upper()}_API_KEY")


def get_api_key(provider: str) -> str | None:
    """The key for ``provider``: keyring first, then its environment variable."""
    value: str | None = None
    if keyring_available():
        try:
            value = keyring.get_password(SERVICE, provider)
        except keyring.errors.KeyringError as exc:
            logging.getLogger(__name__).warning(
                "keyring could not be read (%s); trying %s", exc, env_var(provider)
            )
    if not value:
        value = os.environ.get(env_var(provider)) or None
    if value:
        value = value.strip()
    _remember(value)
    return value or None


def key_source(provider: str) -> str | None:
    """Where the key comes from (``keyring`` or the variable's name), or None."""
    if keyring_available():
        try:
            if keyring.get_password(SERVICE, provider):
                return "keyring"
        except keyring.errors.KeyringError:
            pass
    return env_var(provider) if os.environ.get(env_var(provider)) else None


def set_api_key(provider: str, key: str) -> None:
    """Store ``key`` in the OS keyring; :class:`KeyringUnavailable` says what to do instead."""
    if not keyring_available():
        raise KeyringUnavailable(
            f"no OS keyring is available on this machine, so the {provider} key cannot be saved; "
            f"set the {env_var(provider)} environment variable instead"
        )
    try:
        keyring.set_password(SERVICE, provider, key.strip())
    except keyring.errors.KeyringError as exc:
        raise KeyringUnavailable(
            f"the OS keyring refused to store the {provider} key: {exc}"
        ) from exc
    _remember(key.strip())


def delete_api_key(provider: str) -> bool:
    """Remove the stored key; False when there was none."""
    if not keyring_available():
        return False
    try:
        keyring.delete_password(SERVICE, provider)
    except keyring.errors.PasswordDeleteError:
        return False
    except keyring.errors.KeyringError as exc:
        raise KeyringUnavailable(
            f"the OS keyring refused to delete the {provider} key: {exc}"
        ) from exc
    return True


def remember_secret(value: str | None) -> None:
    """Have :func:`redact` hide ``value`` from now on (an OAuth token, a client secret)."""
    _remember(value.strip() if value else value)


_QUERY_KEY = re.compile(r"(?i)((?:key|api_key|token|access_token)=)[^&\s\"']+")
_HEADER_KEY = re.compile(
    r"(?i)((?:xi-api-key|authorization|x-goog-api-key)[\"']?\s*[:=]\s*[\"']?(?:bearer\s+)?)[^\s\"',}]+"
)


_KEY_LIKE_VAR = re.compile(r"(?:API_KEY|_KEY|_SECRET|_TOKEN|_PASSWORD)$")


def learn_known_keys() -> None:
    """Remember every key this process could use, before any provider can echo one.

    The environment's key-like variables (``*_API_KEY``, ``*_SECRET``, ``*_TOKEN``...)
    and the keyring's entries for every provider in :data:`ENV_VARS`; keys of other
    providers are remembered when :func:`get_api_key` reads them, before any request.
    """
    for name, value in os.environ.items():
        if name in ENV_VARS.values() or _KEY_LIKE_VAR.search(name):
            _remember(value.strip())
    if not keyring_available():
        return
    for provider in ENV_VARS:
        try:
            _remember(keyring.get_password(SERVICE, provider))
        except keyring.errors.KeyringError:
            continue


def redact(text: str) -> str:
    """``text`` with every known key, and anything shaped like a key parameter, hidden."""
    known = _pattern()
    if known is not None:
        text = known.sub("***", text)
    text = _QUERY_KEY.sub(r"\1***", text)
    return _HEADER_KEY.sub(r"\1***", text)


def redact_data(value: Any) -> Any:
    """``value`` (JSON-like: dicts, lists, strings) with :func:`redact` applied to every string."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {redact(str(k)): redact_data(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact_data(v) for v in value]
    return value


class RedactingFilter(logging.Filter):
    """A logging filter that redacts keys from a record's message and its traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            # The handler's formatter keeps exc_text as the formatted traceback.
            record.exc_text = redact("".join(traceback.format_exception(*record.exc_info)))
        elif record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


class RedactingStream:
    """A text stream (stdout, stderr) that passes everything written through :func:`redact`.

    Commands print provider errors in summaries and progress lines; wrapping the streams
    once covers every print, including ones written later.
    """

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def write(self, text: str) -> int:
        self.inner.write(redact(text))
        return len(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def install_redaction(logger: logging.Logger | None = None) -> None:
    """Add :class:`RedactingFilter` to ``logger`` (and its handlers) once, having learnt
    every key the process knows (:func:`learn_known_keys`)."""
    learn_known_keys()
    target = logger or logging.getLogger()
    if not any(isinstance(f, RedactingFilter) for f in target.filters):
        target.addFilter(RedactingFilter())
    for handler in target.handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())
