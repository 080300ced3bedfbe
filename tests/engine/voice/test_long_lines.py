"""Lines longer than one request: split by the registry's limits, spoken in bounded pieces."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from app.engine.audio import read_wav
from app.engine.script import parse_text
from app.engine.voice.service import SynthesisService
from tests.fakes.google_tts import FakeGoogleTTS
from tests.fakes.memory_keyring import MemoryKeyring

JAPANESE = "今日は良い天気ですね。" * 300
"""3,300 characters, 9,900 UTF-8 bytes: two Google requests at the least."""
PEAK_GROWTH_MB = 400
"""Bound on the local voice's peak memory growth for RUN_ON (measured: about 1,600 MB
before Piper was fed bounded pieces, about 170 MB after)."""
RUN_ON = "the quick brown fox jumps over the lazy dog and " * 31
"""1,488 characters with no full stop: one sentence to Piper."""


def test_a_long_japanese_line_is_split_under_googles_byte_limit(
    tmp_path: Path,
    google: FakeGoogleTTS,
    keys: MemoryKeyring,
    make_service: Callable[..., SynthesisService],
) -> None:
    text = (
        "---\ntitle: Long\ncharacters:\n  NARRATOR: { voice: google/ja-JP-Neural2-B }\n---\n"
        f"# Long\n\n{JAPANESE}\n"
    )
    script = parse_text(text, path=str(tmp_path / "long.md"), base_dir=tmp_path)
    result = make_service().synthesize_script(script)
    assert not result.failed, result.failed
    spoken = next(iter(result.lines.values()))
    assert spoken.provider == "google" and not spoken.failures
    sent = [r.body["input"]["text"] for r in google.requests_to("text:synthesize")]
    assert len(sent) >= 2 and all(len(s.encode("utf-8")) <= 5000 for s in sent)
    assert "".join(sent) == JAPANESE  # every sentence spoken once, in order
    audio, rate = read_wav(spoken.audio_path)
    assert audio.size / rate > 100  # the fake speaks 55 ms a letter


PROBE = """
import json, resource, sys
from app.engine.voice.base import SynthesisRequest
from app.engine.voice.providers.local import LocalProvider
provider = LocalProvider()
provider.synthesize(SynthesisRequest("joe", "Warm up."))  # the model loaded and run once
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
audio = provider.synthesize(SynthesisRequest("joe", sys.argv[1]))
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"growth_mb": (after - before) / 1024, "seconds": audio.samples.size / audio.sample_rate,
                  "words": len(audio.words or [])}))
"""


def test_the_local_voice_speaks_a_run_on_line_in_bounded_memory() -> None:
    """Peak RSS is measured in a process of its own, so no other test's peak hides it."""
    done = subprocess.run(
        [sys.executable, "-c", PROBE, RUN_ON],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[3],
    )
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found["seconds"] > 60  # the whole line was spoken
    assert found["growth_mb"] < PEAK_GROWTH_MB, found
