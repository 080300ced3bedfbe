"""The project's one budget, as the visual service spends it.

Voices and visuals share a project's budget: what was spent comes from the cost ledger
(every voice line and visual is recorded there), so a budget set for the project
covers both. Money is reserved before a paid call and settled with what it really cost
afterwards, so parallel calls cannot together pass the budget.
"""

from __future__ import annotations

import threading

EPSILON = 1e-9


class BudgetRefused(Exception):
    """A paid call that would take the project past its budget; nothing was sent."""


class Budget:
    """Dollars allowed, spent and reserved; safe to share between threads."""

    def __init__(self, budget_usd: float = 0.0, spent_usd: float = 0.0) -> None:
        self._lock = threading.Lock()
        self.budget_usd = budget_usd
        self.spent_usd = spent_usd
        self.reserved_usd = 0.0

    def fits(self, planned_usd: float, cost_usd: float) -> bool:
        """True when ``cost_usd`` more, after ``planned_usd`` already planned, stays within budget."""
        return cost_usd <= 0 or self.spent_usd + planned_usd + cost_usd <= self.budget_usd + EPSILON

    def reserve(self, cost_usd: float, name: str) -> float:
        """Hold ``cost_usd`` for a call about to be made; :class:`BudgetRefused` if it does not fit."""
        if cost_usd <= 0:
            return 0.0
        with self._lock:
            if self.spent_usd + self.reserved_usd + cost_usd > self.budget_usd + EPSILON:
                raise BudgetRefused(
                    f"{name}: refused: ${cost_usd:.2f} would pass the budget "
                    f"(${self.spent_usd + self.reserved_usd:.2f} of ${self.budget_usd:.2f} spent or reserved)"
                )
            self.reserved_usd += cost_usd
        return cost_usd

    def settle(self, reserved_usd: float, actual_usd: float) -> None:
        """Release a reservation and count what the call really cost."""
        with self._lock:
            self.reserved_usd -= reserved_usd
            self.spent_usd += actual_usd
