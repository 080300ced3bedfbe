"""Voices: providers (local Piper, ElevenLabs, Google) and the synthesis service.

``SynthesisService(store).synthesize_script(script)`` turns every speech line into a
cached 48 kHz mono float32 WAV with word timings (:class:`SpokenLine`); the default
voice ``local/joe`` needs no key and no network.
"""

from app.engine.net.retry import RetryPolicy
from app.engine.voice.base import (
    PermanentVoiceError,
    ProviderAudio,
    SynthesisRequest,
    TransientVoiceError,
    VoiceError,
    VoiceInfo,
    VoiceProvider,
    WordTiming,
)
from app.engine.voice.registry import (
    ProviderConfig,
    ProviderSpec,
    build_provider,
    build_providers,
    register,
)
from app.engine.voice.service import (
    BudgetExceeded,
    LineFailed,
    SpokenLine,
    SynthesisOptions,
    SynthesisResult,
    SynthesisService,
)

__all__ = [
    "BudgetExceeded",
    "LineFailed",
    "PermanentVoiceError",
    "ProviderAudio",
    "ProviderConfig",
    "ProviderSpec",
    "RetryPolicy",
    "SpokenLine",
    "SynthesisOptions",
    "SynthesisRequest",
    "SynthesisResult",
    "SynthesisService",
    "TransientVoiceError",
    "VoiceError",
    "VoiceInfo",
    "VoiceProvider",
    "WordTiming",
    "build_provider",
    "build_providers",
    "register",
]
