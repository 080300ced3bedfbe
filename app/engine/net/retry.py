"""Exponential backoff with jitter that honours a server's Retry-After, deadlines, and
waits that wake up when the job is cancelled.

The base delay, the sleep function and the clock are injectable so tests run in
milliseconds (a fake clock makes a ten-minute deadline pass at once).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from app.engine.jobs.progress import Cancelled, Progress, current_job, shutting_down

Sleep = Callable[[float], None]
Clock = Callable[[], float]


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


def wait(seconds: float, *, sleep: Sleep | None = None, progress: Progress | None = None) -> None:
    """Wait ``seconds``: through ``sleep`` when given (tests), else in short real naps that
    end early when ``progress`` (or the thread's job, or the process) is cancelled; then
    raise ``Cancelled`` if it was."""
    job = progress if progress is not None else current_job()
    if sleep is not None:
        sleep(seconds)
    else:
        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0:
            if shutting_down() or (job is not None and job.cancelled):
                break
            time.sleep(min(0.1, left))
    if shutting_down():
        raise Cancelled()
    if job is not None:
        job.check()


class Deadline:
    """A point in time after which a remote task is given up (never wait forever)."""

    def __init__(self, seconds: float, clock: Clock = time.monotonic) -> None:
        self.seconds = seconds
        self._clock = clock
        self._end = clock() + seconds

    def remaining(self) -> float:
        return max(0.0, self._end - self._clock())

    @property
    def expired(self) -> bool:
        return self._clock() >= self._end


class GaveUp(Exception):
    """A request failed as many times in a row as its policy allows."""


class Backoff:
    """Counts consecutive failures of one job and waits before the next try.

    :meth:`succeeded` resets the count, so a long upload that keeps making progress is
    never given up on because of faults spread over hours. When the tries are used up,
    :meth:`give_up` builds the error raised (subclasses raise their own kind).
    """

    def __init__(
        self, what: str, policy: RetryPolicy, sleep: Sleep | None, progress: Progress | None
    ) -> None:
        self.what = what
        self.policy = policy
        self.progress = progress
        self._sleep = sleep
        self.failures = 0
        self.total_failures = 0
        self.delays: list[float] = []

    def succeeded(self) -> None:
        self.failures = 0

    def give_up(self, reason: str) -> Exception:
        return GaveUp(
            f"{self.what} failed {self.failures} times in a row (last: {reason}); try again later"
        )

    def failed(self, reason: str, retry_after: float | None = None) -> None:
        """Wait before the next try, or raise when the tries are used up."""
        self.failures += 1
        self.total_failures += 1
        if self.failures >= self.policy.attempts:
            raise self.give_up(reason)
        delay = self.policy.delay(self.failures - 1, retry_after)
        self.delays.append(delay)
        self.wait(delay)

    def wait(self, seconds: float) -> None:
        wait(seconds, sleep=self._sleep, progress=self.progress)
