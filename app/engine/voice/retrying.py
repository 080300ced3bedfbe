"""Retrying a provider's transient failures with backoff (its Retry-After honoured).

Every try is a request that may cost money, so each is checked against the budget
first (what was spent plus what other requests hold), and a try that failed but was
billed anyway is charged: nothing a provider reports charging goes unrecorded.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from app.engine.jobs.progress import Progress
from app.engine.net.retry import RetryPolicy, Sleep, wait
from app.engine.voice.base import (
    ProviderAudio,
    SynthesisRequest,
    TransientVoiceError,
    VoiceError,
    VoiceProvider,
)
from app.engine.voice.budget import Budget
from app.engine.voice.gating import Gates

log = logging.getLogger(__name__)

Charge = Callable[[VoiceError], None]
"""Records a failed try's reported charge in the ledger."""


def call_with_retry(
    gates: Gates,
    provider: VoiceProvider,
    request: SynthesisRequest,
    policy: RetryPolicy,
    sleep: Sleep | None,
    progress: Progress,
    budget: Budget,
    charge: Charge,
) -> ProviderAudio:
    """The provider's answer, after up to ``policy.attempts`` tries of transient failures.

    Raises :class:`~app.engine.voice.budget.BudgetExceeded` before a try the budget
    cannot hold. Waits between tries end at once when the job or the process stops.
    """
    attempt = 0
    while True:
        progress.check()
        reserved = budget.reserve(provider, request)
        try:
            answer = gates.call(provider, request)
        except VoiceError as exc:
            budget.settle(reserved, exc.cost_usd)
            if exc.cost_usd > 0:
                charge(exc)
            if not isinstance(exc, TransientVoiceError):
                raise
            attempt += 1
            if attempt >= policy.attempts:
                raise
            delay = policy.delay(attempt - 1, exc.retry_after_s)
            log.info("%s: %s; retry %d in %.2f s", provider.name, exc, attempt, delay)
            wait(delay, sleep=sleep, progress=progress)
            continue
        except BaseException:
            budget.settle(reserved, 0.0)
            raise
        budget.settle(reserved, answer.cost_usd)
        return answer
