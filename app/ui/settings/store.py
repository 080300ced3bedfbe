"""Studio preferences kept in a QSettings file in the config folder (never secrets)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings

from app.engine.model import DEFAULT_VOICE

RECENT_LIMIT = 10


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

    def recent(self) -> list[str]:
        raw = self.q.value("projects/recent", [])
        items = [raw] if isinstance(raw, str) else list(raw or [])  # type: ignore[call-overload]
        return [str(p) for p in items if p and Path(str(p)).exists()]

    def add_recent(self, path: str) -> None:
        items = [p for p in self.recent() if p != path]
        self.q.setValue("projects/recent", [path, *items][:RECENT_LIMIT])
        self.q.sync()
