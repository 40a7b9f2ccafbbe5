"""Pending disputes: a dispute on a request disputes has not seen yet is accepted as PENDING,
against nobody until the request's first event arrives.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 22:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATUSES = "'OPEN','UNDER_REVIEW','RESOLVED','DISMISSED','REFUSED'"


def upgrade() -> None:
    op.alter_column("disputes", "against", existing_type=sa.Uuid(), nullable=True)
    op.drop_constraint("disputes_status", "disputes", type_="check")
    op.create_check_constraint("disputes_status", "disputes", f"status IN ('PENDING',{STATUSES})")
    op.create_index(
        "disputes_pending",
        "disputes",
        ["request_id", "created_at"],
        postgresql_where=sa.text("status = 'PENDING'"),
    )


def downgrade() -> None:
    """Fails, changing nothing, while a dispute has no `against`: one PENDING, or dismissed
    or refused before it opened."""
    op.drop_index("disputes_pending", table_name="disputes")
    op.drop_constraint("disputes_status", "disputes", type_="check")
    op.create_check_constraint("disputes_status", "disputes", f"status IN ({STATUSES})")
    op.alter_column("disputes", "against", existing_type=sa.Uuid(), nullable=False)
