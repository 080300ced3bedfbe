"""Provider clients and service helpers on their own: requests sent, answers read."""

from __future__ import annotations

import email.utils
import random
from pathlib import Path

import httpx
import pytest

from app.engine.model.voice import VoiceSettings
from app.engine.net.http import retry_after_s
from app.engine.net.retry import RetryPolicy
from app.engine.store import Store
from app.engine.voice.base import PermanentVoiceError, SynthesisRequest, TransientVoiceError
from app.engine.voice.providers.elevenlabs import ElevenLabsProvider
from app.engine.voice.providers.google import GoogleProvider, language_of, voice_family
from app.engine.voice.providers.local import LocalProvider
from app.engine.voice.service import SynthesisOptions, SynthesisService
from tests.conftest import Closing
from tests.engine.voice.conftest import ELEVEN_KEY, GOOGLE_KEY
from tests.fakes.elevenlabs import FakeElevenLabs
from tests.fakes.google_tts import FakeGoogleTTS
from tests.fakes.server import Fault


def test_google_sends_settings_and_prices_by_voice_family(
    google: FakeGoogleTTS, closing: Closing
) -> None:
    provider = closing(GoogleProvider(google.url, key=lambda: GOOGLE_KEY))
    request = SynthesisRequest(
        "en-US-Neural2-D", "Hello from Google.", VoiceSettings(speed=1.2, pitch=-2.0)
    )
    answer = provider.synthesize(request)
    sent = google.requests[-1]
    assert sent.query["key"] == GOOGLE_KEY
    assert sent.body["voice"] == {"languageCode": "en-US", "name": "en-US-Neural2-D"}
    assert (
        sent.body["audioConfig"]["speakingRate"] == 1.2
        and sent.body["audioConfig"]["pitch"] == -2.0
    )
    assert answer.sample_rate == 24_000 and answer.samples.size > 0
    assert answer.cost_usd == pytest.approx(len("Hello from Google.") * 16 / 1_000_000)
    assert provider.estimate_cost(
        SynthesisRequest("en-US-Standard-B", "x" * 1000)
    ) == pytest.approx(0.004)
    assert (
        voice_family("en-US-Chirp3-HD-Aoede") == "chirp"
        and language_of("de-DE-Wavenet-A", "en-US") == "de-DE"
    )


def test_google_errors_are_classified(google: FakeGoogleTTS, closing: Closing) -> None:
    bad = closing(GoogleProvider(google.url, key=lambda: "AIzaWrongKey0000000"))
    with pytest.raises(PermanentVoiceError) as info:
        bad.synthesize(SynthesisRequest("en-US-Neural2-D", "hi"))
    assert info.value.scope == "provider" and "API key not valid" in str(info.value)
    good = closing(GoogleProvider(google.url, key=lambda: GOOGLE_KEY))
    with pytest.raises(PermanentVoiceError) as info:
        good.synthesize(SynthesisRequest("en-US-Nobody-Z", "hi"))
    assert info.value.scope == "voice" and info.value.code == "voice_not_found"
    google.inject(
        Fault(
            status=429,
            error={"error": {"code": 429, "message": "Quota", "status": "RESOURCE_EXHAUSTED"}},
            headers={"retry-after": "7"},
        )
    )
    with pytest.raises(TransientVoiceError) as transient:
        good.synthesize(SynthesisRequest("en-US-Neural2-D", "hi"))
    assert transient.value.retry_after_s == 7.0
    assert next(v.ref for v in good.list_voices()) == "google/en-US-Neural2-F"


def test_elevenlabs_usage_and_tier_concurrency(eleven: FakeElevenLabs, closing: Closing) -> None:
    eleven.tier = "pro"
    provider = closing(ElevenLabsProvider(eleven.url, key=lambda: ELEVEN_KEY))
    usage = provider.usage()
    assert usage is not None and usage.tier == "pro" and usage.limit == 100_000
    assert provider.concurrency() == 10
    provider.synthesize(SynthesisRequest("21m00Tcm4TlvDq8ikWAM", "twelve chars"))
    usage = provider.usage()
    assert usage is not None and usage.used == 12


def test_elevenlabs_validation_error_is_permanent_for_the_line(
    eleven: FakeElevenLabs, closing: Closing
) -> None:
    eleven.inject(
        Fault(
            status=422,
            error={
                "detail": [{"loc": ["body", "text"], "msg": "text too long", "type": "value_error"}]
            },
        )
    )
    provider = closing(ElevenLabsProvider(eleven.url, key=lambda: ELEVEN_KEY))
    with pytest.raises(PermanentVoiceError) as info:
        provider.synthesize(SynthesisRequest("21m00Tcm4TlvDq8ikWAM", "hello"))
    assert info.value.scope == "line" and "text too long" in str(info.value)


def test_slow_server_times_out_as_transient(eleven: FakeElevenLabs, closing: Closing) -> None:
    eleven.inject(Fault(delay_s=0.5))
    provider = closing(ElevenLabsProvider(eleven.url, key=lambda: ELEVEN_KEY, timeout_s=0.1))
    with pytest.raises(TransientVoiceError, match="did not answer in time"):
        provider.synthesize(SynthesisRequest("21m00Tcm4TlvDq8ikWAM", "hello"))


def test_unreachable_server_is_transient(closing: Closing) -> None:
    provider = closing(
        ElevenLabsProvider("http://127.0.0.1:9", key=lambda: ELEVEN_KEY, timeout_s=1)
    )
    with pytest.raises(TransientVoiceError, match="connection to elevenlabs failed"):
        provider.synthesize(SynthesisRequest("21m00Tcm4TlvDq8ikWAM", "hello"))


def test_retry_after_forms() -> None:
    assert retry_after_s(httpx.Headers({"retry-after-ms": "250"})) == 0.25
    assert retry_after_s(httpx.Headers({"retry-after": "3"})) == 3.0
    when = email.utils.formatdate(1_000_030, usegmt=True)
    assert retry_after_s(
        httpx.Headers({"retry-after": when}), now=lambda: 1_000_000
    ) == pytest.approx(30)
    assert retry_after_s(httpx.Headers({"retry-after": "soon"})) is None
    assert retry_after_s(httpx.Headers({})) is None


def test_backoff_grows_with_jitter_and_honours_retry_after() -> None:
    policy = RetryPolicy(base_delay_s=0.1, max_delay_s=1.0, rng=random.Random(4))
    delays = [policy.delay(a) for a in range(6)]
    for attempt, delay in enumerate(delays):
        step = min(1.0, 0.1 * 2**attempt)
        assert step / 2 <= delay <= step
    assert len(set(delays)) == len(delays)
    assert policy.delay(0, retry_after_s=4.5) == 4.5
    assert policy.delay(0, retry_after_s=10_000) == policy.max_retry_after_s


def test_long_line_is_split_into_requests_and_joined(
    tmp_path: Path, eleven: FakeElevenLabs, store: Store, closing: Closing
) -> None:
    eleven_provider = closing(
        ElevenLabsProvider(eleven.url, key=lambda: ELEVEN_KEY, model="eleven_v3")
    )
    service = SynthesisService(
        store,
        SynthesisOptions(retry=RetryPolicy(base_delay_s=0.01)),
        providers={"elevenlabs": eleven_provider, "local": LocalProvider()},
    )
    first = "The first sentence is here, and it goes on for a while. " * 30  # 1,710 characters
    second = "The second one follows it, as long again, every word of it. " * 30
    text = f"{first}{second}".strip()
    assert len(text) > 3000  # more than eleven_v3 takes in one request
    spoken = service.speak(text, "elevenlabs/21m00Tcm4TlvDq8ikWAM")
    sent = [r.body["text"] for r in eleven.requests_to("/v1/text-to-speech/")]
    assert len(sent) == 2 and all(len(s) <= 3000 for s in sent)
    assert " ".join(sent) == text
    assert [w.text for w in spoken.words] == text.split()
    assert spoken.provider == "elevenlabs" and spoken.num_samples / 48_000 > 25


def test_alignment_that_does_not_spell_the_text_is_ignored() -> None:
    from app.engine.voice.providers.elevenlabs import words_from_alignment

    good = {
        "characters": list("hi yo"),
        "character_start_times_seconds": [0, 0.1, 0.2, 0.3, 0.4],
        "character_end_times_seconds": [0.1, 0.2, 0.3, 0.4, 0.5],
    }
    words = words_from_alignment("hi yo", good, 1000)
    assert words is not None and [(w.text, w.start_sample, w.end_sample) for w in words] == [
        ("hi", 0, 200),
        ("yo", 300, 500),
    ]
    assert words_from_alignment("hi you", good, 1000) is None
    assert words_from_alignment("hi yo", {"characters": "nope"}, 1000) is None
    assert words_from_alignment("hi yo", None, 1000) is None
