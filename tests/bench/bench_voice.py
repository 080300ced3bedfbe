"""Voice figures: the local voice's real-time factor, a script re-run from the cache, and
how well word timings are estimated for voices that send none.

Baselines measured in the same run: bare Piper (no profile, resampling, levelling or
timing) for the real-time factor, the first, uncached synthesis of the same script
for the cache-hit re-run, and the energy-only estimate for the reference alignment.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import numpy as np

from tests.bench.common import Figure

SENTENCES = [
    "Every SSH session begins with a handshake.",
    "The client and the server trade version strings, then agree on a key exchange.",
    "Nobody listening on the wire can rebuild the shared secret they derive.",
]
ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "resources" / "examples" / "how-ssh-works" / "script.md"
CORPUS_SCRIPT = ROOT.parent / "shared" / "corpus" / "ssh-handshake.md"


def run() -> list[Figure]:
    with tempfile.TemporaryDirectory(prefix="castline-bench-voice-") as tmp:
        for name in ("DATA", "CACHE", "CONFIG"):
            os.environ[f"CASTLINE_{name}_DIR"] = str(Path(tmp) / name.lower())
        return _measure(Path(tmp))


def _measure(tmp: Path) -> list[Figure]:
    from piper import PiperVoice

    from app.engine.script import parse_file
    from app.engine.store import Store
    from app.engine.voice.base import SynthesisRequest
    from app.engine.voice.clip import finish_clip
    from app.engine.voice.providers.local import LocalProvider
    from app.engine.voice.service import SynthesisOptions, SynthesisService

    provider = LocalProvider()
    provider.synthesize(SynthesisRequest("joe", "Warm up."))  # loads the model once
    bare = PiperVoice.load(provider._model_paths()["joe"])
    list(bare.synthesize("Warm up."))

    bare_seconds = bare_audio = 0.0
    ours_seconds = ours_audio = 0.0
    for text in SENTENCES:
        t0 = time.perf_counter()
        chunks = list(bare.synthesize(text))
        bare_seconds += time.perf_counter() - t0
        bare_audio += sum(c.audio_float_array.size for c in chunks) / bare.config.sample_rate
        t0 = time.perf_counter()
        clip = finish_clip(provider.synthesize(SynthesisRequest("joe:deep", text)), text)
        ours_seconds += time.perf_counter() - t0
        ours_audio += clip.num_samples / 48_000

    aligned, energy, align_s, align_audio = _timing_errors(provider)

    script_path = SCRIPT if SCRIPT.is_file() else CORPUS_SCRIPT
    script = parse_file(script_path)
    store = Store.open(f"sqlite:///{tmp / 'bench.db'}", assets_dir=tmp / "assets")
    try:
        t0 = time.perf_counter()
        with SynthesisService(store, SynthesisOptions()) as service:
            cold = service.synthesize_script(script)
        cold_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        with SynthesisService(store, SynthesisOptions()) as service:
            warm = service.synthesize_script(script)
        warm_s = time.perf_counter() - t0
    finally:
        store.close()
    assert warm.cache_hits == len(warm.lines) and warm.synthesized == 0
    lines = len(cold.lines)
    spoken_s = sum(s.num_samples for s in cold.lines.values()) / 48_000
    return [
        Figure(
            "local voice real-time factor (joe:deep, full pipeline)",
            ours_seconds / ours_audio,
            "s/s",
            baseline=bare_seconds / bare_audio,
            baseline_label="bare Piper",
            goal="< 0.5 on 2 cores",
        ),
        Figure(
            f"synth {script_path.name}: {lines} lines, {spoken_s:.0f} s of speech, first run",
            cold_s,
            "s",
        ),
        Figure(
            f"synth {script_path.name}: re-run, all {warm.cache_hits} cache hits",
            warm_s,
            "s",
            baseline=cold_s,
            baseline_label="first run",
            goal="< 0.5 s",
        ),
        Figure(
            "unaligned voice word starts: median error (joe:deep/bright vs exact)",
            float(np.median(aligned)),
            "ms",
            baseline=float(np.median(energy)),
            baseline_label="energy-only estimate",
            goal="<= 20 ms",
        ),
        Figure(
            "unaligned voice word starts within one frame (33 ms)",
            100.0 * float(np.mean(aligned <= 1000 / 30)),
            "%",
            baseline=100.0 * float(np.mean(energy <= 1000 / 30)),
            baseline_label="energy-only estimate",
            goal=">= 90 %",
        ),
        Figure(
            "reference alignment cost (Piper reference + DTW) per second of audio",
            align_s / align_audio,
            "s/s",
        ),
    ]


def _timing_errors(provider: object) -> tuple[np.ndarray, np.ndarray, float, float]:
    """Word-start errors (ms) of the reference alignment and of the energy-only estimate.

    Piper's deep and bright profiles stand in for a cloud voice: another pitch, timbre
    and rate, with exact timings of their own to measure against.
    """
    from app.engine.voice.align import reference_word_timings
    from app.engine.voice.base import SynthesisRequest
    from app.engine.voice.providers.local import LocalProvider
    from app.engine.voice.timing import estimate_word_timings

    assert isinstance(provider, LocalProvider)
    aligned: list[float] = []
    energy: list[float] = []
    seconds = audio_s = 0.0
    for profile in ("deep", "bright"):
        for text in SENTENCES:
            raw = provider.synthesize(SynthesisRequest(f"joe:{profile}", text))
            if raw.words is None:
                continue
            truth = np.array([w.start_sample for w in raw.words])
            t0 = time.perf_counter()
            got = reference_word_timings(raw.samples, raw.sample_rate, text)
            seconds += time.perf_counter() - t0
            audio_s += raw.samples.size / raw.sample_rate
            old = estimate_word_timings(raw.samples, raw.sample_rate, text.split())
            starts = (
                np.array([w.start_sample for w in got])
                if got is not None
                else np.array([w.start_sample for w in old])
            )
            aligned += list(np.abs(starts - truth) * 1000 / raw.sample_rate)
            energy += list(
                np.abs(np.array([w.start_sample for w in old]) - truth) * 1000 / raw.sample_rate
            )
    return np.array(aligned), np.array(energy), seconds, audio_s
