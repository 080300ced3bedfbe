"""Integrated loudness (ITU-R BS.1770) measured block by block, for audio too long to hold.

The meter K-weights each block with filter state carried across blocks and keeps only
the energy of every 100 ms step (36,000 numbers for an hour); the gated integral is
taken from those at the end. Fed a whole array in one block or in many, it gives what
pyloudnorm gives on the whole array (same filters, same 400 ms blocks at 75% overlap,
same gates).
"""

from __future__ import annotations

import math

import numpy as np
import pyloudnorm
from scipy.signal import lfilter

from app.engine.model.time import SAMPLE_RATE

__all__ = ["LoudnessMeter"]

_ABSOLUTE_GATE = -70.0
_RELATIVE_GATE = -10.0


class LoudnessMeter:
    """Feed mono blocks in order with :meth:`add`; read :meth:`integrated` at any point."""

    def __init__(self, rate: int = SAMPLE_RATE) -> None:
        self.rate = rate
        self._step = rate // 10  # 100 ms: a gating block is four steps
        # pyloudnorm's own K-weighting stages, starting at rest as its whole-array
        # lfilter does, so both meters agree to the last digit.
        self._stages = [
            (f.b, f.a, f.passband_gain, np.zeros(max(len(f.a), len(f.b)) - 1))
            for f in pyloudnorm.Meter(rate)._filters.values()
        ]
        self._energies: list[float] = []
        self._partial = 0.0
        self._partial_n = 0
        self.samples = 0

    def add(self, block: np.ndarray) -> None:
        """Measure the next ``block`` of mono samples."""
        data = np.asarray(block, dtype=np.float64)
        if data.size == 0:
            return
        for i, (b, a, gain, zi) in enumerate(self._stages):
            data, state = lfilter(b, a, data, zi=zi)
            self._stages[i] = (b, a, gain, state)
            data = data * gain
        self.samples += data.size
        squares = np.square(data)
        pos = 0
        if self._partial_n:
            take = min(self._step - self._partial_n, squares.size)
            self._partial += float(squares[:take].sum())
            self._partial_n += take
            pos = take
            if self._partial_n == self._step:
                self._energies.append(self._partial)
                self._partial, self._partial_n = 0.0, 0
        whole = (squares.size - pos) // self._step
        if whole:
            steps = squares[pos : pos + whole * self._step].reshape(whole, self._step)
            self._energies.extend(steps.sum(axis=1).tolist())
            pos += whole * self._step
        if pos < squares.size:
            self._partial += float(squares[pos:].sum())
            self._partial_n += squares.size - pos

    def integrated(self) -> float:
        """Gated integrated loudness in LUFS of everything added, as one channel
        (``-inf`` for less than one 400 ms block, or silence)."""
        block = 4 * self._step
        if self.samples < block + 1:
            return -math.inf
        steps = np.array(self._energies + ([self._partial] if self._partial_n else []))
        count = int(np.round((self.samples / self.rate - 0.4) / 0.1)) + 1
        padded = np.zeros(count + 3)
        padded[: min(steps.size, count + 3)] = steps[: count + 3]
        z = (
            padded[0:count] + padded[1 : count + 1] + padded[2 : count + 2] + padded[3 : count + 3]
        ) / block
        with np.errstate(divide="ignore"):
            levels = -0.691 + 10.0 * np.log10(z)
        above = levels >= _ABSOLUTE_GATE
        if not above.any():
            return -math.inf
        relative = -0.691 + 10.0 * math.log10(float(z[above].mean())) + _RELATIVE_GATE
        gated = (levels > relative) & (levels > _ABSOLUTE_GATE)
        if not gated.any():
            return -math.inf
        return -0.691 + 10.0 * math.log10(float(z[gated].mean()))
