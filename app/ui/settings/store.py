"""Studio preferences kept in a QSettings file in the config folder (never secrets)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from PySide6.QtCore import QSettings

from app.engine import secrets
from app.engine.model import DEFAULT_VOICE

RECENT_LIMIT = 10
DEFAULT_CACHE_CAP_MB = 5000
WORKERS_KEY = "workers"
"""The keyring entry holding the workers' Redis URL when it carries a password."""
IN_KEYRING = "keyring"
"""What the settings file keeps for such a URL: only where it is."""


class StudioSettings:
    """Typed access to the studio's preferences."""

    def __init__(self, qsettings: QSettings) -> None:
        self.q = qsettings

    def _get(self, key: str, default: str) -> str:
        value = self.q.value(key, default)
        return str(value) if value is not None else default

    @property
    def budget_usd(self) -> float:
        try:
            return float(self._get("project/budget_usd", "10.0"))
        except ValueError:
            return 10.0

    @budget_usd.setter
    def budget_usd(self, value: float) -> None:
        self.q.setValue("project/budget_usd", f"{value:.2f}")

    @property
    def default_voice(self) -> str:
        return self._get("voices/default", DEFAULT_VOICE)

    @default_voice.setter
    def default_voice(self, value: str) -> None:
        self.q.setValue("voices/default", value)

    @property
    def output_dir(self) -> Path:
        return Path(self._get("export/output_dir", str(Path.home() / "Videos" / "Castline")))

    @output_dir.setter
    def output_dir(self, value: Path) -> None:
        self.q.setValue("export/output_dir", str(value))

    @property
    def background_voicing(self) -> bool:
        """Speak changed lines in the background (free voices only), so timings are exact."""
        return self._get("voices/background", "true").lower() not in ("false", "0", "no")

    @background_voicing.setter
    def background_voicing(self, value: bool) -> None:
        self.q.setValue("voices/background", "true" if value else "false")

    @property
    def cache_cap_mb(self) -> int:
        """The most megabytes generated files may take (0: no cap); unused ones go first."""
        try:
            return max(0, int(float(self._get("cache/cap_mb", str(DEFAULT_CACHE_CAP_MB)))))
        except ValueError:
            return DEFAULT_CACHE_CAP_MB

    @cache_cap_mb.setter
    def cache_cap_mb(self, value: int) -> None:
        self.q.setValue("cache/cap_mb", str(max(0, int(value))))

    def cache_cap_bytes(self) -> int | None:
        """The cap in bytes for the clean-up, or None when there is none."""
        mb = self.cache_cap_mb
        return mb * 1_000_000 if mb > 0 else None

    @property
    def workers_url(self) -> str:
        """The workers' Redis (``redis://HOST:PORT/DB``) whose jobs the jobs panel lists; "" for none."""
        stored = self._get("workers/redis_url", "")
        if stored == IN_KEYRING:
            return secrets.get_api_key(WORKERS_KEY) or ""
        return stored

    @workers_url.setter
    def workers_url(self, value: str) -> None:
        """A URL with a password goes to the keyring (:class:`secrets.KeyringUnavailable`
        when there is none); one without stays in this file, like any other preference."""
        url = value.strip()
        was_in_keyring = self._get("workers/redis_url", "") == IN_KEYRING
        if urlsplit(url).password:
            secrets.set_api_key(WORKERS_KEY, url)
            self.q.setValue("workers/redis_url", IN_KEYRING)
            return
        if was_in_keyring:
            secrets.delete_api_key(WORKERS_KEY)
        self.q.setValue("workers/redis_url", url)

    def recent(self) -> list[str]:
        raw = self.q.value("projects/recent", [])
        items = [raw] if isinstance(raw, str) else list(raw or [])  # type: ignore[call-overload]
        return [str(p) for p in items if p and Path(str(p)).exists()]

    def add_recent(self, path: str) -> None:
        items = [p for p in self.recent() if p != path]
        self.q.setValue("projects/recent", [path, *items][:RECENT_LIMIT])
        self.q.sync()
