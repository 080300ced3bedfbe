"""ElevenLabs over httpx, following docs/api-contracts.md.

Synthesis is ``POST /v1/text-to-speech/{voice_id}?output_format=...`` with the key in
``xi-api-key``; the answer is audio bytes plus ``character-cost`` (characters billed)
and ``request-id``. By default the ``/with-timestamps`` form of the same endpoint is
used: the same audio, base64 in JSON, with each character's start and end time, which
gives captions exact word timings. Concurrency follows the subscription tier. Credits are turned into
dollars at a configurable rate per thousand characters.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import threading
from collections.abc import Callable
from typing import Any

import httpx

from app.engine.audio.io import AudioDecodeError, decode_audio, pcm16_to_float
from app.engine.model.voice import RequestLimit
from app.engine.net.http import (
    LazyClient,
    error_body,
    is_retryable,
    make_client,
    retry_after_s,
    transport_errors,
)
from app.engine.voice.base import (
    KeyedProvider,
    PermanentVoiceError,
    ProviderAudio,
    ProviderUsage,
    SynthesisRequest,
    TransientVoiceError,
    VoiceError,
    VoiceInfo,
    WordTiming,
)
from app.engine.voice.registry import ProviderContext, ProviderSpec, register

TIER_CONCURRENCY = {"free": 2, "starter": 3, "creator": 5, "pro": 10, "scale": 15, "business": 15}
"""Concurrent requests per plan for multilingual v2 (api-contracts.md)."""
CREDITS_PER_CHAR = {
    "eleven_flash_v2_5": 0.5,
    "eleven_flash_v2": 0.5,
    "eleven_turbo_v2_5": 0.5,
    "eleven_turbo_v2": 0.5,
}
TEXT_LIMITS = {"eleven_v3": 3000}
"""Models that take less than the provider's registered limit."""
PROVIDER_WIDE = {
    "invalid_api_key",
    "quota_exceeded",
    "missing_permissions",
    "payment_required",
    "unauthorized",
}


class ElevenLabsProvider(KeyedProvider):
    """Cloud voices from ElevenLabs; needs ``ELEVENLABS_API_KEY`` or a keyring entry."""

    name = "elevenlabs"

    def __init__(
        self,
        base_url: str,
        *,
        model: str = "eleven_multilingual_v2",
        output_format: str = "mp3_44100_128",
        usd_per_1k_credits: float | None = None,
        concurrency: int | None = None,
        timeout_s: float = 60.0,
        key: Callable[[], str | None] | None = None,
        timestamps: bool = True,
    ) -> None:
        self._http = LazyClient(lambda: make_client(base_url, timeout_s))
        self._timestamps = timestamps
        self._model = model
        self._format = output_format
        self._rate = usd_per_1k_credits if usd_per_1k_credits is not None else SPEC.price() / 1000
        self._concurrency = concurrency
        super().__init__(key)
        self._tier_lock = threading.Lock()

    @property
    def _client(self) -> httpx.Client:
        return self._http.get()

    def close(self) -> None:
        self._http.close()

    def request_limit(self) -> RequestLimit:
        """The registered limit, or the model's own where it is smaller (v3: 3,000)."""
        limit = SPEC.limit
        size = TEXT_LIMITS.get(self._model, limit.size)
        return limit if size >= limit.size else RequestLimit(size, "chars", True, self.name)

    # -- plumbing --------------------------------------------------------------------
    def _headers(self) -> dict[str, str]:
        key = self._key()
        if not key:
            raise PermanentVoiceError(
                "no ElevenLabs key: add one in Settings or set ELEVENLABS_API_KEY",
                provider=self.name,
                code="no_key",
                scope="provider",
            )
        return {"xi-api-key": key}

    def _raise_for(self, response: httpx.Response) -> None:
        status = response.status_code
        if status < 400:
            return
        body = error_body(response)
        detail = body.get("detail") if isinstance(body, dict) else None
        code, message = "", str(body)[:300]
        if isinstance(detail, dict):
            code = str(detail.get("status") or detail.get("code") or "")
            message = str(detail.get("message") or message)
        elif isinstance(detail, list) and detail:  # 422 validation errors
            code = "validation_error"
            message = "; ".join(
                str(d.get("msg", d)) if isinstance(d, dict) else str(d) for d in detail
            )
        text = f"ElevenLabs {status} {code or 'error'}: {message}"
        if is_retryable(status):
            raise TransientVoiceError(
                text,
                retry_after_s=retry_after_s(response.headers),
                provider=self.name,
                code=code,
                status=status,
            )
        if code == "voice_not_found" or (status == 404 and "voice" in message.lower()):
            raise PermanentVoiceError(
                text, provider=self.name, code="voice_not_found", status=status, scope="voice"
            )
        if status in (401, 402, 403) or code in PROVIDER_WIDE:
            if code == "quota_exceeded":
                text += " (the plan's characters are used up; the line moves to the next voice)"
            elif code == "invalid_api_key" or status == 401:
                text += " (check the key in Settings or ELEVENLABS_API_KEY)"
            raise PermanentVoiceError(
                text,
                provider=self.name,
                code=code or f"http_{status}",
                status=status,
                scope="provider",
            )
        raise PermanentVoiceError(
            text, provider=self.name, code=code or f"http_{status}", status=status, scope="line"
        )

    def _get_json(self, path: str, params: dict[str, str] | None = None) -> Any:
        with transport_errors(self.name, TransientVoiceError):
            response = self._client.get(path, headers=self._headers(), params=params)
        self._raise_for(response)
        try:
            return response.json()
        except ValueError as exc:
            raise TransientVoiceError(
                f"ElevenLabs answered {path} with something that is not JSON", provider=self.name
            ) from exc

    # -- interface -------------------------------------------------------------------
    def model_id(self, request: SynthesisRequest) -> str:
        return f"{self._model}:{self._format}"

    def list_voices(self) -> list[VoiceInfo]:
        data = self._get_json("/v1/voices")
        voices = []
        for v in data.get("voices", []) if isinstance(data, dict) else []:
            labels = {str(k): str(val) for k, val in (v.get("labels") or {}).items()}
            description = ", ".join(filter(None, [str(v.get("category") or ""), *labels.values()]))
            voices.append(
                VoiceInfo(
                    self.name,
                    str(v["voice_id"]),
                    str(v.get("name") or v["voice_id"]),
                    description,
                    labels,
                )
            )
        return voices

    def usage(self) -> ProviderUsage | None:
        data = self._get_json("/v1/user/subscription")
        limit = data.get("character_limit")
        return ProviderUsage(
            used=int(data.get("character_count") or 0),
            limit=int(limit) if limit is not None else None,
            tier=str(data.get("tier") or ""),
        )

    def concurrency(self) -> int:
        with self._tier_lock:
            if self._concurrency is None:
                try:
                    tier = (self.usage() or ProviderUsage(0, None)).tier.lower()
                except VoiceError:
                    tier = "free"
                self._concurrency = next(
                    (n for name, n in TIER_CONCURRENCY.items() if tier.startswith(name)), 2
                )
            return self._concurrency

    def credits(self, characters: float) -> float:
        return characters * CREDITS_PER_CHAR.get(self._model, 1.0)

    def estimate_cost(self, request: SynthesisRequest) -> float:
        return self.credits(len(request.text)) * self._rate / 1000

    def synthesize(self, request: SynthesisRequest) -> ProviderAudio:
        s = request.settings
        voice_settings: dict[str, Any] = {
            "stability": 0.5 if s.stability is None else s.stability,
            "similarity_boost": 0.75 if s.similarity_boost is None else s.similarity_boost,
            "use_speaker_boost": True,
            "speed": min(1.2, max(0.7, s.speed)),
        }
        if s.style is not None:
            voice_settings["style"] = s.style
        body: dict[str, Any] = {
            "text": request.text,
            "model_id": self._model,
            "voice_settings": voice_settings,
        }
        if request.previous_text:
            body["previous_text"] = request.previous_text
        if request.next_text:
            body["next_text"] = request.next_text
        path = f"/v1/text-to-speech/{request.voice_id}" + (
            "/with-timestamps" if self._timestamps else ""
        )
        accept = (
            "application/json"
            if self._timestamps
            else ("audio/mpeg" if self._format.startswith("mp3") else "*/*")
        )
        reported: float | None = None
        try:
            with (
                transport_errors(self.name, TransientVoiceError),
                self._client.stream(
                    "POST",
                    path,
                    params={"output_format": self._format},
                    json=body,
                    headers={**self._headers(), "accept": accept},
                ) as response,
            ):
                if response.status_code >= 400:
                    response.read()
                    self._raise_for(response)
                # Billed from here on, whatever happens to the body.
                reported = _reported_units(response.headers)
                payload = response.read()
            alignment: Any = None
            if self._timestamps:
                try:
                    data = json.loads(payload)
                    payload = base64.b64decode(data["audio_base64"], validate=True)
                    alignment = data.get("alignment") or data.get("normalized_alignment")
                except (ValueError, KeyError, TypeError, binascii.Error) as exc:
                    raise TransientVoiceError(
                        f"ElevenLabs answered with unreadable JSON ({exc})",
                        provider=self.name,
                        code="bad_answer",
                    ) from exc
            if not payload:
                raise TransientVoiceError(
                    "ElevenLabs answered with no audio", provider=self.name, code="empty_audio"
                )
            try:
                if self._format.startswith("pcm_"):
                    samples, rate = pcm16_to_float(payload), int(self._format.split("_")[1])
                else:
                    samples, rate = decode_audio(payload)
            except AudioDecodeError as exc:
                raise TransientVoiceError(
                    f"ElevenLabs audio could not be decoded: {exc}",
                    provider=self.name,
                    code="bad_audio",
                ) from exc
        except VoiceError as exc:
            if reported is not None:
                exc.billed_units = reported
                exc.cost_usd = reported * self._rate / 1000
            raise
        billed = reported if reported is not None else self.credits(len(request.text))
        return ProviderAudio(
            samples=samples,
            sample_rate=rate,
            model=self.model_id(request),
            billed_units=billed,
            cost_usd=billed * self._rate / 1000,
            request_id=response.headers.get("request-id"),
            words=words_from_alignment(request.text, alignment, rate),
        )


def _reported_units(headers: httpx.Headers) -> float | None:
    """The characters ElevenLabs says it billed (``character-cost``), if it says."""
    try:
        value = float(headers.get("character-cost", ""))
    except ValueError:
        return None
    return value if math.isfinite(value) and value >= 0 else None


def words_from_alignment(text: str, alignment: Any, rate: int) -> list[WordTiming] | None:
    """Word spans (in samples at ``rate``) from ElevenLabs' per-character times.

    None when there is no alignment or its characters do not spell ``text`` (the
    service then estimates timings from the audio instead).
    """
    if not isinstance(alignment, dict):
        return None
    chars = alignment.get("characters")
    starts = alignment.get("character_start_times_seconds")
    ends = alignment.get("character_end_times_seconds")
    if not (isinstance(chars, list) and isinstance(starts, list) and isinstance(ends, list)):
        return None
    if len(chars) != len(starts) or len(chars) != len(ends) or "".join(map(str, chars)) != text:
        return None
    words: list[WordTiming] = []
    i = 0
    while i < len(text):
        if text[i].isspace():
            i += 1
            continue
        j = i
        while j < len(text) and not text[j].isspace():
            j += 1
        try:
            start, end = float(starts[i]), float(ends[j - 1])
        except (TypeError, ValueError):
            return None
        words.append(
            WordTiming(text[i:j], round(start * rate), max(round(start * rate), round(end * rate)))
        )
        i = j
    return words


def _build(context: ProviderContext) -> ElevenLabsProvider:
    """Options: ``model``, ``output_format``, ``usd_per_1k_credits``, ``concurrency`` (None:
    from the plan), ``timestamps`` (False: plain audio and estimated word timings)."""
    return ElevenLabsProvider(
        context.url, key=context.key, timeout_s=context.timeout_s, **dict(context.options)
    )


SPEC = register(
    ProviderSpec(
        name="elevenlabs",
        label="ElevenLabs",
        factory=_build,
        limit=RequestLimit(10_000, "chars", True, "elevenlabs"),
        key_name="elevenlabs",
        usd_per_million={"": 300.0},  # $0.30 per thousand credits (a character on v2)
        default_url="https://api.elevenlabs.io",
        url_env="CASTLINE_ELEVENLABS_URL",
    )
)
