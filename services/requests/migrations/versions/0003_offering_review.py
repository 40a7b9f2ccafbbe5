"""Offering review: an offering's `status` (PENDING_REVIEW, APPROVED, REJECTED, WITHDRAWN)
replaces `active`, with the last review's note and admin. Offerings that were active are
APPROVED (they went live without review), the others WITHDRAWN.

Revision ID: 0003_offering_review
Revises: 0002_deadline_wakeups
Create Date: 2026-12-02 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_offering_review"
down_revision: str | None = "0002_deadline_wakeups"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATUSES = "status IN ('PENDING_REVIEW','APPROVED','REJECTED','WITHDRAWN')"


def upgrade() -> None:
    op.add_column("offerings", sa.Column("status", sa.Text(), nullable=True))
    op.add_column("offerings", sa.Column("review_note", sa.Text(), nullable=True))
    op.add_column("offerings", sa.Column("reviewed_by", sa.Uuid(), nullable=True))
    op.execute(
        "UPDATE offerings SET status = CASE WHEN active THEN 'APPROVED' ELSE 'WITHDRAWN' END"
    )
    op.alter_column("offerings", "status", nullable=False)
    op.create_check_constraint("offerings_status", "offerings", STATUSES)
    op.create_index("offerings_by_status", "offerings", ["status", "created_at"], unique=False)
    op.drop_column("offerings", "active")


def downgrade() -> None:
    """Only APPROVED offerings come back active: the older version lists and accepts requests
    for every active offering, and one waiting for review or rejected must stay hidden."""
    op.add_column("offerings", sa.Column("active", sa.Boolean(), nullable=True))
    op.execute("UPDATE offerings SET active = status = 'APPROVED'")
    op.alter_column("offerings", "active", nullable=False)
    op.drop_index("offerings_by_status", table_name="offerings")
    op.drop_constraint("offerings_status", "offerings", type_="check")
    op.drop_column("offerings", "reviewed_by")
    op.drop_column("offerings", "review_note")
    op.drop_column("offerings", "status")
