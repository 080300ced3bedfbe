"""The cost ledger (exact integer micro-dollars) and the audit log."""

from __future__ import annotations

import math
from typing import Any

from sqlalchemy import func, select

from app.engine.secrets import redact_data
from app.engine.store.base import StoreBase, bounded, json_dict, usd_to_micros
from app.engine.store.models import AuditLogRow, CostLedgerRow, utcnow
from app.engine.store.records import MICROS_PER_USD, AuditEntry, LedgerEntry


class LedgerMixin(StoreBase):
    """Money spent on providers, and a record of what happened to each project."""

    # --------------------------------------------------------------- cost ledger

    def record_cost(
        self,
        provider: str,
        units: float,
        usd: float,
        *,
        project_id: str | None,
        description: str = "",
    ) -> None:
        """Add a line to the ledger; dollars are kept as exact integer micro-dollars."""
        if not math.isfinite(units):
            raise ValueError(f"units must be a finite number, not {units!r}")
        micros = usd_to_micros(usd)
        bounded(provider, CostLedgerRow.provider, "the provider name")
        with self._write() as session:
            if project_id is not None:
                self._project_row(session, project_id)
            session.add(
                CostLedgerRow(
                    project_id=project_id,
                    provider=provider,
                    units=float(units),
                    micro_usd=micros,
                    description=description,
                    created_at=utcnow(),
                )
            )

    def project_spend_micros(self, project_id: str | None) -> int:
        """Exact spend in micro-dollars for a project (``None``: across the whole ledger)."""
        query = select(func.coalesce(func.sum(CostLedgerRow.micro_usd), 0))
        if project_id is not None:
            query = query.where(CostLedgerRow.project_id == project_id)
        with self._read() as session:
            return int(session.scalar(query) or 0)

    def project_spend(self, project_id: str | None) -> float:
        """Dollars spent on a project (``None``: across the whole ledger)."""
        return self.project_spend_micros(project_id) / MICROS_PER_USD

    def ledger(self, project_id: str | None = None) -> list[LedgerEntry]:
        """Ledger lines, oldest first: one project's, or all of them for ``None``."""
        query = select(CostLedgerRow).order_by(CostLedgerRow.id)
        if project_id is not None:
            query = query.where(CostLedgerRow.project_id == project_id)
        with self._read() as session:
            return [
                LedgerEntry(
                    id=r.id,
                    project_id=r.project_id,
                    provider=r.provider,
                    units=r.units,
                    micro_usd=r.micro_usd,
                    description=r.description,
                    created_at=r.created_at,
                )
                for r in session.scalars(query)
            ]

    # ----------------------------------------------------------------- audit log

    def audit(self, project_id: str | None, action: str, detail: dict[str, Any]) -> None:
        """Record that something happened (a render, an upload, a voice change)."""
        action = action.strip()
        if not action:
            raise ValueError("an audit entry needs an action name")
        bounded(action, AuditLogRow.action, "the audit action")
        # Every audit row passes the one redaction filter: a provider's error text that
        # repeated a key must not keep it in the database.
        detail_dict = redact_data(json_dict(detail, f"audit detail for {action!r}"))
        with self._write() as session:
            if project_id is not None:
                self._project_row(session, project_id)
            session.add(
                AuditLogRow(
                    project_id=project_id, action=action, detail=detail_dict, created_at=utcnow()
                )
            )

    def audit_log(self, project_id: str | None) -> list[AuditEntry]:
        """Audit entries, oldest first: one project's, or all of them for ``None``."""
        query = select(AuditLogRow).order_by(AuditLogRow.id)
        if project_id is not None:
            query = query.where(AuditLogRow.project_id == project_id)
        with self._read() as session:
            return [
                AuditEntry(
                    id=r.id,
                    project_id=r.project_id,
                    action=r.action,
                    detail=dict(r.detail),
                    created_at=r.created_at,
                )
                for r in session.scalars(query)
            ]
