"""Who may call a provider now: its concurrency limit, the first-call gate, dead voices.

Until one request to a provider has been answered, a bad key or an exhausted quota would
fail every parallel request at once (and be billed or rate-limited as such), so the first
request goes alone; after its answer the gate is gone. A permanent failure marks the
provider (bad key, quota) or the voice (not found) dead for the rest of the run.
"""

from __future__ import annotations

import threading

from app.engine.model.voice import VoiceRef
from app.engine.voice.base import (
    PermanentVoiceError,
    ProviderAudio,
    SynthesisRequest,
    VoiceProvider,
)


class Gates:
    """Concurrency and failure state of every provider, for one run."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._semaphores: dict[str, threading.Semaphore] = {}
        self._dead_providers: dict[str, str] = {}
        self._dead_voices: dict[str, str] = {}
        self._proven: set[str] = set()
        self._probes: dict[str, threading.Lock] = {}

    def reset(self) -> None:
        """A new run: every provider and voice gets another chance."""
        with self._lock:
            self._dead_providers.clear()
            self._dead_voices.clear()
            self._proven.clear()

    def dead(self, provider: str, ref: VoiceRef | None = None) -> str | None:
        """Why ``provider`` (or the voice ``ref``) cannot be used in this run, if so."""
        with self._lock:
            found = self._dead_providers.get(provider)
            return found or (self._dead_voices.get(str(ref)) if ref is not None else None)

    def mark_dead(self, provider: VoiceProvider, ref: VoiceRef, exc: PermanentVoiceError) -> None:
        with self._lock:
            if exc.scope == "provider":
                self._dead_providers.setdefault(provider.name, str(exc))
            elif exc.scope == "voice":
                self._dead_voices.setdefault(str(ref), str(exc))

    def _semaphore(self, provider: VoiceProvider) -> threading.Semaphore:
        with self._lock:
            sem = self._semaphores.get(provider.name)
        if sem is None:
            limit = max(1, provider.concurrency())  # may ask the provider: outside the lock
            with self._lock:
                sem = self._semaphores.setdefault(provider.name, threading.Semaphore(limit))
        return sem

    def _first_call_gate(self, provider: VoiceProvider) -> threading.Lock | None:
        with self._lock:
            if provider.name in self._proven:
                return None
            return self._probes.setdefault(provider.name, threading.Lock())

    def call(self, provider: VoiceProvider, request: SynthesisRequest) -> ProviderAudio:
        """One request, within the provider's limit and behind its first-call gate."""
        gate = self._first_call_gate(provider)
        if gate is not None:
            with gate:
                with self._lock:
                    dead = self._dead_providers.get(provider.name)
                    first = provider.name not in self._proven
                if dead:
                    raise PermanentVoiceError(dead, provider=provider.name, scope="provider")
                if first:
                    try:
                        with self._semaphore(provider):
                            return provider.synthesize(request)
                    except PermanentVoiceError as exc:
                        ref = VoiceRef(provider=provider.name, voice=request.voice_id)
                        self.mark_dead(provider, ref, exc)
                        raise
                    finally:
                        with self._lock:
                            self._proven.add(provider.name)
        with self._semaphore(provider):
            return provider.synthesize(request)
