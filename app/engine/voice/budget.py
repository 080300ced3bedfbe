"""The money side of synthesis: nothing is spent past the project's budget.

A run is checked as a whole before the first request (:meth:`Budget.check`); each
request then reserves its estimate while in flight and settles at its real cost, so
parallel lines can never together overshoot.
"""

from __future__ import annotations

import threading

from app.engine.voice.base import SynthesisRequest, VoiceError, VoiceProvider

SLACK_USD = 1e-9
"""Rounding room when comparing dollar sums."""


class BudgetExceeded(VoiceError):
    """The work would push the project's spend over its budget; nothing was spent."""

    def __init__(
        self, estimate_usd: float, spent_usd: float, budget_usd: float, detail: str = ""
    ) -> None:
        self.estimate_usd = estimate_usd
        self.spent_usd = spent_usd
        self.budget_usd = budget_usd
        message = (
            f"this would cost about ${estimate_usd:.2f}{f' ({detail})' if detail else ''}, and the project has "
            f"already spent ${spent_usd:.2f} of its ${budget_usd:.2f} budget; raise the budget "
            "(synth --budget, or budget: in the front matter) or choose cheaper voices"
        )
        super().__init__(message, code="budget_exceeded")


class Budget:
    """A run's budget, what the project had spent, and what requests in flight hold."""

    def __init__(self, budget_usd: float = 0.0, spent_usd: float = 0.0) -> None:
        self._lock = threading.Lock()
        self.budget_usd = budget_usd
        self.spent_usd = spent_usd
        self.reserved_usd = 0.0

    def reset(self, budget_usd: float, spent_usd: float) -> None:
        with self._lock:
            self.budget_usd = budget_usd
            self.spent_usd = spent_usd
            self.reserved_usd = 0.0

    def check(self, estimate_usd: float, by_provider: dict[str, float]) -> None:
        """Raise :class:`BudgetExceeded` if ``estimate_usd`` more would pass the budget."""
        if estimate_usd > 0 and self.spent_usd + estimate_usd > self.budget_usd + SLACK_USD:
            detail = ", ".join(
                f"{name} ${usd:.2f}" for name, usd in sorted(by_provider.items()) if usd > 0
            )
            raise BudgetExceeded(estimate_usd, self.spent_usd, self.budget_usd, detail)

    def reserve(self, provider: VoiceProvider, request: SynthesisRequest) -> float:
        """Hold the request's estimate (returned) until :meth:`settle`."""
        cost = provider.estimate_cost(request)
        if cost <= 0:
            return 0.0
        with self._lock:
            held = self.spent_usd + self.reserved_usd
            if held + cost > self.budget_usd + SLACK_USD:
                raise BudgetExceeded(cost, held, self.budget_usd, f"{provider.name} line")
            self.reserved_usd += cost
        return cost

    def settle(self, reserved_usd: float, actual_usd: float) -> None:
        """Release a reservation and count what the request really cost."""
        with self._lock:
            self.reserved_usd -= reserved_usd
            self.spent_usd += actual_usd
