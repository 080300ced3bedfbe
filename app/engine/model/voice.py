"""Voice references and character voice settings."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

KNOWN_PROVIDERS = ("local", "elevenlabs", "google")
DEFAULT_VOICE = "local/joe"


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
