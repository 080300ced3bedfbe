"""Exponential backoff with jitter that honours a server's Retry-After.

The base delay and the sleep function are injectable so tests run in milliseconds.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently a transient failure is retried."""

    attempts: int = 5
    """Tries in all, the first included."""
    base_delay_s: float = 0.5
    max_delay_s: float = 30.0
    max_retry_after_s: float = 120.0
    """A Retry-After longer than this is capped (a server asking for an hour is a fault)."""
    rng: random.Random = field(default_factory=random.Random, compare=False)

    def delay(self, attempt: int, retry_after_s: float | None = None) -> float:
        """Seconds to wait before try ``attempt + 1`` (``attempt`` counts from 0).

        The server's Retry-After wins when given (never shortened); otherwise "equal
        jitter": half the exponential step fixed, half random, so clients spread out.
        """
        if retry_after_s is not None:
            return min(max(0.0, retry_after_s), self.max_retry_after_s)
        step = min(self.max_delay_s, self.base_delay_s * (2**attempt))
        return step / 2 + self.rng.uniform(0, step / 2)
