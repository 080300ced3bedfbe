"""Mono float32 samples read and written a block at a time.

An hour of 48 kHz audio is 690 MB as float32: a soundtrack that long is built in a
temporary file (:class:`SampleFile`) and read back in blocks, so the memory a render
needs does not grow with the video's length. :class:`SampleArray` gives a short clip
already in memory the same interface, so the same code mixes and masters both.
"""

from __future__ import annotations

import tempfile
from typing import Protocol

import numpy as np

__all__ = ["SampleArray", "SampleFile", "SampleSource", "SampleStore"]

_ITEM = np.dtype(np.float32).itemsize


class SampleSource(Protocol):
    """Samples that can be read in ranges (a finished soundtrack the encoder pulls from)."""

    @property
    def samples(self) -> int:
        """How many samples there are."""
        ...

    def read(self, start: int, stop: int) -> np.ndarray:
        """float32 samples ``start..stop``, clipped to ``0..samples``."""
        ...


class SampleStore(SampleSource, Protocol):
    """A bus that clips are added into, a range at a time."""

    def add(self, at: int, piece: np.ndarray) -> None:
        """Add ``piece`` into the samples from ``at`` (what falls outside is dropped)."""
        ...

    def write(self, at: int, piece: np.ndarray) -> None:
        """Replace the samples from ``at`` with ``piece`` (what falls outside is dropped)."""
        ...


def _clip(at: int, piece: np.ndarray, total: int) -> tuple[int, np.ndarray]:
    """The part of ``piece`` placed at ``at`` that lies inside ``0..total``."""
    lo, hi = max(0, at), min(total, at + piece.size)
    if hi <= lo:
        return lo, piece[:0]
    return lo, piece[lo - at : hi - at]


class SampleArray:
    """A :class:`SampleStore` over an array in memory (a clip, a test's signal)."""

    def __init__(self, data: np.ndarray) -> None:
        self.data = np.ascontiguousarray(data, dtype=np.float32)

    @property
    def samples(self) -> int:
        return int(self.data.size)

    def read(self, start: int, stop: int) -> np.ndarray:
        return self.data[max(0, start) : max(0, min(self.data.size, stop))]

    def add(self, at: int, piece: np.ndarray) -> None:
        lo, part = _clip(at, piece, self.data.size)
        self.data[lo : lo + part.size] += part

    def write(self, at: int, piece: np.ndarray) -> None:
        lo, part = _clip(at, piece, self.data.size)
        self.data[lo : lo + part.size] = part


class SampleFile:
    """A :class:`SampleStore` of ``samples`` zeros in an anonymous temporary file.

    The file has no name (the system deletes it when closed or when the process dies),
    and reads go through ``readinto``, so the samples sit in the page cache, not in this
    process's memory.
    """

    def __init__(self, samples: int) -> None:
        self._samples = max(0, samples)
        # Owned for the object's life and closed by close(): no with-block can span it.
        self._file = tempfile.TemporaryFile(prefix="castline-audio-")  # noqa: SIM115
        self._file.truncate(self._samples * _ITEM)  # sparse: reads as zeros

    @property
    def samples(self) -> int:
        return self._samples

    def read(self, start: int, stop: int) -> np.ndarray:
        start, stop = max(0, start), max(0, min(self._samples, stop))
        out = np.empty(max(0, stop - start), np.float32)
        if out.size:
            self._file.seek(start * _ITEM)
            got = self._file.readinto(out.data.cast("B"))
            if got != out.nbytes:
                raise OSError(f"short read from the audio scratch file ({got} of {out.nbytes})")
        return out

    def write(self, at: int, piece: np.ndarray) -> None:
        lo, part = _clip(at, np.asarray(piece, np.float32), self._samples)
        if part.size:
            self._file.seek(lo * _ITEM)
            self._file.write(np.ascontiguousarray(part).tobytes())

    def add(self, at: int, piece: np.ndarray) -> None:
        lo, part = _clip(at, np.asarray(piece, np.float32), self._samples)
        if part.size:
            self.write(lo, self.read(lo, lo + part.size) + part)

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> SampleFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
