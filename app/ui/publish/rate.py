"""Upload speed and time left, from the bytes YouTube confirmed over the last few seconds.

A job's own ETA divides by everything since it began, which is wrong for a resumed
upload (half the file was there before the first byte left) and slow to follow a
network that changes speed. This meter looks only at a recent window.
"""

from __future__ import annotations

from collections import deque

WINDOW_S = 8.0


def human_bytes(n: float) -> str:
    """``12.3 MB`` (decimal units, as speed tests and YouTube's own pages count)."""
    for unit in ("B", "kB", "MB", "GB"):
        if abs(n) < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n:.1f} GB"


def clock_left(seconds: float) -> str:
    """``1:05`` or ``1:02:03``."""
    whole = int(seconds + 0.5)
    h, rest = divmod(whole, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


class RateMeter:
    """Bytes per second over the last ``window_s`` seconds of (time, bytes) samples."""

    def __init__(self, window_s: float = WINDOW_S) -> None:
        self.window_s = window_s
        self._samples: deque[tuple[float, int]] = deque()

    def reset(self) -> None:
        self._samples.clear()

    def add(self, at_s: float, done: int) -> None:
        """A progress sample: ``done`` bytes confirmed at ``at_s`` seconds (any clock)."""
        if self._samples and done < self._samples[-1][1]:
            self._samples.clear()  # a new session started over from zero
        self._samples.append((at_s, done))
        while len(self._samples) > 2 and at_s - self._samples[1][0] >= self.window_s:
            self._samples.popleft()

    def speed(self) -> float | None:
        """Bytes per second, or None until two samples some time apart exist."""
        if len(self._samples) < 2:
            return None
        (t0, d0), (t1, d1) = self._samples[0], self._samples[-1]
        return (d1 - d0) / (t1 - t0) if t1 > t0 else None

    def eta_s(self, total: int) -> float | None:
        speed = self.speed()
        if not speed or speed <= 0 or not self._samples:
            return None
        return max(0.0, (total - self._samples[-1][1]) / speed)

    def describe(self, done: int, total: int) -> str:
        """``12.3 MB of 45.6 MB · 2.1 MB/s · 0:15 left``."""
        parts = [f"{human_bytes(done)} of {human_bytes(total)}"]
        speed = self.speed()
        if speed is not None:
            parts.append(f"{human_bytes(speed)}/s")
        eta = self.eta_s(total)
        if eta is not None:
            parts.append(f"{clock_left(eta)} left")
        return " · ".join(parts)
