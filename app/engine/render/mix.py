"""The soundtrack: voices, music and key clicks mixed at 48 kHz, music and clicks ducked
under speech, mastered to YouTube's loudness (-14 LUFS integrated, true peak at most -1 dBTP).

Everything is vectorised numpy/scipy on whole arrays or blocks; positions are integer
samples computed from integer frames, so speech lands exactly where the timeline puts it.
The mix is mono internally (every clip is mono) and duplicated to stereo at the end.
"""

from __future__ import annotations

import logging
import math
import warnings
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np
import pyloudnorm
from scipy.ndimage import minimum_filter1d, uniform_filter1d
from scipy.signal import resample_poly

from app.engine.audio import AudioDecodeError, decode_audio, read_wav, resample
from app.engine.audio.clicks import REFERENCE_LUFS, click_length, render_clicks
from app.engine.audio.dsp import TARGET_LUFS as VOICE_LUFS
from app.engine.model.time import SAMPLE_RATE, frames_to_samples, ms_to_samples
from app.engine.timeline import Clip, MusicSource, SpeechSource, TerminalSource, Timeline

log = logging.getLogger(__name__)

TARGET_LUFS = -14.0
CEILING_DBTP = -1.8
"""Peak ceiling before AAC: the encoder's overshoot stays under the -1 dBTP limit."""
DUCK_DB = -12.0
"""How far music drops while someone speaks."""
TYPING_BELOW_SPEECH_DB = 20.0
"""Steady typing sits this far under a voice clip's loudness: heard, never competing."""
TYPING_GAIN_DB = VOICE_LUFS - TYPING_BELOW_SPEECH_DB - REFERENCE_LUFS
"""The fixed gain on the click bus (clicks are rendered at :data:`REFERENCE_LUFS`)."""
TYPING_DUCK_DB = -8.0
"""How far clicks drop further while someone speaks (a synced view types under a line)."""
_BLOCK = SAMPLE_RATE // 100  # 10 ms


class MixError(Exception):
    """An audio file the mix cannot read; the message names it."""


@dataclass(frozen=True)
class Master:
    """The finished soundtrack and what was measured on it."""

    mono: np.ndarray
    """float32, shape (samples,): both stereo channels carry it (every source is mono)."""
    loudness_lufs: float
    """Of the stereo file (two identical channels)."""
    true_peak_dbtp: float

    @property
    def audio(self) -> np.ndarray:
        """The stereo soundtrack, float32 (2, samples); built on demand (it doubles memory)."""
        return np.stack([self.mono, self.mono])


def _load(path: str) -> np.ndarray:
    try:
        if path.lower().endswith(".wav"):
            data, rate = read_wav(path)
        else:
            data, rate = decode_audio(path)
    except AudioDecodeError as exc:
        raise MixError(str(exc)) from exc
    except OSError as exc:
        raise MixError(f"{path}: cannot read audio ({exc})") from exc
    return resample(data, rate, SAMPLE_RATE) if rate != SAMPLE_RATE else data


def _place(
    bus: np.ndarray, clip_audio: np.ndarray, at: int, offset: int, length: int, gain: float = 1.0
) -> None:
    """Add ``clip_audio[offset:offset+length]`` into ``bus`` at sample ``at``."""
    piece = clip_audio[max(0, offset) : max(0, offset) + length]
    end = min(bus.size, at + piece.size)
    if end > at:
        bus[at:end] += piece[: end - at] * gain


def voice_bus(timeline: Timeline, total: int) -> np.ndarray:
    """Every speech clip at its frame, as one mono float32 array of ``total`` samples."""
    fps = timeline.fps
    bus = np.zeros(total, np.float32)
    cache: dict[str, np.ndarray] = {}
    for track in timeline.tracks:
        if track.kind != "voice" or not track.enabled:
            continue
        for clip in track.clips:
            src = clip.source
            if not isinstance(src, SpeechSource) or src.audio_path is None:
                continue
            audio = cache.get(src.audio_path)
            if audio is None:
                audio = _load(src.audio_path)
                cache[src.audio_path] = audio
            start = frames_to_samples(clip.start, fps)
            length = frames_to_samples(clip.end, fps) - start
            _place(bus, audio, start, frames_to_samples(clip.source_in, fps), length)
    return bus


def duck_gain(voice: np.ndarray, depth_db: float = DUCK_DB, fade_ms: int = 200) -> np.ndarray:
    """Per-sample music gain that follows the voice bus (a sidechain compressor's envelope).

    Speech is detected per 10 ms block. The gain fades down over ``fade_ms`` ending as the
    first word starts (look-ahead, so no syllable is masked), stays down through short
    gaps between words, and fades back up after the speech stops.
    """
    n = voice.size
    centres, smooth = _duck_envelope(voice, depth_db, fade_ms)
    if centres.size == 0:
        return np.ones(0, np.float32)
    return np.interp(np.arange(n), centres, smooth).astype(np.float32)


def _duck_envelope(
    voice: np.ndarray, depth_db: float, fade_ms: int
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`duck_gain` per 10 ms block: ``(block centre samples, gain)``."""
    n = voice.size
    blocks = -(-n // _BLOCK)
    if blocks == 0:
        return np.zeros(0), np.zeros(0, np.float32)
    padded = np.zeros(blocks * _BLOCK, np.float32)
    padded[:n] = voice
    level = np.sqrt(np.mean(np.square(padded.reshape(blocks, _BLOCK)), axis=1))
    talking = level > 10 ** (-50 / 20)
    fade = max(1, fade_ms // 10)
    lead, hold = fade // 2 + 1, fade // 2 + 15
    # active[b] is true when anyone speaks in blocks b - hold .. b + lead.
    window = np.convolve(
        talking.astype(np.float32), np.ones(lead + hold + 1, np.float32), mode="full"
    )
    active = window[lead : lead + blocks] > 0.5
    low = 10 ** (depth_db / 20)
    target = np.where(active, low, 1.0).astype(np.float32)
    smooth = uniform_filter1d(target, size=fade, mode="nearest")
    centres = np.arange(blocks) * _BLOCK + _BLOCK / 2
    return centres, smooth


def music_bus(timeline: Timeline, total: int, voice: np.ndarray) -> np.ndarray:
    """Music clips looped to their length, at their gain, ducked under the voice bus."""
    fps = timeline.fps
    bus = np.zeros(total, np.float32)
    for track in timeline.tracks:
        if track.kind != "music" or not track.enabled:
            continue
        for clip in track.clips:
            src = clip.source
            if not isinstance(src, MusicSource) or not Path(src.path).is_file():
                continue
            audio = _load(src.path)
            if audio.size == 0:
                continue
            start = frames_to_samples(clip.start, fps)
            length = frames_to_samples(clip.end, fps) - start
            offset = frames_to_samples(clip.source_in, fps)
            if src.loop:
                idx = (np.arange(offset, offset + length) % audio.size).astype(np.int64)
                piece = audio[idx]
            else:
                piece = audio[offset : offset + length]
            gain = 10 ** (src.gain_db / 20)
            piece = piece * gain
            if src.duck:
                end = min(total, start + piece.size)
                piece[: end - start] *= duck_gain(voice[start:end])
            _place(bus, piece.astype(np.float32), start, 0, piece.size)
    return bus


def keystroke_samples(clip: Clip, source: TerminalSource, fps: Fraction) -> list[tuple[int, str]]:
    """``(timeline sample, kind)`` of each keystroke the clip shows, in order.

    The session is built the way the picture builds it (same beat, theme and seed, and
    retimed to ``play_ms`` under the same condition) but without a painter, so every
    click falls on the frame its character appears. Source frame 0 is the session's
    start; keystrokes before ``source_in`` or past the clip's end are left out.
    """
    from app.engine.model import TerminalBeat
    from app.engine.terminal.beats import code_session, terminal_session
    from app.engine.terminal.themes import ThemeError, load_theme

    beat = source.beat
    theme = None
    for name in (beat.options.theme, source.theme):
        if name:
            try:
                theme = load_theme(name)
                break
            except ThemeError:
                continue
    theme = theme or load_theme(None)
    if isinstance(beat, TerminalBeat):
        session = terminal_session(beat, theme, seed=source.seed)
    else:
        session = code_session(beat, theme, seed=source.seed)
    if source.play_ms > 0 and source.play_ms != session.duration_ms:
        session = session.retimed(source.play_ms)
    start = frames_to_samples(clip.start, fps)
    end = frames_to_samples(clip.end, fps)
    origin = start - frames_to_samples(clip.source_in, fps)
    out: list[tuple[int, str]] = []
    for ms, kind in session.keystrokes():
        at = origin + ms_to_samples(ms)
        if start <= at < end:
            out.append((at, kind))
    return out


def typing_bus(timeline: Timeline, total: int, voice: np.ndarray | None = None) -> np.ndarray:
    """Key clicks under every typed terminal and code view whose source asks for them.

    Clicks come at :data:`TYPING_GAIN_DB` (steady typing about 20 dB under speech) and,
    given the ``voice`` bus, ducked by :data:`TYPING_DUCK_DB` while someone speaks (the
    music's envelope, read once per keystroke). Work is done only over each clip's
    typing, so a long video costs what its typing costs.
    """
    fps = timeline.fps
    bus = np.zeros(total, np.float32)
    gain = np.float32(10 ** (TYPING_GAIN_DB / 20))
    tail = click_length("enter")
    pad = SAMPLE_RATE // 2  # context for the duck's look-ahead and hold
    for track in timeline.tracks:
        if track.kind != "terminal" or not track.enabled:
            continue
        for clip in track.clips:
            src = clip.source
            if not isinstance(src, TerminalSource) or not src.clicks:
                continue
            try:
                keys = keystroke_samples(clip, src, fps)
            except Exception as exc:  # a block the picture cannot type either: no clicks, no crash
                log.warning("line %s: no key clicks (%s)", src.line, exc)
                continue
            if not keys:
                continue
            lo = keys[0][0]
            hi = min(total, keys[-1][0] + tail)
            if hi <= lo:
                continue
            levels = np.full(len(keys), gain, np.float32)
            if voice is not None:
                # The duck moves over 200 ms, a click lasts at most 200 ms: one gain per click.
                a, b = max(0, lo - pad), min(voice.size, hi + pad)
                centres, smooth = _duck_envelope(voice[a:b], TYPING_DUCK_DB, 200)
                if centres.size:
                    levels *= np.interp([at - a for at, _ in keys], centres, smooth).astype(
                        np.float32
                    )
            bus[lo:hi] += render_clicks(
                [(at - lo, kind) for at, kind in keys], hi - lo, src.seed, levels
            )
    return bus


STEREO_GAIN_DB = 10 * math.log10(2)
"""BS.1770 sums the channels' power: a mono mix on both channels is this much louder."""


def loudness(stereo_or_mono: np.ndarray) -> float:
    """Integrated loudness in LUFS (BS.1770) of a (channels, n) array, or of a mono array
    played on one channel (add :data:`STEREO_GAIN_DB` for the same signal on two)."""
    data = np.asarray(stereo_or_mono, dtype=np.float64)
    data = data.T if data.ndim == 2 else data
    if data.shape[0] < int(0.4 * SAMPLE_RATE) + 1:
        return -math.inf
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return float(pyloudnorm.Meter(SAMPLE_RATE).integrated_loudness(data))


def sample_true_peaks(mono: np.ndarray, chunk: int = SAMPLE_RATE * 10, pad: int = 64) -> np.ndarray:
    """Per-sample inter-sample peak (max |x| of 4x oversampling), computed in chunks."""
    out = np.empty(mono.size, np.float32)
    for start in range(0, mono.size, chunk):
        lo, hi = max(0, start - pad), min(mono.size, start + chunk + pad)
        up = resample_poly(mono[lo:hi].astype(np.float64), 4, 1)
        peaks = np.abs(up[: (hi - lo) * 4]).reshape(hi - lo, 4).max(axis=1)
        out[start : min(mono.size, start + chunk)] = peaks[
            start - lo : start - lo + min(chunk, mono.size - start)
        ]
    return out


def true_peak_dbtp(audio: np.ndarray) -> float:
    """True peak in dBTP over every channel of (channels, n) or mono audio."""
    channels = audio if audio.ndim == 2 else audio[None, :]
    peak = max((float(sample_true_peaks(c).max()) if c.size else 0.0) for c in channels)
    return 20 * math.log10(peak) if peak > 0 else -math.inf


def limit(
    mono: np.ndarray,
    ceiling_dbtp: float = CEILING_DBTP,
    lookahead_ms: int = 5,
    release_ms: int = 20,
    *,
    peaks: np.ndarray | None = None,
) -> np.ndarray:
    """A look-ahead brickwall limiter on true peaks: gain falls before a peak, never after it.

    The needed gain per sample is spread with a moving minimum (``2 * lookahead`` wide)
    and then smoothed by a moving average of ``lookahead``: every value the average sees
    is at most the gain the peak needs, so the peak stays under the ceiling. ``peaks``
    (from :func:`sample_true_peaks`) may be given when already known: they scale with gain.
    """
    ceiling = 10 ** (ceiling_dbtp / 20)
    if peaks is None:
        peaks = sample_true_peaks(mono)
    need = np.minimum(1.0, ceiling / np.maximum(peaks, 1e-9)).astype(np.float32)
    if float(need.min()) >= 1.0:
        return mono
    look = max(1, lookahead_ms * SAMPLE_RATE // 1000)
    release = max(look, release_ms * SAMPLE_RATE // 1000)
    spread = minimum_filter1d(need, size=2 * release + 1, mode="nearest")
    gain = uniform_filter1d(spread, size=look, mode="nearest")
    return (mono * gain).astype(np.float32)


def master(
    mono: np.ndarray, target_lufs: float = TARGET_LUFS, ceiling_dbtp: float = CEILING_DBTP
) -> Master:
    """Bring the mix to ``target_lufs`` (as stereo) with its true peak under ``ceiling_dbtp``.

    Limiting the peaks lowers the loudness, by more the harder it works, so the gain in
    front of the limiter is found by the secant method on "loudness after limiting"
    (three or four passes reach the target within 0.1 LU). Silence stays silence.
    """
    source = mono.astype(np.float32)
    level = loudness(source) + STEREO_GAIN_DB
    if not math.isfinite(level):
        return Master(source, level, true_peak_dbtp(source))

    peaks = sample_true_peaks(source)  # oversampled once: true peaks scale with the gain

    def attempt(gain_db: float) -> tuple[np.ndarray, float]:
        gain = np.float32(10 ** (gain_db / 20))
        out = limit(source * gain, ceiling_dbtp, peaks=peaks * gain)
        return out, loudness(out) + STEREO_GAIN_DB

    g_a = target_lufs - level
    out, l_a = attempt(g_a)
    g_b = g_a + (target_lufs - l_a)
    for _ in range(3):
        if abs(l_a - target_lufs) < 0.1:
            break
        out_b, l_b = attempt(g_b)
        slope = (l_b - l_a) / (g_b - g_a) if g_b != g_a else 1.0
        g_next = g_b + (target_lufs - l_b) / max(slope, 0.05)
        g_a, l_a, out = g_b, l_b, out_b
        g_b = min(g_next, g_a + 12.0)
    peak = true_peak_dbtp(out)
    if math.isfinite(peak) and peak > ceiling_dbtp + 0.01:
        out = out * np.float32(10 ** ((ceiling_dbtp - peak - 0.05) / 20))
        peak = true_peak_dbtp(out)
    out = out.astype(np.float32)
    return Master(out, loudness(out) + STEREO_GAIN_DB, peak)


def mix_timeline(timeline: Timeline, total_samples: int | None = None) -> Master:
    """The whole soundtrack of a timeline, mastered for YouTube.

    Key clicks are part of the mix the master measures. When there is no speech and no
    music at all, the clicks are left at the level they would have under speech (the
    loudness target is not chased with typing alone).
    """
    total = (
        total_samples
        if total_samples is not None
        else frames_to_samples(timeline.duration, timeline.fps)
    )
    voice = voice_bus(timeline, total)
    music = music_bus(timeline, total, voice)
    mix = voice + music
    if any(t.kind == "terminal" and t.enabled and t.clips for t in timeline.tracks):
        typing = typing_bus(timeline, total, voice)
        if not mix.any():
            # Nothing for the clicks to sit under (voices not synthesized yet, no music):
            # they stay at their level instead of being raised 20 dB into the limiter.
            quiet = limit(typing)
            return Master(quiet, loudness(quiet) + STEREO_GAIN_DB, true_peak_dbtp(quiet))
        mix += typing
    return master(mix)
