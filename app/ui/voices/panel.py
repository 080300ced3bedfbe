"""The voice panel: every character of the script with its voice, previews and the cost.

Changing a voice rewrites that character's line in the script's front matter (the script
stays the one source of truth) and records the profile in the project store.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QScrollArea, QVBoxLayout, QWidget

from app.engine.jobs.progress import Progress
from app.engine.model import KNOWN_PROVIDERS, Script, SpeechBeat
from app.engine.voice.base import VoiceInfo, VoiceProvider
from app.engine.voice.service import SynthesisService
from app.ui import workers
from app.ui.editor.rewrite import character_entry, written_characters
from app.ui.jobs.manager import Job, JobManager
from app.ui.voices.row import CharacterRow


def sample_line(script: Script, name: str) -> str:
    """The character's first line in the script, else a greeting in their name."""
    for beat in script.beats():
        if isinstance(beat, SpeechBeat) and beat.speaker == name and beat.text.strip():
            return beat.text
    return f"Hello, this is {name.title()}."


class NotConfigured(Exception):
    """A provider without its key: nothing to list, and nothing to complain about."""


def _listing(provider: VoiceProvider) -> list[VoiceInfo]:
    if getattr(provider, "requires_key", False) and not provider.is_configured():
        raise NotConfigured(provider.status())
    return provider.list_voices()


class VoicePanel(QWidget):
    """``entry_changed(name, entry_line)``: the window rewrites the script's front matter."""

    entry_changed = Signal(str, str)
    synthesized = Signal(object)
    message = Signal(str)

    def __init__(
        self,
        service: Callable[[], SynthesisService],
        jobs: JobManager,
        budget: Callable[[], tuple[float, float]],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("voices")
        self._service = service
        self.jobs = jobs
        self._budget = budget
        self.script: Script | None = None
        self.text = ""
        self.written: dict[str, dict[str, Any]] = {}
        self.rows: dict[str, CharacterRow] = {}
        self.listings: dict[str, list[tuple[str, str]]] = {}
        self.listing_errors: dict[str, str] = {}
        self.estimate_usd: float | None = None
        self.cost = QLabel("Estimated cost: …")
        self.cost.setObjectName("voiceCost")
        self.cost.setWordWrap(True)
        self.synth = QPushButton("Synthesize all voices")
        self.synth.setToolTip("Speak every line now (cached lines are free)")
        self.synth.clicked.connect(self.synthesize_all)
        self.refresh = QPushButton("Refresh voice lists")
        self.refresh.clicked.connect(self.load_listings)
        inner = QWidget()
        self._rows = QVBoxLayout(inner)
        self._rows.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidget(inner)
        scroll.setWidgetResizable(True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.synth)
        buttons.addWidget(self.refresh)
        lay = QVBoxLayout(self)
        lay.addWidget(scroll, 1)
        lay.addWidget(self.cost)
        lay.addLayout(buttons)

    # -- listings --------------------------------------------------------------------
    def load_listings(self) -> None:
        """Ask every provider for its voices (network calls, off the GUI thread)."""
        providers: dict[str, VoiceProvider] = self._service().providers
        for name in KNOWN_PROVIDERS:
            provider = providers.get(name)
            if provider is not None:
                workers.run_io(
                    partial(_listing, provider),
                    partial(self._listed, name),
                    partial(self._listing_failed, name),
                    self,
                )

    def _listed(self, provider: str, infos: list[VoiceInfo]) -> None:
        voices = [(v.voice_id, v.name) for v in infos]
        self.listings[provider] = voices
        self.listing_errors.pop(provider, None)
        for row in self.rows.values():
            row.set_listing(provider, voices)

    def _listing_failed(self, provider: str, message: str) -> None:
        self.listing_errors[provider] = message
        if not message.startswith(NotConfigured.__name__):
            self.message.emit(f"{provider} voices could not be listed: {message}")

    # -- script ----------------------------------------------------------------------
    def set_script(self, script: Script, text: str | None = None) -> None:
        """Show the script's characters as its front matter has them (``text``: the script's
        text, for voices written in a way Castline cannot use); rows are kept while the
        cast stays the same."""
        self.script = script
        if text is not None:
            self.text = text
            self.written = written_characters(text)
        names = [c.name for c in script.characters]
        if names != list(self.rows):
            for row in self.rows.values():
                row.setParent(None)
                row.deleteLater()
            self.rows = {}
            for character in script.characters:
                row = CharacterRow(character)
                for provider, voices in self.listings.items():
                    row.set_listing(provider, voices)
                row.changed.connect(self._row_changed)
                row.preview_requested.connect(self.preview)
                self._rows.insertWidget(self._rows.count() - 1, row)
                self.rows[character.name] = row
        for character in script.characters:
            row = self.rows[character.name]
            written = self.written.get(character.name, {}).get("voice")
            problem = "; ".join(
                d.message for d in script.diagnostics if character.line and d.line == character.line
            )
            shown = (
                str(written) if written is not None else None,
                problem,
                character.voice,
                tuple(character.fallback),
                character.settings,
            )
            if row.shown != shown:
                row.set_character(character, shown[0], problem)
        self.update_cost()

    def _row_changed(self, name: str) -> None:
        row = self.rows[name]
        self.entry_changed.emit(
            name,
            character_entry(
                name, row.voice_ref(), row.fallback, row.settings(), self.written.get(name)
            ),
        )

    def update_cost(self) -> None:
        script = self.script
        if script is None:
            return
        service = self._service()
        workers.submit(
            lambda: service.estimate_usd(script),
            self._show_cost,
            lambda m: self.cost.setText(f"Cost unknown: {m}"),
            owner=self,
        )

    def _show_cost(self, usd: float) -> None:
        if not self.isEnabled():
            return
        self.estimate_usd = usd
        budget, spent = self._budget()
        left = budget - spent
        colour = "#f06060" if usd > left else "#8fd18f"
        self.cost.setText(
            f"Estimated cost of the script: <b style='color:{colour}'>${usd:.2f}</b> "
            f"— budget ${budget:.2f}, spent ${spent:.2f}, ${max(0.0, left):.2f} left"
        )

    # -- speaking --------------------------------------------------------------------
    def preview(self, name: str) -> Job | None:
        """Speak a sample line with the row's current voice, then play it."""
        row = self.rows.get(name)
        if row is None or self.script is None:
            return None
        text = sample_line(self.script, name)
        voice, fallback = row.voice_ref(), row.fallback
        from app.engine.model import VoiceSettings

        settings = VoiceSettings(**row.settings())
        service = self._service()

        def work(progress: Progress) -> Any:
            progress.update(0, message=f"speaking as {voice}")
            return service.speak(text, voice, settings, fallback=fallback, speaker=name)

        return self.jobs.start("synthesis", f"Preview {name}", work, self._play)

    def _play(self, job: Job) -> None:
        if job.state != "done":
            return
        from app.engine.audio.io import read_wav
        from app.engine.audio.playback import PlaybackUnavailable, play

        try:
            audio, rate = read_wav(job.result.audio_path)
            play(audio, rate, blocking=False)
        except PlaybackUnavailable as exc:
            self.message.emit(f"Preview spoken ({job.result.voice_ref}) but not played: {exc}")

    def synthesize_all(self) -> Job | None:
        script = self.script
        if script is None:
            return None
        service = self._service()
        return self.jobs.start(
            "synthesis",
            "Voices for the whole script",
            lambda progress: service.synthesize_script(script, progress),
            lambda job: self.synthesized.emit(job.result) if job.state == "done" else None,
        )
