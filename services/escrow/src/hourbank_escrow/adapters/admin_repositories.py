"""What admins did beside the ledger: adjustments waiting for a second admin, and the history
of credit limits (an admin's change moves no hours, so no transaction records it)."""

from collections.abc import Iterable
from datetime import datetime
from uuid import UUID

from sqlalchemy import Row, insert, select
from sqlalchemy.orm import Session

from hourbank_escrow.adapters import tables as t
from hourbank_escrow.domain.approvals import ApprovalStatus, PendingAdjustment
from hourbank_shared.contracts.ledger import CreditLimitChanged
from hourbank_shared.db import save_versioned


class SqlPendingAdjustments:
    def __init__(self, session: Session) -> None:
        self._session = session
        self._loaded: dict[UUID, int] = {}

    def lock(self, adjustment_id: UUID) -> PendingAdjustment | None:
        query = (
            select(t.pending_adjustments)
            .where(t.pending_adjustments.c.id == adjustment_id)
            .with_for_update()
        )
        row = self._session.execute(query).first()
        if row is None:
            return None
        pending = pending_from_row(row)
        self._loaded[pending.id] = pending.version
        return pending

    def save(self, pending: PendingAdjustment) -> None:
        values = {
            "status": pending.status.value,
            "decided_by": pending.decided_by,
            "decided_at": pending.decided_at,
            "rejection_reason": pending.rejection_reason,
            "transaction_id": pending.transaction_id,
            "version": pending.version,
        }
        identity = {
            "id": pending.id,
            "member_id": pending.member_id,
            "amount": pending.amount,
            "reason": pending.reason,
            "requested_by": pending.requested_by,
            "requested_at": pending.requested_at,
        }
        save_versioned(
            self._session, t.pending_adjustments, {"id": pending.id},
            self._loaded.get(pending.id), pending.version, identity, values,
        )  # fmt: skip
        self._loaded[pending.id] = pending.version


class SqlCreditLimitHistory:
    def __init__(self, session: Session) -> None:
        self._session = session

    def append(self, changes: Iterable[CreditLimitChanged], at: datetime) -> None:
        rows = [
            {
                "member_id": change.member_id,
                "previous": change.previous,
                "credit_limit": change.credit_limit,
                "by_admin_id": change.by_admin_id,
                "reason": change.reason or "",
                "changed_at": at,
            }
            for change in changes
        ]
        if rows:
            self._session.execute(insert(t.credit_limit_changes), rows)


def pending_from_row(row: Row[tuple[object, ...]]) -> PendingAdjustment:
    m = row._mapping
    return PendingAdjustment(
        m["member_id"],
        m["amount"],
        m["reason"],
        m["requested_by"],
        m["requested_at"],
        status=ApprovalStatus(m["status"]),
        decided_by=m["decided_by"],
        decided_at=m["decided_at"],
        rejection_reason=m["rejection_reason"],
        transaction_id=m["transaction_id"],
        id=m["id"],
        version=m["version"],
    )
