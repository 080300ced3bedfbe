"""Word timings for unaligned voices, borrowed from a reference rendition of the same text.

Providers such as Google TTS v1 send audio but no word timings. The local Piper voice is
fast and knows its own word timings exactly, so it speaks the same text as a reference;
both signals become per-utterance normalised MFCC frames (10 ms hop), dynamic time
warping lines the frames up, and Piper's word boundaries are carried through the warping
path into the other audio. Spectral shape says *which sound* is playing, so this holds
where energy alone cannot tell one word from the next (no pause between them).
When the reference cannot be made, or the two signals do not look like the same words
(the path is far from diagonal or the frames match poorly), callers fall back to
:func:`app.engine.voice.timing.estimate_word_timings`.
"""

from __future__ import annotations

import logging
import threading

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from scipy.fft import dct

from app.engine.audio.dsp import to_mono
from app.engine.voice.base import VoiceError, WordTiming

log = logging.getLogger(__name__)

HOP_MS = 10
WINDOW_MS = 25
N_MELS = 40
N_MFCC = 20
FMIN_HZ = 60.0
FMAX_HZ = 7600.0
MAX_MEAN_COST = 1.0
"""Mean frame distance (per coefficient, after normalisation) above which the two signals
are taken not to say the same thing: Piper's other profiles align at about 0.6 once the
bands are warped, a synthetic beep track at about 1.3."""
WARPS = (0.8, 0.85, 0.9, 0.95, 1.0, 1.05, 1.1, 1.17, 1.25)
"""Formant scalings tried (a deeper or higher voice than the reference)."""
COARSE = 3
"""The warp is chosen on every COARSE-th frame, which makes the search COARSE**2 cheaper."""
MAX_OFF_DIAGONAL = 0.75
"""Largest share of horizontal or vertical steps in a path that is still an alignment."""
MAX_CELLS = 16_000_000
"""Largest frame grid aligned (4000 x 4000 frames, 40 s against 40 s: 16 MB of steps, the
distances made a row at a time); longer pieces fall back to the energy estimate, and the
reference voice is not even asked to speak them."""
REFERENCE_VOICE = "joe"

_reference_lock = threading.Lock()
_reference_provider: object | None = None


def _hop(rate: int) -> int:
    """Samples between frames (a whole number, so frame positions never drift)."""
    return max(1, rate * HOP_MS // 1000)


def _mel_filters(rate: int, n_fft: int, warp: float = 1.0) -> np.ndarray:
    """Triangular mel filters (N_MELS x n_fft//2+1), every edge scaled by ``warp``.

    Scaling the bands follows a voice whose formants sit higher or lower (a shorter or
    longer vocal tract), so its vowels land in the same bands as the reference's.
    """
    top = min(FMAX_HZ * warp, rate / 2 - 1) / warp

    def mel(hz: np.ndarray) -> np.ndarray:
        return 2595.0 * np.log10(1.0 + hz / 700.0)

    def hz(m: np.ndarray) -> np.ndarray:
        return 700.0 * (10 ** (m / 2595.0) - 1.0)

    edges = hz(np.linspace(mel(np.array(FMIN_HZ)), mel(np.array(top)), N_MELS + 2)) * warp
    bins = np.fft.rfftfreq(n_fft, 1.0 / rate)
    lower, centre, upper = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    rising = (bins[None, :] - lower) / (centre - lower)
    falling = (upper - bins[None, :]) / (upper - centre)
    return np.maximum(0.0, np.minimum(rising, falling))


def features(audio: np.ndarray, rate: int, warp: float = 1.0) -> np.ndarray:
    """MFCC frames (frames x N_MFCC), one every HOP_MS, frame i centred on sample i*hop.

    Each coefficient is normalised to zero mean and unit variance over the utterance, so
    a different pitch, loudness or microphone moves the frames less than a different sound.
    """
    hop = _hop(rate)
    window = max(16, rate * WINDOW_MS // 1000)
    n_fft = 1 << (window - 1).bit_length()
    signal = np.asarray(audio, dtype=np.float64).ravel()
    frames_n = max(1, -(-signal.size // hop))
    padded = np.pad(signal, (window // 2, window + frames_n * hop))
    frames = sliding_window_view(padded, window)[::hop][:frames_n]
    spectrum = np.abs(np.fft.rfft(frames * np.hanning(window), n=n_fft, axis=1)) ** 2
    mel = np.log(spectrum @ _mel_filters(rate, n_fft, warp).T + 1e-8)
    cepstra = dct(mel, type=2, norm="ortho", axis=1)[:, :N_MFCC]
    mean = cepstra.mean(axis=0)
    std = cepstra.std(axis=0)
    return np.asarray((cepstra - mean) / np.where(std > 1e-9, std, 1.0), dtype=np.float32)


def dtw_path(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, float, float]:
    """Warping path between frame sequences ``a`` and ``b`` (pairs of indices).

    Returns the path (k x 2), the mean frame distance along it, and its share of
    non-diagonal steps. Each row is solved at once: the horizontal step is a running
    minimum over the row's cumulative costs, so a 20 s line takes a fraction of a second.
    """
    n, m = len(a), len(b)
    a64, b64 = a.astype(np.float64), b.astype(np.float64)
    b_sq = (b64**2).sum(axis=1)
    norm = np.sqrt(a.shape[1])

    def distances(i: int) -> np.ndarray:
        """Row ``i`` of the frame distances, made when needed: only the steps are kept
        for every cell (one byte each), so memory stays at MAX_CELLS bytes."""
        sq = float(a64[i] @ a64[i]) + b_sq - 2.0 * (b64 @ a64[i])
        return np.asarray(np.sqrt(np.maximum(sq, 0.0)) / norm)

    step = np.zeros((n, m), dtype=np.int8)  # 0 diagonal, 1 from the row above, 2 from the left
    previous = np.cumsum(distances(0))
    step[0, 1:] = 2
    for i in range(1, n):
        row = distances(i)
        diagonal = np.concatenate(([np.inf], previous[:-1]))
        from_above = previous
        best = np.minimum(diagonal, from_above)
        arrive = row + best  # cost if the cell is entered from the row above
        cumulative = np.cumsum(row)
        offset = arrive - cumulative
        running = np.minimum.accumulate(offset)
        current = cumulative + running
        step[i] = np.where(offset > running, 2, np.where(from_above < diagonal, 1, 0))
        previous = current
    total = float(previous[-1])
    i, j = n - 1, m - 1
    path = [(i, j)]
    while i > 0 or j > 0:
        move = step[i, j]
        if move == 0:
            i, j = i - 1, j - 1
        elif move == 1:
            i -= 1
        else:
            j -= 1
        path.append((i, j))
    pairs = np.array(path[::-1], dtype=np.int64)
    moves = np.diff(pairs, axis=0)
    off_diagonal = float(np.mean(moves.sum(axis=1) == 1)) if moves.size else 1.0
    return pairs, total / len(pairs), off_diagonal


def map_through(reference_frames: np.ndarray, path: np.ndarray) -> np.ndarray:
    """Where (fractional) reference frames fall in the other signal, along ``path``."""
    n = int(path[:, 0].max()) + 1
    sums = np.bincount(path[:, 0], weights=path[:, 1], minlength=n)
    counts = np.bincount(path[:, 0], minlength=n)
    centres = sums / np.maximum(counts, 1)
    return np.asarray(np.interp(reference_frames, np.arange(n), centres))


def align_to_reference(
    audio: np.ndarray,
    rate: int,
    reference: np.ndarray,
    reference_rate: int,
    reference_words: list[WordTiming],
) -> list[WordTiming] | None:
    """Carry ``reference_words`` (exact, in ``reference``) onto ``audio``; None if they do not match."""
    if not reference_words or audio.size == 0 or reference.size == 0:
        return None
    theirs = features(reference, reference_rate)
    if len(theirs) * -(-audio.size // _hop(rate)) > MAX_CELLS:
        return None
    candidates = [features(audio, rate, warp) for warp in WARPS]
    ours = min(candidates, key=lambda f: dtw_path(theirs[::COARSE], f[::COARSE])[1])
    path, mean_cost, off_diagonal = dtw_path(theirs, ours)
    if mean_cost > MAX_MEAN_COST or off_diagonal > MAX_OFF_DIAGONAL:
        log.info(
            "reference alignment rejected (cost %.2f, off-diagonal %.2f)", mean_cost, off_diagonal
        )
        return None
    ref_hop, hop = _hop(reference_rate), _hop(rate)  # frame i sits at sample i * hop exactly
    edges = (
        np.array([[w.start_sample, w.end_sample] for w in reference_words], dtype=np.float64)
        / ref_hop
    )
    mapped = np.rint(map_through(edges.ravel(), path) * hop).astype(np.int64).reshape(-1, 2)
    timings: list[WordTiming] = []
    previous_end = 0
    for word, (start, end) in zip(reference_words, mapped, strict=True):
        s = int(min(max(start, previous_end), audio.size))
        e = int(min(max(end, s + 1), audio.size))
        timings.append(WordTiming(word.text, s, e))
        previous_end = e
    return timings


def _reference(text: str) -> tuple[np.ndarray, int, list[WordTiming]] | None:
    """The local voice (plain profile) speaking ``text``, with its exact word timings."""
    global _reference_provider
    from app.engine.voice.base import SynthesisRequest
    from app.engine.voice.providers.local import LocalProvider

    with _reference_lock:
        if _reference_provider is None:
            _reference_provider = LocalProvider()
        provider = _reference_provider
    assert isinstance(provider, LocalProvider)
    try:
        raw = provider.synthesize(SynthesisRequest(REFERENCE_VOICE, text))
    except (VoiceError, OSError, RuntimeError, ValueError) as exc:
        log.info("no reference rendition for word timings: %s", exc)
        return None
    if raw.words is None or [w.text for w in raw.words] != text.split():
        return None
    return raw.samples, raw.sample_rate, raw.words


def reference_word_timings(audio: np.ndarray, rate: int, text: str) -> list[WordTiming] | None:
    """Word timings for ``audio`` (samples at ``rate``) by aligning it with the local voice.

    None when the local voice is missing, gives no exact timings, or the alignment looks
    wrong; the caller then estimates from the audio's energy alone.
    """
    if not text.split():
        return None
    audio = to_mono(np.asarray(audio))
    frames = -(-audio.size // _hop(rate))
    if frames * frames > MAX_CELLS:  # the reference would be about as long: too big to align
        return None
    reference = _reference(" ".join(text.split()))
    if reference is None:
        return None
    return align_to_reference(audio, rate, *reference)
