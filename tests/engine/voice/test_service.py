"""The synthesis service against fake ElevenLabs and Google servers on 127.0.0.1."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from app.engine.audio import integrated_loudness, read_wav
from app.engine.jobs.progress import Progress
from app.engine.model.script import Script
from app.engine.model.voice import VoiceSettings
from app.engine.script import parse_text
from app.engine.store import Store
from app.engine.voice.base import SynthesisRequest
from app.engine.voice.registry import ProviderConfig
from app.engine.voice.service import BudgetExceeded, SynthesisService
from tests.engine.voice.acoustics import median_f0, spectral_centroid
from tests.engine.voice.conftest import ELEVEN_KEY, GOOGLE_KEY, Sleeps
from tests.fakes.elevenlabs import FakeElevenLabs
from tests.fakes.google_tts import FakeGoogleTTS
from tests.fakes.memory_keyring import MemoryKeyring
from tests.fakes.server import Fault

RACHEL = "21m00Tcm4TlvDq8ikWAM"
SYNTH = "/v1/text-to-speech/"

MakeService = Callable[..., SynthesisService]


def script(tmp_path: Path, characters: str, body: str, extra: str = "") -> Script:
    text = f"---\ntitle: Test\n{extra}characters:\n{characters}---\n# Test\n\n{body}"
    path = tmp_path / "script.md"
    path.write_text(text)
    parsed = parse_text(text, path=str(path), base_dir=tmp_path)
    assert not parsed.has_errors, parsed.diagnostics
    return parsed


CLOUD = (
    f"  NARRATOR: {{ voice: elevenlabs/{RACHEL}, fallback: [google/en-US-Neural2-F, local/joe] }}\n"
)
TWO_LINES = "The client speaks first.\n\nThen the server answers, politely.\n"


def synth_requests(fake: FakeElevenLabs) -> int:
    return len(fake.requests_to(SYNTH))


def test_cloud_lines_are_cached_clips_in_one_format(
    tmp_path: Path,
    eleven: FakeElevenLabs,
    keys: MemoryKeyring,
    make_service: MakeService,
    store: Store,
) -> None:
    result = make_service().synthesize_script(script(tmp_path, CLOUD, TWO_LINES))
    assert result.synthesized == 2 and result.cache_hits == 0 and not result.failed
    assert result.providers_used == {"elevenlabs": 2}
    for spoken in result.lines.values():
        audio, rate = read_wav(spoken.audio_path)
        assert rate == 48_000 and audio.dtype == np.float32 and audio.size == spoken.num_samples
        assert abs(integrated_loudness(audio) + 18) < 1.5
        assert [w.text for w in spoken.words] == spoken.text.split()
    sent = {r.body["text"]: r for r in eleven.requests_to(SYNTH)}
    first = sent["The client speaks first."]
    assert (
        first.query["output_format"] == "mp3_44100_128"
        and first.headers["xi-api-key"] == ELEVEN_KEY
    )
    assert first.body["model_id"] == "eleven_multilingual_v2"
    assert first.body["next_text"] == "Then the server answers, politely."
    # cost: character-cost at $0.30 a thousand, in the ledger
    ledger = store.ledger(result.project_id)
    assert len(ledger) == 2 and {e.provider for e in ledger} == {"elevenlabs"}
    chars = len("The client speaks first.") + len("Then the server answers, politely.")
    assert abs(result.cost_usd - chars * 0.30 / 1000) < 1e-6
    assert abs(store.project_spend(result.project_id) - result.cost_usd) < 1e-6


def test_second_run_is_all_cache_hits_with_no_request(
    tmp_path: Path,
    eleven: FakeElevenLabs,
    google: FakeGoogleTTS,
    keys: MemoryKeyring,
    make_service: MakeService,
    store: Store,
) -> None:
    parsed = script(tmp_path, CLOUD, TWO_LINES)
    first = make_service().synthesize_script(parsed)
    spent = store.project_spend(first.project_id)
    eleven.clear()
    google.clear()
    second = make_service().synthesize_script(parsed)
    assert second.cache_hits == 2 and second.synthesized == 0 and second.cost_usd == 0
    assert eleven.requests == [] and google.requests == []
    assert store.project_spend(first.project_id) == spent
    assert {k: v.audio_path for k, v in second.lines.items()} == {
        k: v.audio_path for k, v in first.lines.items()
    }
    assert all(s.cached for s in second.lines.values())
    # an edited line is the only one synthesized again
    edited = script(tmp_path, CLOUD, TWO_LINES.replace("politely", "at once"))
    third = make_service().synthesize_script(edited)
    assert third.cache_hits == 1 and third.synthesized == 1 and synth_requests(eleven) == 1


def test_retry_then_success(
    tmp_path: Path,
    eleven: FakeElevenLabs,
    keys: MemoryKeyring,
    make_service: MakeService,
    sleeps: Sleeps,
) -> None:
    eleven.inject(
        Fault(
            status=503,
            error={"detail": {"status": "system_busy", "message": "busy"}},
            path_contains=SYNTH,
        ),
        Fault(
            status=500,
            error={"detail": {"status": "internal", "message": "oops"}},
            path_contains=SYNTH,
        ),
        Fault(
            status=408,
            error={"detail": {"status": "timeout", "message": "slow"}},
            path_contains=SYNTH,
        ),
    )
    result = make_service().synthesize_script(script(tmp_path, CLOUD, "Only one line here.\n"))
    spoken = next(iter(result.lines.values()))
    assert spoken.provider == "elevenlabs" and not spoken.failures
    assert synth_requests(eleven) == 4
    first, second, third = sleeps.delays_ms
    assert 5 <= first <= 10 and 10 <= second <= 20 and 20 <= third <= 40  # base 10 ms, doubling


def test_429_retry_after_is_respected(
    tmp_path: Path,
    eleven: FakeElevenLabs,
    keys: MemoryKeyring,
    make_service: MakeService,
    sleeps: Sleeps,
) -> None:
    busy = {"detail": {"status": "too_many_concurrent_requests", "message": "slow down"}}
    eleven.inject(
        Fault(status=429, error=busy, headers={"retry-after-ms": "150"}, path_contains=SYNTH),
        Fault(status=429, error=busy, headers={"retry-after": "2"}, path_contains=SYNTH),
    )
    result = make_service().synthesize_script(script(tmp_path, CLOUD, "Only one line here.\n"))
    assert next(iter(result.lines.values())).provider == "elevenlabs"
    assert sleeps.delays_ms == [150, 2000]  # retry-after-ms, then retry-after in seconds
    assert sleeps.now_ms == 2150  # the fake clock moved on; the test did not wait
    assert len(eleven.requests_to(SYNTH)) == 3


def test_bad_key_is_clear_and_falls_back(
    tmp_path: Path,
    eleven: FakeElevenLabs,
    google: FakeGoogleTTS,
    memory_keyring: MemoryKeyring,
    make_service: MakeService,
) -> None:
    memory_keyring.set_password("castline", "elevenlabs", "sk_wrong_key_000000")
    memory_keyring.set_password("castline", "google", GOOGLE_KEY)
    result = make_service().synthesize_script(script(tmp_path, CLOUD, TWO_LINES))
    assert result.providers_used == {"google": 2} and result.fallbacks == 2
    for spoken in result.lines.values():
        assert any("invalid_api_key" in f and "check the key" in f for f in spoken.failures)
    assert synth_requests(eleven) == 1  # a bad key is not tried again for the next line
    assert len(google.requests_to("text:synthesize")) == 2


def test_quota_exceeded_falls_back_and_is_ledgered(
    tmp_path: Path,
    eleven: FakeElevenLabs,
    google: FakeGoogleTTS,
    keys: MemoryKeyring,
    make_service: MakeService,
    store: Store,
) -> None:
    eleven.character_limit = 10
    result = make_service().synthesize_script(
        script(tmp_path, CLOUD, "This line is far too long for the quota left.\n")
    )
    spoken = next(iter(result.lines.values()))
    assert spoken.provider == "google" and spoken.voice == "en-US-Neural2-F"
    assert any("quota_exceeded" in f for f in spoken.failures)
    ledger = store.ledger(result.project_id)
    assert [e.provider for e in ledger] == ["google"]
    chars = len("This line is far too long for the quota left.")
    assert ledger[0].units == chars and ledger[0].micro_usd == round(
        chars * 16
    )  # $16 a million characters
    audit = store.audit_log(result.project_id)
    assert any("quota_exceeded" in str(a.detail) for a in audit)


def test_voice_not_found_moves_to_next_voice(
    tmp_path: Path, eleven: FakeElevenLabs, keys: MemoryKeyring, make_service: MakeService
) -> None:
    chars = "  NARRATOR: { voice: elevenlabs/NoSuchVoice, fallback: local/joe }\n"
    result = make_service().synthesize_script(script(tmp_path, chars, "Hello there.\n"))
    spoken = next(iter(result.lines.values()))
    assert spoken.provider == "local" and any("voice_not_found" in f for f in spoken.failures)


def test_connection_dropped_mid_body_is_retried(
    tmp_path: Path, eleven: FakeElevenLabs, keys: MemoryKeyring, make_service: MakeService
) -> None:
    eleven.inject(Fault(drop_mid_body=True, path_contains=SYNTH))
    result = make_service().synthesize_script(script(tmp_path, CLOUD, "Only one line here.\n"))
    spoken = next(iter(result.lines.values()))
    assert spoken.provider == "elevenlabs" and synth_requests(eleven) == 2
    audio, _ = read_wav(spoken.audio_path)
    assert float(np.sqrt(np.mean(audio**2))) > 0.01


def _without_free_voice(service: SynthesisService) -> SynthesisService:
    """The same service with no free voice to fall back on (as when the offline voice is
    not installed), so a budget too small for the cloud voices has nothing left."""
    service.providers = {
        name: p
        for name, p in service.providers.items()
        if p.estimate_cost(SynthesisRequest("v", "text", VoiceSettings())) > 0
    }
    return service


def test_budget_refused_before_any_request_when_no_free_voice_is_left(
    tmp_path: Path,
    eleven: FakeElevenLabs,
    google: FakeGoogleTTS,
    keys: MemoryKeyring,
    make_service: MakeService,
    store: Store,
) -> None:
    parsed = script(tmp_path, CLOUD, TWO_LINES)
    service = _without_free_voice(make_service(budget_usd=0.01))
    with pytest.raises(BudgetExceeded, match=r"cost about \$0\.02.*\$0\.00 of its \$0\.01 budget"):
        service.synthesize_script(parsed)
    assert eleven.requests == [] and google.requests == []
    project = store.find_project_by_script(parsed.path or "")
    assert project is not None and store.ledger(project.id) == []


def test_budget_from_front_matter(
    tmp_path: Path, eleven: FakeElevenLabs, keys: MemoryKeyring, make_service: MakeService
) -> None:
    parsed = script(tmp_path, CLOUD, TWO_LINES, extra="budget: 0.001\n")
    with pytest.raises(BudgetExceeded, match="budget: in the front matter"):
        _without_free_voice(make_service()).synthesize_script(parsed)
    assert eleven.requests == []


def test_over_budget_lines_move_on_to_the_free_voice(
    tmp_path: Path,
    eleven: FakeElevenLabs,
    google: FakeGoogleTTS,
    keys: MemoryKeyring,
    make_service: MakeService,
    store: Store,
) -> None:
    # Each line costs about a cent at ElevenLabs: the budget pays for the first only.
    parsed = script(tmp_path, CLOUD, TWO_LINES)
    result = make_service(budget_usd=0.012).synthesize_script(parsed)
    assert [result.lines[n].provider for n in sorted(result.lines)] == ["elevenlabs", "local"]
    assert result.over_budget == 1 and not result.failed
    assert synth_requests(eleven) == 1 and google.requests == []
    project = store.find_project_by_script(parsed.path or "")
    assert project is not None and [e.provider for e in store.ledger(project.id)] == ["elevenlabs"]


def test_a_billed_answer_that_could_not_be_used_is_ledgered(
    tmp_path: Path,
    eleven: FakeElevenLabs,
    keys: MemoryKeyring,
    make_service: MakeService,
    store: Store,
) -> None:
    # A 200 with character-cost whose body is cut: ElevenLabs bills it all the same.
    eleven.inject(Fault(drop_mid_body=True, path_contains=SYNTH))
    parsed = script(tmp_path, CLOUD, "Only one line here.\n")
    result = make_service().synthesize_script(parsed)
    assert next(iter(result.lines.values())).provider == "elevenlabs"
    assert synth_requests(eleven) == 2
    project = store.find_project_by_script(parsed.path or "")
    assert project is not None
    ledger = store.ledger(project.id)
    assert len(ledger) == 2 and all(e.units == len("Only one line here.") for e in ledger)
    assert any("could not be used" in e.description for e in ledger)
    assert store.project_spend(project.id) == pytest.approx(2 * result.cost_usd)


def test_a_billed_failure_counts_against_the_budget_before_the_retry(
    tmp_path: Path,
    eleven: FakeElevenLabs,
    google: FakeGoogleTTS,
    keys: MemoryKeyring,
    make_service: MakeService,
    store: Store,
) -> None:
    # The budget holds one ElevenLabs try of the line; the first try is billed but cut,
    # so a retry would pass the budget: the line moves on to the cheaper Google voice.
    eleven.inject(Fault(drop_mid_body=True, path_contains=SYNTH))
    parsed = script(tmp_path, CLOUD, "Only one line here.\n")
    one_try = 0.3 * len("Only one line here.") / 1000
    result = make_service(budget_usd=one_try * 1.5).synthesize_script(parsed)
    assert next(iter(result.lines.values())).provider == "google"
    assert synth_requests(eleven) == 1
    project = store.find_project_by_script(parsed.path or "")
    assert project is not None
    assert store.project_spend(project.id) <= one_try * 1.5 + 1e-9
    assert [e.provider for e in store.ledger(project.id)] == ["elevenlabs", "google"]


def test_concurrency_follows_the_plan(
    tmp_path: Path, eleven: FakeElevenLabs, keys: MemoryKeyring, make_service: MakeService
) -> None:
    eleven.tier = "free"
    eleven.inject(Fault(delay_s=0.08, path_contains=SYNTH, times=6))
    body = "".join(f"Line number {i} is here.\n\n" for i in range(6))
    result = make_service().synthesize_script(script(tmp_path, CLOUD, body))
    assert result.synthesized == 6
    assert eleven.max_in_flight == 2  # the free plan's limit, reached but never passed


def test_keys_never_appear_in_logs(
    tmp_path: Path,
    eleven: FakeElevenLabs,
    google: FakeGoogleTTS,
    memory_keyring: MemoryKeyring,
    make_service: MakeService,
    caplog: pytest.LogCaptureFixture,
    store: Store,
) -> None:
    bad = "sk_wrong_key_secret_42"
    memory_keyring.set_password("castline", "elevenlabs", bad)
    memory_keyring.set_password("castline", "google", GOOGLE_KEY)
    google.inject(
        Fault(
            status=503, error={"error": {"code": 503, "message": "later", "status": "UNAVAILABLE"}}
        )
    )
    caplog.set_level(logging.DEBUG)
    result = make_service().synthesize_script(script(tmp_path, CLOUD, TWO_LINES))
    assert result.providers_used == {"google": 2}
    assert GOOGLE_KEY in google.requests[0].query.values()  # it was sent...
    everything = caplog.text + str([s.failures for s in result.lines.values()])
    everything += str([a.detail for a in store.audit_log(result.project_id)])
    assert "text:synthesize" in caplog.text  # ...and the request line was logged...
    assert (
        GOOGLE_KEY not in everything and bad not in everything and ELEVEN_KEY not in everything
    )  # ...redacted


def test_three_local_characters_sound_different(tmp_path: Path, make_service: MakeService) -> None:
    chars = "  NARRATOR: { voice: local/joe }\n  ALICE: { voice: local/joe }\n  BOB: { voice: local/joe }\n"
    text = "Every SSH session begins with a handshake between two machines."
    body = f"{text}\n\nALICE: {text}\n\nBOB: {text}\n"
    result = make_service().synthesize_script(script(tmp_path, chars, body), Progress())
    by_speaker = {s.speaker: s for s in result.lines.values()}
    assert len({s.voice for s in by_speaker.values()}) == 3
    measures = {}
    for name, spoken in by_speaker.items():
        audio, rate = read_wav(spoken.audio_path)
        measures[name] = (median_f0(audio, rate), spectral_centroid(audio, rate))
    names = list(measures)
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            f0_ratio = max(measures[a][0], measures[b][0]) / min(measures[a][0], measures[b][0])
            centroid_ratio = max(measures[a][1], measures[b][1]) / min(
                measures[a][1], measures[b][1]
            )
            assert f0_ratio > 1.1 or centroid_ratio > 1.15, (a, b, measures)


def test_no_keys_means_local_voices(
    tmp_path: Path, memory_keyring: MemoryKeyring, make_service: MakeService
) -> None:
    result = make_service().synthesize_script(script(tmp_path, CLOUD, "Offline and free.\n"))
    spoken = next(iter(result.lines.values()))
    assert spoken.provider == "local" and result.cost_usd == 0
    assert any("not configured" in f for f in spoken.failures)


def test_progress_counts_every_line(
    tmp_path: Path, eleven: FakeElevenLabs, keys: MemoryKeyring, make_service: MakeService
) -> None:
    progress = Progress()
    seen: list[int] = []
    progress.subscribe(lambda s: seen.append(s.done))
    make_service().synthesize_script(script(tmp_path, CLOUD, TWO_LINES), progress)
    assert progress.state().done == 2 and progress.state().total == 2 and max(seen) == 2


def test_pcm_output_format(
    tmp_path: Path, eleven: FakeElevenLabs, keys: MemoryKeyring, make_service: MakeService
) -> None:
    service = make_service(
        provider_config=ProviderConfig(
            urls={"elevenlabs": eleven.url}, options={"elevenlabs": {"output_format": "pcm_24000"}}
        )
    )
    result = service.synthesize_script(script(tmp_path, CLOUD, "Raw samples please.\n"))
    spoken = next(iter(result.lines.values()))
    assert spoken.provider == "elevenlabs"
    assert eleven.requests_to(SYNTH)[0].query["output_format"] == "pcm_24000"
    audio, _ = read_wav(spoken.audio_path)
    assert 0.8 < audio.size / 48_000 < 3.0


def test_google_word_timings_land_on_the_words(
    tmp_path: Path, google: FakeGoogleTTS, keys: MemoryKeyring, make_service: MakeService
) -> None:
    from tests.fakes.server import speechlike

    chars = "  NARRATOR: { voice: google/en-US-Neural2-D }\n"
    text = "Agree, verify, then trust the server completely."
    result = make_service().synthesize_script(script(tmp_path, chars, text + "\n"))
    spoken = next(iter(result.lines.values()))
    # the fake's signal has one burst a word; find the true onsets at 24 kHz
    truth = speechlike(text, 24_000, seconds_per_letter=0.055)
    voiced = np.abs(truth) > 1e-4
    onsets = [
        i
        for i in range(1, truth.size)
        if voiced[i] and not voiced[i - 1 : i].any() and not voiced[max(0, i - 200) : i].any()
    ]
    assert len(onsets) == len(text.split())
    base_truth, base_got = onsets[0] * 2, spoken.words[0].start_sample
    frame = 48_000 // 30
    for onset, word in zip(onsets, spoken.words, strict=True):
        assert abs((word.start_sample - base_got) - (onset * 2 - base_truth)) <= frame


def test_elevenlabs_alignment_gives_exact_word_timings(
    tmp_path: Path, eleven: FakeElevenLabs, keys: MemoryKeyring, make_service: MakeService
) -> None:
    from tests.fakes.server import speechlike_with_spans

    text = "Agree, verify, then trust the server completely."
    result = make_service().synthesize_script(script(tmp_path, CLOUD, text + "\n"))
    spoken = next(iter(result.lines.values()))
    assert eleven.requests_to(SYNTH)[0].path.endswith("/with-timestamps")
    _, spans = speechlike_with_spans(text, 44_100)
    frame = 48_000 // 30
    scale = 48_000 / 44_100
    offset = spans[0][0] * scale - spoken.words[0].start_sample  # where the trim cut
    for (start, end), word in zip(spans, spoken.words, strict=True):
        assert abs(word.start_sample - (start * scale - offset)) <= frame / 4
        assert abs(word.end_sample - (end * scale - offset)) <= frame / 4
    assert 0 < spoken.words[0].start_sample < 48_000 * 0.1  # a natural lead-in kept


def test_plain_endpoint_estimates_timings(
    tmp_path: Path, eleven: FakeElevenLabs, keys: MemoryKeyring, make_service: MakeService
) -> None:
    config = ProviderConfig(
        urls={"elevenlabs": eleven.url}, options={"elevenlabs": {"timestamps": False}}
    )
    result = make_service(provider_config=config).synthesize_script(
        script(tmp_path, CLOUD, "Plain audio, no alignment.\n")
    )
    spoken = next(iter(result.lines.values()))
    assert not eleven.requests_to(SYNTH)[0].path.endswith("/with-timestamps")
    assert [w.text for w in spoken.words] == ["Plain", "audio,", "no", "alignment."]
    starts = [w.start_sample for w in spoken.words]
    assert starts == sorted(starts) and spoken.words[-1].end_sample <= spoken.num_samples


def test_voices_chosen_in_the_studio_override_the_front_matter(
    tmp_path: Path,
    eleven: FakeElevenLabs,
    keys: MemoryKeyring,
    make_service: MakeService,
    store: Store,
) -> None:
    parsed = script(
        tmp_path, "  NARRATOR: { voice: local/joe }\n", "Spoken by the studio's choice.\n"
    )
    project = store.create_project("Test", parsed.path)
    store.set_character(
        project.id, "NARRATOR", f"elevenlabs/{RACHEL}", ["local/joe"], {"speed": 1.1}
    )
    result = make_service().synthesize_script(parsed)
    spoken = next(iter(result.lines.values()))
    assert spoken.provider == "elevenlabs" and result.project_id == project.id
    assert eleven.requests_to(SYNTH)[0].body["voice_settings"]["speed"] == 1.1


def test_only_the_same_characters_lines_go_to_the_provider_as_context(
    tmp_path: Path, eleven: FakeElevenLabs, keys: MemoryKeyring, make_service: MakeService
) -> None:
    chars = f"  ALICE: {{ voice: elevenlabs/{RACHEL} }}\n  BOB: {{ voice: local/joe }}\n"
    body = (
        "ALICE: Alice opens the talk.\n\n"
        "BOB: Bob's private aside, voiced locally.\n\n"
        "ALICE: Alice goes on.\n\n"
        "BOB: Bob closes.\n"
    )
    make_service().synthesize_script(script(tmp_path, chars, body))
    sent = sorted(
        (r.body["text"], r.body.get("previous_text"), r.body.get("next_text"))
        for r in eleven.requests_to(SYNTH)
    )
    assert sent == [
        ("Alice goes on.", "Alice opens the talk.", None),
        ("Alice opens the talk.", None, "Alice goes on."),
    ]
