"""Where publishing talks to and what it assumes: endpoints, OAuth client, quota, chunk size.

Every endpoint can be moved by an environment variable so the tests point the real client
at fakes on 127.0.0.1. Values that change over time on Google's side (the quota an upload
costs) or per user (the category) live in ``publish.json`` in the config folder, never in
code. Client secrets come from the keyring or the environment, never from that file.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.engine import paths, secrets

log = logging.getLogger(__name__)

OAUTH_URL = "https://accounts.google.com/o/oauth2/v2/auth"
TOKEN_URL = "https://oauth2.googleapis.com/token"
UPLOAD_URL = "https://www.googleapis.com/upload/youtube/v3"
API_URL = "https://www.googleapis.com/youtube/v3"

SCOPE_UPLOAD = "https://www.googleapis.com/auth/youtube.upload"
SCOPE_FORCE_SSL = "https://www.googleapis.com/auth/youtube.force-ssl"
"""Needed for captions (and covers reading the channel)."""
SCOPES = (SCOPE_UPLOAD, SCOPE_FORCE_SSL)

CHUNK_UNIT = 256 * 1024
"""Resumable chunks must be multiples of this (all but the last)."""

SETTINGS_FILE = "publish.json"


class SettingsError(ValueError):
    """``publish.json`` holds a value that cannot be used; the message names the key."""


@dataclass(frozen=True)
class PublishSettings:
    """What a publish run needs besides the video and its metadata."""

    oauth_url: str = OAUTH_URL
    token_url: str = TOKEN_URL
    upload_url: str = UPLOAD_URL
    api_url: str = API_URL
    client_id: str | None = None
    client_secret: str | None = None
    scopes: tuple[str, ...] = SCOPES
    upload_quota_units: int = 1600
    """What one videos.insert costs in API quota units (Google has changed it: 1,600, later 100)."""
    daily_quota_units: int = 10_000
    chunk_bytes: int = 16 * CHUNK_UNIT
    """4 MiB: a lost chunk costs little, and progress moves often."""
    category_id: str = "28"
    """Science & Technology, the usual home of a narrated terminal video."""
    timeout_s: float = 120.0


_INT_KEYS = ("upload_quota_units", "daily_quota_units", "chunk_bytes")


def settings_path() -> Path:
    return paths.config_dir() / SETTINGS_FILE


def load_settings() -> PublishSettings:
    """Defaults, then ``publish.json``, then environment variables, then keyring for the client."""
    values: dict[str, Any] = {}
    path = settings_path()
    if path.is_file():
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise SettingsError(
                f"{path}: not readable JSON ({exc}); fix or delete the file"
            ) from exc
        if not isinstance(data, dict):
            raise SettingsError(f'{path}: expected an object such as {{"upload_quota_units": 100}}')
        for key in _INT_KEYS:
            if key in data:
                value = data[key]
                if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                    raise SettingsError(
                        f"{path}: {key} must be a positive whole number, not {value!r}"
                    )
                values[key] = value
        if "category_id" in data:
            values["category_id"] = str(data["category_id"])
        unknown = set(data) - set(_INT_KEYS) - {"category_id"}
        if unknown:
            log.warning("%s: ignoring unknown keys %s", path, ", ".join(sorted(unknown)))
    if "chunk_bytes" in values and values["chunk_bytes"] % CHUNK_UNIT:
        raise SettingsError(f"{path}: chunk_bytes must be a multiple of {CHUNK_UNIT} (256 KiB)")
    env = os.environ
    values["oauth_url"] = env.get("CASTLINE_GOOGLE_OAUTH_URL") or OAUTH_URL
    values["token_url"] = env.get("CASTLINE_GOOGLE_TOKEN_URL") or TOKEN_URL
    values["upload_url"] = (env.get("CASTLINE_YOUTUBE_UPLOAD_URL") or UPLOAD_URL).rstrip("/")
    values["api_url"] = (env.get("CASTLINE_YOUTUBE_API_URL") or API_URL).rstrip("/")
    values["client_id"] = secrets.get_api_key("google-client-id")
    values["client_secret"] = secrets.get_api_key("google-client-secret")
    return PublishSettings(**values)
