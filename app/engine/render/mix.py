"""The soundtrack: voices, music and key clicks mixed at 48 kHz, music and clicks ducked
under speech, mastered to YouTube's loudness (-14 LUFS integrated, true peak at most -1 dBTP).

Everything is vectorised numpy/scipy on blocks of :data:`BLOCK` samples; positions are
integer samples computed from integer frames, so speech lands exactly where the timeline
puts it. The mix is mono internally (every clip is mono) and duplicated to stereo at the end.

Memory stays flat whatever the length: clips are read one at a time and added into a
scratch file, loudness and true peaks are measured on a first streaming pass, and the
gain and the limiter are applied a block at a time as the encoder reads the soundtrack.
"""

from __future__ import annotations

import logging
import math
import warnings
from collections import OrderedDict
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
from app.engine.audio.loudness import LoudnessMeter
from app.engine.audio.stream import SampleArray, SampleFile, SampleSource, SampleStore
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
LOOKAHEAD_MS = 5
RELEASE_MS = 20
_BLOCK = SAMPLE_RATE // 100  # 10 ms: the duck's step
BLOCK = 10 * SAMPLE_RATE
"""Samples mixed, measured and mastered at a time (a whole number of duck steps)."""


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


def place_voices(timeline: Timeline, bus: SampleStore) -> bool:
    """Add every speech clip into ``bus`` at its frame; True when any made a sound.

    Clips are read from the asset store one at a time, as their turn comes (a clip used
    twice in a row is read once), so no more than one clip is in memory.
    """
    fps = timeline.fps
    placed = False
    last: tuple[str, np.ndarray] | None = None
    for track in timeline.tracks:
        if track.kind != "voice" or not track.enabled:
            continue
        for clip in track.clips:
            src = clip.source
            if not isinstance(src, SpeechSource) or src.audio_path is None:
                continue
            if last is None or last[0] != src.audio_path:
                last = (src.audio_path, _load(src.audio_path))
            audio = last[1]
            start = frames_to_samples(clip.start, fps)
            length = frames_to_samples(clip.end, fps) - start
            offset = max(0, frames_to_samples(clip.source_in, fps))
            piece = audio[offset : offset + length]
            bus.add(start, piece)
            placed = placed or bool(piece.any())
    return placed


def voice_bus(timeline: Timeline, total: int) -> np.ndarray:
    """Every speech clip at its frame, as one mono float32 array of ``total`` samples."""
    bus = SampleArray(np.zeros(total, np.float32))
    place_voices(timeline, bus)
    return bus.data


def speech_levels(voice: SampleSource) -> np.ndarray:
    """RMS of the voice bus per 10 ms step from sample 0, read a block at a time."""
    n = voice.samples
    out = np.zeros(-(-n // _BLOCK), np.float32)
    for start in range(0, n, BLOCK):
        chunk = voice.read(start, start + BLOCK)
        steps = -(-chunk.size // _BLOCK)
        padded = np.zeros(steps * _BLOCK, np.float32)
        padded[: chunk.size] = chunk
        first = start // _BLOCK
        out[first : first + steps] = np.sqrt(
            np.mean(np.square(padded.reshape(steps, _BLOCK)), axis=1)
        )
    return out


class Duck:
    """A sidechain compressor's envelope that follows the voice bus, for any depth.

    Speech is detected per 10 ms step. The gain fades down over ``fade_ms`` ending as the
    first word starts (look-ahead, so no syllable is masked), stays down through short
    gaps between words, and fades back up after the speech stops. Only per-step values are
    kept (360,000 for an hour), so any range of per-sample gains is made on demand.
    """

    def __init__(self, levels: np.ndarray, fade_ms: int = 200) -> None:
        blocks = levels.size
        talking = levels > 10 ** (-50 / 20)
        self.fade = max(1, fade_ms // 10)
        lead, hold = self.fade // 2 + 1, self.fade // 2 + 15
        # active[b] is true when anyone speaks in blocks b - hold .. b + lead.
        window = np.convolve(
            talking.astype(np.float32), np.ones(lead + hold + 1, np.float32), mode="full"
        )
        self.active = window[lead : lead + blocks] > 0.5
        self.centres = np.arange(blocks) * _BLOCK + _BLOCK / 2
        self._smooth: dict[float, np.ndarray] = {}

    @classmethod
    def of(cls, voice: SampleSource | np.ndarray) -> Duck:
        """The duck that follows ``voice`` (a bus or an array)."""
        return cls(speech_levels(SampleArray(voice) if isinstance(voice, np.ndarray) else voice))

    def smooth(self, depth_db: float) -> np.ndarray:
        """The gain per 10 ms step at ``depth_db`` under speech."""
        if depth_db not in self._smooth:
            low = 10 ** (depth_db / 20)
            target = np.where(self.active, low, 1.0).astype(np.float32)
            self._smooth[depth_db] = uniform_filter1d(target, size=self.fade, mode="nearest")
        return self._smooth[depth_db]

    def at(self, samples: np.ndarray, depth_db: float = DUCK_DB) -> np.ndarray:
        """The gain at each of ``samples`` (timeline sample positions), float32."""
        if self.centres.size == 0:
            return np.ones(np.shape(samples), np.float32)
        positions = np.asarray(samples)
        if positions.size == 0:
            return np.ones(0, np.float32)
        lo = max(0, int(positions.min()) // _BLOCK - 1)
        hi = min(self.centres.size, int(positions.max()) // _BLOCK + 2)
        return np.interp(positions, self.centres[lo:hi], self.smooth(depth_db)[lo:hi]).astype(
            np.float32
        )

    def gain(self, start: int, stop: int, depth_db: float = DUCK_DB) -> np.ndarray:
        """Per-sample gain over ``start..stop``."""
        return self.at(np.arange(start, stop), depth_db)


def duck_gain(voice: np.ndarray, depth_db: float = DUCK_DB, fade_ms: int = 200) -> np.ndarray:
    """Per-sample music gain that follows ``voice`` (see :class:`Duck`)."""
    if voice.size == 0:
        return np.ones(0, np.float32)
    return Duck(speech_levels(SampleArray(voice)), fade_ms).gain(0, voice.size, depth_db)


def place_music(timeline: Timeline, bus: SampleStore, duck: Duck) -> bool:
    """Add music clips, looped to their length, at their gain, ducked; True when any sounds.

    Each clip is made a block at a time: an hour of looped music never exists whole.
    """
    fps = timeline.fps
    total = bus.samples
    placed = False
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
            gain = 10 ** (src.gain_db / 20)
            end_of_piece = length if src.loop else max(0, min(length, audio.size - offset))
            for a in range(0, end_of_piece, BLOCK):
                b = min(end_of_piece, a + BLOCK)
                if src.loop:
                    piece = audio[(np.arange(offset + a, offset + b) % audio.size).astype(np.int64)]
                else:
                    piece = audio[offset + a : offset + b]
                piece = piece * gain
                if src.duck:
                    end = min(total, start + b)
                    if end > start + a:
                        piece[: end - start - a] *= duck.gain(start + a, end)
                bus.add(start + a, piece.astype(np.float32))
                placed = placed or bool(piece.any())
    return placed


def music_bus(timeline: Timeline, total: int, voice: np.ndarray) -> np.ndarray:
    """Music clips looped to their length, at their gain, ducked under the voice bus."""
    bus = SampleArray(np.zeros(total, np.float32))
    place_music(timeline, bus, Duck.of(voice))
    return bus.data


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


def place_typing(timeline: Timeline, bus: SampleStore, duck: Duck | None = None) -> None:
    """Add key clicks under every typed terminal and code view whose source asks for them.

    Clicks come at :data:`TYPING_GAIN_DB` (steady typing about 20 dB under speech) and,
    given the voice's ``duck``, ducked by :data:`TYPING_DUCK_DB` while someone speaks (the
    music's envelope, read once per keystroke). Work is done only over each clip's
    typing, so a long video costs what its typing costs.
    """
    fps = timeline.fps
    total = bus.samples
    gain = np.float32(10 ** (TYPING_GAIN_DB / 20))
    tail = click_length("enter")
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
            if duck is not None:
                # The duck moves over 200 ms, a click lasts at most 200 ms: one gain per click.
                levels *= duck.at(np.array([at for at, _ in keys]), TYPING_DUCK_DB)
            bus.add(
                lo, render_clicks([(at - lo, kind) for at, kind in keys], hi - lo, src.seed, levels)
            )


def typing_bus(timeline: Timeline, total: int, voice: np.ndarray | None = None) -> np.ndarray:
    """Key clicks as one array of ``total`` samples, ducked under ``voice`` when given."""
    bus = SampleArray(np.zeros(total, np.float32))
    place_typing(timeline, bus, None if voice is None else Duck.of(voice))
    return bus.data


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
    lookahead_ms: int = LOOKAHEAD_MS,
    release_ms: int = RELEASE_MS,
    *,
    peaks: np.ndarray | None = None,
) -> np.ndarray:
    """A look-ahead brickwall limiter on true peaks: gain falls before a peak, never after it.

    The needed gain per sample is spread with a moving minimum (``2 * release`` wide)
    and then smoothed by a moving average of ``lookahead``: every value the average sees
    is at most the gain the peak needs, so the peak stays under the ceiling. ``peaks``
    (from :func:`sample_true_peaks`) may be given when already known: they scale with gain.
    A sample depends only on the :func:`limiter_reach` samples either side of it.
    """
    ceiling = 10 ** (ceiling_dbtp / 20)
    if peaks is None:
        peaks = sample_true_peaks(mono)
    need = np.minimum(1.0, ceiling / np.maximum(peaks, 1e-9)).astype(np.float32)
    if need.size == 0 or float(need.min()) >= 1.0:
        return mono
    look, release = _limiter_spans(lookahead_ms, release_ms)
    spread = minimum_filter1d(need, size=2 * release + 1, mode="nearest")
    gain = uniform_filter1d(spread, size=look, mode="nearest")
    return (mono * gain).astype(np.float32)


def _limiter_spans(lookahead_ms: int, release_ms: int) -> tuple[int, int]:
    """(look-ahead, release) in samples."""
    look = max(1, lookahead_ms * SAMPLE_RATE // 1000)
    return look, max(look, release_ms * SAMPLE_RATE // 1000)


def limiter_reach(lookahead_ms: int = LOOKAHEAD_MS, release_ms: int = RELEASE_MS) -> int:
    """How many samples either side of a sample the limiter reads to decide its gain."""
    look, release = _limiter_spans(lookahead_ms, release_ms)
    return release + look


class Soundtrack:
    """A mastered soundtrack, made a block at a time whenever it is read.

    The mix and its true peaks sit in ``mix`` and ``peaks`` (files for a render, arrays
    for a short clip); a read applies the gain, the limiter and the final scale to the
    blocks it touches (each block with the limiter's reach of context either side, so a
    block is the same whoever asks for it). The last few blocks are kept, so the encoder's
    small sequential reads cost one block's work per :data:`BLOCK`.
    """

    def __init__(
        self,
        mix: SampleSource,
        peaks: SampleSource | None,
        gain: float = 1.0,
        ceiling_dbtp: float = CEILING_DBTP,
        *,
        owned: tuple[SampleFile, ...] = (),
    ) -> None:
        self.mix = mix
        self.peaks = peaks
        """None: no limiter (silence, or a mix left as it is)."""
        self.gain = np.float32(gain)
        self.ceiling_dbtp = ceiling_dbtp
        self.scale = np.float32(1.0)
        self.loudness_lufs = -math.inf
        self.true_peak_dbtp = -math.inf
        self._owned = owned
        self._blocks: OrderedDict[int, np.ndarray] = OrderedDict()

    @property
    def samples(self) -> int:
        return self.mix.samples

    def with_gain(self, gain: float) -> Soundtrack:
        """The same mix and peaks at another gain (the files stay owned by ``self``)."""
        return Soundtrack(self.mix, self.peaks, gain, self.ceiling_dbtp)

    def _block(self, k: int) -> np.ndarray:
        cached = self._blocks.get(k)
        if cached is not None:
            self._blocks.move_to_end(k)
            return cached
        start = k * BLOCK
        stop = min(self.samples, start + BLOCK)
        if self.peaks is None:
            out = self.mix.read(start, stop) * self.gain
        else:
            reach = limiter_reach()
            lo = max(0, start - reach)
            x = self.mix.read(lo, stop + reach) * self.gain
            p = self.peaks.read(lo, stop + reach) * self.gain
            out = limit(x, self.ceiling_dbtp, peaks=p)[start - lo : stop - lo]
        if self.scale != 1.0:
            out = out * self.scale
        out = out.astype(np.float32)
        self._blocks[k] = out
        while len(self._blocks) > 3:
            self._blocks.popitem(last=False)
        return out

    def read(self, start: int, stop: int) -> np.ndarray:
        """Mastered mono samples ``start..stop`` (clipped to the soundtrack)."""
        start, stop = max(0, start), min(self.samples, stop)
        if stop <= start:
            return np.zeros(0, np.float32)
        first, last = start // BLOCK, (stop - 1) // BLOCK
        parts = [self._block(k) for k in range(first, last + 1)]
        whole = parts[0] if len(parts) == 1 else np.concatenate(parts)
        return whole[start - first * BLOCK : stop - first * BLOCK]

    def measure_loudness(self) -> float:
        """Integrated loudness of the stereo file (both channels carry this), one pass."""
        meter = LoudnessMeter()
        for start in range(0, self.samples, BLOCK):
            meter.add(self.read(start, start + BLOCK))
        return meter.integrated() + STEREO_GAIN_DB

    def measure_true_peak(self) -> float:
        """True peak in dBTP, one pass (every block oversampled with its neighbours' edges)."""
        return _true_peak(self)

    def close(self) -> None:
        """Delete the scratch files this soundtrack made (a render's mix and peaks)."""
        for f in self._owned:
            f.close()
        self._blocks.clear()

    def __enter__(self) -> Soundtrack:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _block_true_peaks(source: SampleSource, start: int, stop: int, pad: int = 64) -> np.ndarray:
    """:func:`sample_true_peaks` of ``start..stop``, with ``pad`` samples of context."""
    lo = max(0, start - pad)
    ext = source.read(lo, stop + pad)
    return sample_true_peaks(ext, chunk=max(1, ext.size), pad=pad)[start - lo : stop - lo]


def _true_peak(source: SampleSource) -> float:
    peak = 0.0
    for start in range(0, source.samples, BLOCK):
        peaks = _block_true_peaks(source, start, start + BLOCK)
        if peaks.size:
            peak = max(peak, float(peaks.max()))
    return 20 * math.log10(peak) if peak > 0 else -math.inf


def master_source(
    mix: SampleSource,
    peaks: SampleStore,
    target_lufs: float = TARGET_LUFS,
    ceiling_dbtp: float = CEILING_DBTP,
    *,
    owned: tuple[SampleFile, ...] = (),
) -> Soundtrack:
    """Bring ``mix`` to ``target_lufs`` (as stereo) with its true peak under ``ceiling_dbtp``.

    A first pass measures the loudness and writes the true peaks into ``peaks``. Limiting
    the peaks lowers the loudness, by more the harder it works, so the gain in front of
    the limiter is found by the secant method on "loudness after limiting" (three or four
    passes, each a read of mix and peaks, reach the target within 0.1 LU). Nothing is kept
    but the gain: the encoder reads the result through :meth:`Soundtrack.read`. Silence
    stays silence.
    """
    meter = LoudnessMeter()
    for start in range(0, mix.samples, BLOCK):
        meter.add(mix.read(start, start + BLOCK))
        # oversampled once: true peaks scale with the gain
        peaks.write(start, _block_true_peaks(mix, start, start + BLOCK))
    level = meter.integrated() + STEREO_GAIN_DB
    if not math.isfinite(level):
        plain = Soundtrack(mix, None, owned=owned)
        plain.loudness_lufs, plain.true_peak_dbtp = level, plain.measure_true_peak()
        return plain
    base = Soundtrack(mix, peaks, 1.0, ceiling_dbtp, owned=owned)

    def attempt(gain_db: float) -> tuple[Soundtrack, float]:
        out = base.with_gain(10 ** (gain_db / 20))
        return out, out.measure_loudness()

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
    return _finished(base, float(out.gain), l_a)


def _finished(base: Soundtrack, gain: float, level: float) -> Soundtrack:
    """``base`` at ``gain`` (measured at ``level``), scaled under the ceiling if AAC-bound
    overshoot got past the limiter; loudness and peak then follow the scale exactly."""
    base.gain = np.float32(gain)
    base._blocks.clear()
    peak = base.measure_true_peak()
    if math.isfinite(peak) and peak > base.ceiling_dbtp + 0.01:
        trim_db = base.ceiling_dbtp - peak - 0.05
        base.scale = np.float32(10 ** (trim_db / 20))
        base._blocks.clear()
        peak, level = peak + trim_db, level + trim_db
    base.loudness_lufs, base.true_peak_dbtp = level, peak
    return base


def master(
    mono: np.ndarray, target_lufs: float = TARGET_LUFS, ceiling_dbtp: float = CEILING_DBTP
) -> Master:
    """:func:`master_source` on a clip in memory."""
    source = SampleArray(mono)
    out = master_source(
        source, SampleArray(np.zeros(source.samples, np.float32)), target_lufs, ceiling_dbtp
    )
    return Master(out.read(0, out.samples), out.loudness_lufs, out.true_peak_dbtp)


def mixed_soundtrack(timeline: Timeline, total_samples: int | None = None) -> Soundtrack:
    """The whole soundtrack of a timeline, mastered for YouTube, in scratch files.

    Clips are added into a temporary file one at a time, measured in one pass and
    mastered as the soundtrack is read: memory stays flat whatever the length. Close the
    result (or use it as a context manager) to delete the files.

    Key clicks are part of the mix the master measures. When there is no speech and no
    music at all, the clicks are left at the level they would have under speech (the
    loudness target is not chased with typing alone).
    """
    total = (
        total_samples
        if total_samples is not None
        else frames_to_samples(timeline.duration, timeline.fps)
    )
    mix, peaks = SampleFile(total), SampleFile(total)
    try:
        audible = place_voices(timeline, mix)
        duck = Duck.of(mix)
        audible = place_music(timeline, mix, duck) or audible
        if any(t.kind == "terminal" and t.enabled and t.clips for t in timeline.tracks):
            place_typing(timeline, mix, duck)
            if not audible:
                # Nothing for the clicks to sit under (voices not synthesized yet, no music):
                # they stay at their level instead of being raised 20 dB into the limiter.
                for start in range(0, total, BLOCK):
                    peaks.write(start, _block_true_peaks(mix, start, start + BLOCK))
                quiet = Soundtrack(mix, peaks, owned=(mix, peaks))
                return _finished(quiet, 1.0, quiet.measure_loudness())
        return master_source(mix, peaks, owned=(mix, peaks))
    except BaseException:
        mix.close()
        peaks.close()
        raise


def mix_timeline(timeline: Timeline, total_samples: int | None = None) -> Master:
    """:func:`mixed_soundtrack` read whole into memory (a preview's soundtrack, a test's)."""
    with mixed_soundtrack(timeline, total_samples) as sound:
        return Master(sound.read(0, sound.samples), sound.loudness_lufs, sound.true_peak_dbtp)
