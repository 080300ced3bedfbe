"""Retrying a provider's transient failures with backoff (its Retry-After honoured)."""

from __future__ import annotations

import logging

from app.engine.jobs.progress import Progress
from app.engine.net.retry import RetryPolicy, Sleep
from app.engine.voice.base import (
    ProviderAudio,
    SynthesisRequest,
    TransientVoiceError,
    VoiceProvider,
)
from app.engine.voice.gating import Gates

log = logging.getLogger(__name__)


def call_with_retry(
    gates: Gates,
    provider: VoiceProvider,
    request: SynthesisRequest,
    policy: RetryPolicy,
    sleep: Sleep,
    progress: Progress,
) -> ProviderAudio:
    """The provider's answer, after up to ``policy.attempts`` tries of transient failures."""
    attempt = 0
    while True:
        progress.check()
        try:
            return gates.call(provider, request)
        except TransientVoiceError as exc:
            attempt += 1
            if attempt >= policy.attempts:
                raise
            delay = policy.delay(attempt - 1, exc.retry_after_s)
            log.info("%s: %s; retry %d in %.2f s", provider.name, exc, attempt, delay)
            sleep(delay)
