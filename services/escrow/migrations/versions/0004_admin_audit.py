"""Admin actions audited: who ordered and who approved each ledger transaction, adjustments
waiting for a second admin, and the history of credit limits.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

HOURS = sa.Numeric(precision=14, scale=2)


def upgrade() -> None:
    op.add_column("transactions", sa.Column("by_admin_id", sa.Uuid(), nullable=True))
    op.add_column("transactions", sa.Column("approved_by_admin_id", sa.Uuid(), nullable=True))
    op.create_table(
        "pending_adjustments",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("seq", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("amount", HOURS, nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("requested_by", sa.Uuid(), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("decided_by", sa.Uuid(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("rejection_reason", sa.Text(), nullable=True),
        sa.Column("transaction_id", sa.Uuid(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint("decided_by IS NULL OR decided_by <> requested_by", name="four_eyes"),
        sa.ForeignKeyConstraint(["transaction_id"], ["transactions.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("seq"),
    )
    op.create_index("pending_adjustments_status", "pending_adjustments", ["status", "seq"])
    op.create_table(
        "credit_limit_changes",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("previous", HOURS, nullable=False),
        sa.Column("credit_limit", HOURS, nullable=False),
        sa.Column("by_admin_id", sa.Uuid(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("credit_limit_changes_member", "credit_limit_changes", ["member_id", "id"])


def downgrade() -> None:
    op.drop_table("credit_limit_changes")
    op.drop_table("pending_adjustments")
    op.drop_column("transactions", "approved_by_admin_id")
    op.drop_column("transactions", "by_admin_id")
