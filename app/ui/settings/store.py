"""Studio preferences kept in a QSettings file in the config folder (never secrets)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings

from app.engine.model import DEFAULT_VOICE

RECENT_LIMIT = 10
DEFAULT_CACHE_CAP_MB = 5000


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

    def recent(self) -> list[str]:
        raw = self.q.value("projects/recent", [])
        items = [raw] if isinstance(raw, str) else list(raw or [])  # type: ignore[call-overload]
        return [str(p) for p in items if p and Path(str(p)).exists()]

    def add_recent(self, path: str) -> None:
        items = [p for p in self.recent() if p != path]
        self.q.setValue("projects/recent", [path, *items][:RECENT_LIMIT])
        self.q.sync()
