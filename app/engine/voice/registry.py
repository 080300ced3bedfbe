"""Which providers exist and how they are configured (base URLs, keys, limits).

Adding a provider is adding its module and one line in :func:`build_providers`. Base
URLs come from settings or the environment (``CASTLINE_ELEVENLABS_URL``,
``CASTLINE_GOOGLE_TTS_URL``) so tests point the real clients at local fakes.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from app.engine.voice.base import VoiceProvider
from app.engine.voice.elevenlabs import ElevenLabsProvider
from app.engine.voice.google import GoogleProvider
from app.engine.voice.local import LocalProvider


@dataclass
class ProviderConfig:
    """Endpoints and limits for the providers; every field has a working default."""

    elevenlabs_url: str = field(
        default_factory=lambda: os.environ.get(
            "CASTLINE_ELEVENLABS_URL", "https://api.elevenlabs.io"
        )
    )
    google_url: str = field(
        default_factory=lambda: os.environ.get(
            "CASTLINE_GOOGLE_TTS_URL", "https://texttospeech.googleapis.com"
        )
    )
    elevenlabs_model: str = "eleven_multilingual_v2"
    elevenlabs_output_format: str = "mp3_44100_128"
    elevenlabs_timestamps: bool = True
    """Use ``/with-timestamps`` for exact word timings (False: plain audio, estimated timings)."""
    elevenlabs_usd_per_1k_credits: float = 0.30
    """Dollars per thousand credits (a credit is a character on multilingual v2)."""
    elevenlabs_concurrency: int | None = None
    """None: from the subscription tier (free 2 ... scale 15)."""
    google_language: str = "en-US"
    google_concurrency: int = 4
    timeout_s: float = 60.0
    local_voices_dir: Path | None = None


def build_providers(config: ProviderConfig | None = None) -> dict[str, VoiceProvider]:
    """One instance of every provider, keyed by its name."""
    config = config or ProviderConfig()
    return {
        "local": LocalProvider(config.local_voices_dir),
        "elevenlabs": ElevenLabsProvider(
            config.elevenlabs_url,
            model=config.elevenlabs_model,
            output_format=config.elevenlabs_output_format,
            usd_per_1k_credits=config.elevenlabs_usd_per_1k_credits,
            concurrency=config.elevenlabs_concurrency,
            timeout_s=config.timeout_s,
            timestamps=config.elevenlabs_timestamps,
        ),
        "google": GoogleProvider(
            config.google_url,
            language=config.google_language,
            concurrency=config.google_concurrency,
            timeout_s=config.timeout_s,
        ),
    }
