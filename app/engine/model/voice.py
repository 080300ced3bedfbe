"""Voice references and character voice settings."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Literal, overload

from pydantic import BaseModel, ConfigDict, Field

DEFAULT_VOICE = "local/joe"


@dataclass(frozen=True)
class RequestLimit:
    """How much text one synthesis request may carry, and how it is measured."""

    size: int
    unit: Literal["chars", "bytes"]
    """``chars`` or ``bytes`` (UTF-8)."""
    hard: bool
    """False when the limit is only a latency preference (the provider takes more)."""
    provider: str

    def measure(self, text: str) -> int:
        return len(text.encode("utf-8")) if self.unit == "bytes" else len(text)

    def fits(self, text: str) -> bool:
        return self.measure(text) <= self.size


class _ProviderNames(Sequence[str]):
    """The names of the registered voice providers, read from the registry when asked.

    The registry sits higher up (each provider module registers itself), so this view
    imports it lazily; nothing here is a copy of the list.
    """

    def _names(self) -> list[str]:
        from app.engine.voice.registry import provider_names

        return provider_names()

    @overload
    def __getitem__(self, index: int) -> str: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[str]: ...
    def __getitem__(self, index: int | slice) -> str | Sequence[str]:
        return self._names()[index]

    def __len__(self) -> int:
        return len(self._names())

    def __iter__(self) -> Iterator[str]:
        return iter(self._names())

    def __contains__(self, name: object) -> bool:
        return name in self._names()

    def __repr__(self) -> str:
        return repr(tuple(self._names()))


KNOWN_PROVIDERS: Sequence[str] = _ProviderNames()
"""Every registered voice provider's name (derived from the voice registry)."""


class VoiceRef(BaseModel):
    """A voice named ``provider/voice`` (``local/joe``, ``elevenlabs/<id>``)."""

    model_config = ConfigDict(frozen=True)

    provider: str
    voice: str

    @classmethod
    def parse(cls, text: str) -> VoiceRef:
        """Split ``provider/voice``; a bare name is taken as a local voice."""
        text = text.strip()
        if "/" in text:
            provider, voice = text.split("/", 1)
            return cls(provider=provider.strip().lower(), voice=voice.strip())
        return cls(provider="local", voice=text)

    def __str__(self) -> str:
        return f"{self.provider}/{self.voice}"


class VoiceSettings(BaseModel):
    """Delivery settings a provider may honour; ``None`` means the provider's default."""

    model_config = ConfigDict(frozen=True)

    speed: float = 1.0
    pitch: float = 0.0
    """Semitones up (+) or down (-)."""
    stability: float | None = None
    similarity_boost: float | None = None
    style: float | None = None


class Character(BaseModel):
    """A speaker in the script, with the chain of voices that may speak for it."""

    name: str
    voice: VoiceRef = Field(default_factory=lambda: VoiceRef.parse(DEFAULT_VOICE))
    fallback: list[VoiceRef] = Field(default_factory=list)
    settings: VoiceSettings = Field(default_factory=VoiceSettings)
    declared: bool = True
    """False for a speaker that appears in the script with no ``characters`` entry."""
    line: int | None = None
    color: str | None = None
    """``#rrggbb`` for the name plate and badge; ``None`` takes the next colour of the style."""
    avatar: str | None = None
    """``avatar:`` as written (relative to the script)."""
    avatar_resolved: str | None = None
    """The avatar's absolute path when it is an image that exists; else the monogram is drawn."""

    @property
    def chain(self) -> list[VoiceRef]:
        """The voice, then its fallbacks, ending with the offline default."""
        chain = [self.voice, *self.fallback]
        default = VoiceRef.parse(DEFAULT_VOICE)
        if default not in chain:
            chain.append(default)
        return chain
