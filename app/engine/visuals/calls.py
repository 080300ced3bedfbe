"""Calling visual providers: retries with backoff, a concurrency limit each, a deadline per
task, a first call that runs alone, and providers taken out for the rest of a run.

Until a provider has answered once, a wrong key or an exhausted quota would fail every
parallel request at once (and be rate-limited as such), so the first call to each
provider holds a gate the others wait on; a provider-wide failure (a refused key) then
marks it dead and nobody else asks it again in this run.
"""

from __future__ import annotations

import logging
import threading

from app.engine.jobs.progress import Progress
from app.engine.net.retry import Deadline, RetryPolicy, wait
from app.engine.visuals.providers import (
    Call,
    PermanentProviderError,
    ProviderSettings,
    TransientProviderError,
    VisualOutput,
    VisualProvider,
    VisualRequest,
)

log = logging.getLogger(__name__)


class ProviderCalls:
    """The calls of one run, across threads."""

    def __init__(self, settings: ProviderSettings, retry: RetryPolicy) -> None:
        self.settings = settings
        self.retry = retry
        self._lock = threading.Lock()
        self._semaphores: dict[str, threading.Semaphore] = {}
        self._gates: dict[str, threading.Lock] = {}
        self._proven: set[str] = set()
        self._dead: dict[str, str] = {}
        self.count = 0
        """Provider calls made (tries included), for the report and the benchmark."""

    def reset(self) -> None:
        with self._lock:
            self._proven.clear()
            self._dead.clear()
            self.count = 0

    def dead(self, name: str) -> str | None:
        """Why ``name`` is out for this run, or None."""
        with self._lock:
            return self._dead.get(name)

    def kill(self, name: str, reason: str) -> None:
        with self._lock:
            self._dead.setdefault(name, reason)

    def _semaphore(self, provider: VisualProvider) -> threading.Semaphore:
        with self._lock:
            sem = self._semaphores.get(provider.name)
            if sem is None:
                sem = self._semaphores[provider.name] = threading.Semaphore(
                    max(1, provider.concurrency())
                )
            return sem

    def call(
        self, provider: VisualProvider, request: VisualRequest, progress: Progress
    ) -> VisualOutput:
        """One provider call, retried with backoff (honouring Retry-After) on transient faults."""
        settings = self.settings
        attempt = 0
        while True:
            progress.check()
            try:
                with self._lock:
                    gate = (
                        None
                        if provider.name in self._proven
                        else self._gates.setdefault(provider.name, threading.Lock())
                    )
                if gate is None:
                    return self._counted(provider, request, progress)
                with gate:
                    reason = self.dead(provider.name)
                    if reason:
                        raise PermanentProviderError(
                            reason, provider=provider.name, scope="provider"
                        )
                    try:
                        return self._counted(provider, request, progress)
                    finally:
                        with self._lock:
                            self._proven.add(provider.name)
            except TransientProviderError as exc:
                attempt += 1
                if attempt >= self.retry.attempts:
                    raise
                delay = self.retry.delay(attempt - 1, exc.retry_after_s)
                log.info("%s: %s; retry %d in %.2f s", provider.name, exc, attempt, delay)
                wait(delay, sleep=settings.sleep, progress=progress)

    def _counted(
        self, provider: VisualProvider, request: VisualRequest, progress: Progress
    ) -> VisualOutput:
        """Make the call once a slot is free; its deadline starts then, not while it queued
        behind other tasks of the same provider (which may each take minutes)."""
        with self._semaphore(provider):
            with self._lock:
                self.count += 1
            settings = self.settings
            call = Call(
                progress,
                Deadline(settings.task_deadline_s, settings.clock),
                settings.sleep,
                settings.clock,
            )
            with progress.working():  # a cancel stops the request in flight, too
                return provider.generate(request, call)
