"""The one small interface every voice provider implements, and the errors it raises.

A provider only turns text into audio and says what that cost; the synthesis service
around it owns caching, retries, concurrency, fallback and the budget. The error classes
tell the service which of those applies: a transient error is retried, a permanent one
moves the line to the next voice in the character's chain.
"""

from __future__ import annotations

import abc
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from app.engine.model.speech import WordTiming
from app.engine.model.voice import RequestLimit, VoiceSettings
from app.engine.secrets import env_var, get_api_key

__all__ = [
    "PermanentVoiceError",
    "ProviderAudio",
    "ProviderUsage",
    "SynthesisRequest",
    "TransientVoiceError",
    "VoiceError",
    "VoiceInfo",
    "VoiceProvider",
    "WordTiming",
]


@dataclass(frozen=True)
class VoiceInfo:
    """A voice a provider offers, as listed by ``python main.py voices``."""

    provider: str
    voice_id: str
    name: str
    description: str = ""
    labels: dict[str, str] = field(default_factory=dict)

    @property
    def ref(self) -> str:
        return f"{self.provider}/{self.voice_id}"


@dataclass(frozen=True)
class SynthesisRequest:
    """What one provider call is asked to speak."""

    voice_id: str
    text: str
    settings: VoiceSettings = field(default_factory=VoiceSettings)
    previous_text: str | None = None
    next_text: str | None = None


@dataclass
class ProviderAudio:
    """A provider's answer: audio at its own rate, plus what it cost."""

    samples: np.ndarray
    """Mono float32 in [-1, 1]."""
    sample_rate: int
    model: str
    billed_units: float = 0.0
    """Characters billed (ElevenLabs ``character-cost``), or characters sent."""
    cost_usd: float = 0.0
    request_id: str | None = None
    word_weights: list[float] | None = None
    """Relative spoken length of each whitespace-separated word, when the provider knows
    it (Piper's phonemes); the timing estimator uses it instead of letter counts."""
    words: list[WordTiming] | None = None
    """Exact word timings in this clip's own samples, when the provider gives them."""


@dataclass(frozen=True)
class ProviderUsage:
    """Quota as the provider reports it (ElevenLabs' subscription)."""

    used: int
    limit: int | None
    tier: str = ""
    unit: str = "characters"


class VoiceError(Exception):
    """A provider call that did not produce audio."""

    def __init__(
        self,
        message: str,
        *,
        provider: str = "",
        code: str = "",
        status: int | None = None,
        cost_usd: float = 0.0,
        billed_units: float = 0.0,
    ) -> None:
        super().__init__(message)
        self.provider = provider
        self.code = code
        self.status = status
        self.cost_usd = cost_usd
        """What the provider reported charging for this failed answer (a 200 whose body
        was cut or undecodable is still billed), so the ledger and the budget count it."""
        self.billed_units = billed_units


class TransientVoiceError(VoiceError):
    """Worth retrying after a delay: 408, 409, 429, 5xx, dropped connections, timeouts."""

    def __init__(self, message: str, *, retry_after_s: float | None = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.retry_after_s = retry_after_s


if TYPE_CHECKING:
    from app.engine.voice.registry import ProviderSpec

Scope = Literal["provider", "voice", "line"]


class PermanentVoiceError(VoiceError):
    """Retrying will not help: bad key, quota, unknown voice, rejected text.

    ``scope`` says how far the failure reaches: ``provider`` (no key, bad key, quota:
    skip the provider for the rest of the run), ``voice`` (voice not found) or ``line``.
    """

    def __init__(self, message: str, *, scope: Scope = "line", **kw: Any) -> None:
        super().__init__(message, **kw)
        self.scope: Scope = scope


class VoiceProvider(abc.ABC):
    """A source of synthetic speech."""

    name: str = ""
    """The name it is registered under (:mod:`app.engine.voice.registry`), which holds
    everything else known about it without a call: label, request limit, key, prices."""

    def spec(self) -> ProviderSpec:
        """This provider's registry entry."""
        from app.engine.voice.registry import spec

        found = spec(self.name)
        if found is None:
            raise VoiceError(f"the voice provider {self.name!r} is not registered")
        return found

    @property
    def requires_key(self) -> bool:
        return self.spec().key_name is not None

    def request_limit(self) -> RequestLimit:
        """How much text one request may carry (a provider may narrow it per model)."""
        return self.spec().limit

    def profiled(self, voice_id: str, index: int) -> str:
        """The voice for the ``index``-th character sharing ``voice_id``, so they differ.

        Most providers' voices are distinct people already; a provider that can bend one
        model into several (the local voice's profiles) overrides this.
        """
        return voice_id

    @abc.abstractmethod
    def is_configured(self) -> bool:
        """True when the provider can be used now (a key is set, a model exists)."""

    @abc.abstractmethod
    def list_voices(self) -> list[VoiceInfo]:
        """Every voice this provider offers; may call the network."""

    @abc.abstractmethod
    def synthesize(self, request: SynthesisRequest) -> ProviderAudio:
        """Speak ``request.text``; raise Transient/PermanentVoiceError on failure."""

    @abc.abstractmethod
    def model_id(self, request: SynthesisRequest) -> str:
        """The model that will speak ``request``: part of the cache key."""

    def estimate_cost(self, request: SynthesisRequest) -> float:
        """Dollars the request would cost, before it is sent."""
        return 0.0

    def concurrency(self) -> int:
        """How many requests may be in flight at once."""
        return 1

    def usage(self) -> ProviderUsage | None:
        """Quota used and left, where the provider reports it."""
        return None

    def status(self) -> str:
        """One line for ``voices``: configured or what is missing."""
        return "ready" if self.is_configured() else "not configured"

    def close(self) -> None:  # noqa: B027 - most providers hold nothing to release
        """Release the network client, if any; whoever built the provider calls it."""


class KeyedProvider(VoiceProvider):
    """A cloud provider that needs an API key: from the keyring, else the environment.

    ``key`` replaces the lookup (tests, a key typed in Settings but not saved yet).
    """

    def __init__(self, key: Callable[[], str | None] | None = None) -> None:
        self._key: Callable[[], str | None] = key or (
            lambda: get_api_key(self.spec().key_name or self.name)
        )

    def is_configured(self) -> bool:
        return bool(self._key())

    def status(self) -> str:
        if self.is_configured():
            return "key set"
        variable = env_var(self.spec().key_name or self.name)
        return f"not configured (set {variable} or add a key in Settings)"
