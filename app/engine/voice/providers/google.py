"""Google Cloud Text-to-Speech over httpx, following docs/api-contracts.md.

``POST /v1/text:synthesize?key=KEY`` with LINEAR16 audio (a WAV header included) comes
back base64 in ``audioContent``. Google bills per character sent, at a rate that
depends on the voice family; the rates here are its published list prices.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable
from typing import Any

import httpx

from app.engine.audio.io import AudioDecodeError, decode_audio
from app.engine.model.voice import RequestLimit
from app.engine.net.http import (
    LazyClient,
    error_body,
    is_retryable,
    make_client,
    retry_after_s,
    transport_errors,
)
from app.engine.voice.align import reference_word_timings
from app.engine.voice.base import (
    KeyedProvider,
    PermanentVoiceError,
    ProviderAudio,
    SynthesisRequest,
    TransientVoiceError,
    VoiceInfo,
)
from app.engine.voice.registry import ProviderContext, ProviderSpec, register


def voice_family(name: str) -> str:
    """``en-US-Neural2-F`` -> ``neural2``; ``en-US-Chirp3-HD-Aoede`` -> ``chirp``."""
    lowered = name.lower()
    for family in SPEC.usd_per_million:
        if family and f"-{family}" in lowered:
            return family
    return ""


def language_of(name: str, default: str) -> str:
    """The language code a voice name starts with (``en-US``), or ``default``."""
    match = re.match(r"^([a-z]{2,3}-[A-Z]{2})-", name)
    return match.group(1) if match else default


class GoogleProvider(KeyedProvider):
    """Google Cloud voices; needs ``GOOGLE_API_KEY`` or a keyring entry."""

    name = "google"

    def __init__(
        self,
        base_url: str,
        *,
        language: str = "en-US",
        sample_rate: int = 24_000,
        concurrency: int = 4,
        timeout_s: float = 60.0,
        key: Callable[[], str | None] | None = None,
    ) -> None:
        self._http = LazyClient(lambda: make_client(base_url, timeout_s))
        self._language = language
        self._rate = sample_rate
        self._concurrency = concurrency
        super().__init__(key)

    @property
    def _client(self) -> httpx.Client:
        return self._http.get()

    def close(self) -> None:
        self._http.close()

    def _params(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        key = self._key()
        if not key:
            raise PermanentVoiceError(
                "no Google key: add one in Settings or set GOOGLE_API_KEY",
                provider=self.name,
                code="no_key",
                scope="provider",
            )
        return {**(extra or {}), "key": key}

    def _raise_for(self, response: httpx.Response) -> None:
        status = response.status_code
        if status < 400:
            return
        body = error_body(response)
        error = body.get("error") if isinstance(body, dict) else None
        if isinstance(error, dict):
            code, message = str(error.get("status") or ""), str(error.get("message") or "")
            reasons = " ".join(
                str(d.get("reason", "")) for d in error.get("details", []) if isinstance(d, dict)
            )
        else:
            code, message, reasons = "", str(body)[:300], ""
        text = f"Google TTS {status} {code or 'error'}: {message}"
        lowered = f"{message} {reasons}".lower()
        if is_retryable(status):
            raise TransientVoiceError(
                text,
                retry_after_s=retry_after_s(response.headers),
                provider=self.name,
                code=code,
                status=status,
            )
        if "api key" in lowered or "api_key" in lowered or status in (401, 403):
            raise PermanentVoiceError(
                text + " (check the key in Settings or GOOGLE_API_KEY)",
                provider=self.name,
                code="invalid_api_key" if "key" in lowered else code or f"http_{status}",
                status=status,
                scope="provider",
            )
        if "voice" in lowered and (
            "not exist" in lowered or "not found" in lowered or "unsupported" in lowered
        ):
            raise PermanentVoiceError(
                text, provider=self.name, code="voice_not_found", status=status, scope="voice"
            )
        raise PermanentVoiceError(
            text, provider=self.name, code=code or f"http_{status}", status=status, scope="line"
        )

    def model_id(self, request: SynthesisRequest) -> str:
        return f"google-tts:v1:LINEAR16:{self._rate}"

    def concurrency(self) -> int:
        return self._concurrency

    def list_voices(self) -> list[VoiceInfo]:
        with transport_errors(self.name, TransientVoiceError):
            response = self._client.get(
                "/v1/voices", params=self._params({"languageCode": self._language})
            )
        self._raise_for(response)
        data: Any = response.json()
        voices = []
        for v in data.get("voices", []) if isinstance(data, dict) else []:
            name = str(v.get("name", ""))
            gender = str(v.get("ssmlGender", "")).lower()
            family = voice_family(name) or "standard"
            rate = SPEC.price(family)
            voices.append(
                VoiceInfo(
                    self.name,
                    name,
                    name,
                    f"{gender}, {family}, ${rate:g} per million characters",
                    {"gender": gender},
                )
            )
        return voices

    def usd_per_char(self, voice_id: str) -> float:
        return SPEC.price(voice_family(voice_id)) / 1_000_000

    def estimate_cost(self, request: SynthesisRequest) -> float:
        return len(request.text) * self.usd_per_char(request.voice_id)

    def synthesize(self, request: SynthesisRequest) -> ProviderAudio:
        limit = SPEC.limit
        if not limit.fits(request.text):
            raise PermanentVoiceError(
                f"Google accepts at most {limit.size} {limit.unit} of text in one request",
                provider=self.name,
                code="too_long",
            )
        s = request.settings
        body = {
            "input": {"text": request.text},
            "voice": {
                "languageCode": language_of(request.voice_id, self._language),
                "name": request.voice_id,
            },
            "audioConfig": {
                "audioEncoding": "LINEAR16",
                "sampleRateHertz": self._rate,
                "speakingRate": min(4.0, max(0.25, s.speed)),
                "pitch": min(20.0, max(-20.0, s.pitch)),
            },
        }
        with transport_errors(self.name, TransientVoiceError):
            response = self._client.post("/v1/text:synthesize", params=self._params(), json=body)
        self._raise_for(response)
        try:
            content = response.json()["audioContent"]
            samples, rate = decode_audio(base64.b64decode(content, validate=True))
        except (ValueError, KeyError, TypeError, binascii.Error, AudioDecodeError) as exc:
            raise TransientVoiceError(
                f"Google answered with unreadable audio ({exc})",
                provider=self.name,
                code="bad_audio",
            ) from exc
        return ProviderAudio(
            samples=samples,
            sample_rate=rate,
            model=self.model_id(request),
            billed_units=float(len(request.text)),
            cost_usd=self.estimate_cost(request),
            request_id=response.headers.get("x-request-id"),
            words=reference_word_timings(samples, rate, request.text),  # v1 sends no timings
        )


def _build(context: ProviderContext) -> GoogleProvider:
    """Options: ``language`` (``en-US``), ``concurrency`` (4), ``sample_rate`` (24,000)."""
    return GoogleProvider(
        context.url, key=context.key, timeout_s=context.timeout_s, **dict(context.options)
    )


SPEC = register(
    ProviderSpec(
        name="google",
        label="Google Cloud TTS",
        factory=_build,
        limit=RequestLimit(5_000, "bytes", True, "google"),
        key_name="google",
        usd_per_million={
            "": 16.0,
            "standard": 4.0,
            "wavenet": 4.0,
            "neural2": 16.0,
            "polyglot": 16.0,
            "news": 16.0,
            "studio": 160.0,
            "chirp": 30.0,
        },
        default_url="https://texttospeech.googleapis.com",
        url_env="CASTLINE_GOOGLE_TTS_URL",
    )
)
"""Google's list prices per million characters, by voice family."""
