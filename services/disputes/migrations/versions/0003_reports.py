"""Moderation: members' reports and what disputes knows of offerings (their provider).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "reports",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("reporter_id", sa.Uuid(), nullable=False),
        sa.Column("subject_type", sa.Text(), nullable=False),
        sa.Column("subject_id", sa.Uuid(), nullable=False),
        sa.Column("subject_member_id", sa.Uuid(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("action", sa.Text(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("resolved_by", sa.Uuid(), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.CheckConstraint("subject_type IN ('OFFERING','MEMBER')", name="reports_subject_type"),
        sa.CheckConstraint("status IN ('OPEN','RESOLVED')", name="reports_status"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("reports_reporter", "reports", ["reporter_id", "created_at"])
    op.create_index("reports_queue", "reports", ["status", "created_at"])
    op.create_index("reports_subject", "reports", ["subject_type", "subject_id"])
    op.create_index(
        "reports_one_open",
        "reports",
        ["reporter_id", "subject_type", "subject_id"],
        unique=True,
        postgresql_where=sa.text("status = 'OPEN'"),
    )
    op.create_table(
        "offering_providers",
        sa.Column("offering_id", sa.Uuid(), nullable=False),
        sa.Column("provider_id", sa.Uuid(), nullable=False),
        sa.Column(
            "learned_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("offering_id"),
    )


def downgrade() -> None:
    op.drop_table("offering_providers")
    op.drop_index("reports_one_open", table_name="reports")
    op.drop_index("reports_subject", table_name="reports")
    op.drop_index("reports_queue", table_name="reports")
    op.drop_index("reports_reporter", table_name="reports")
    op.drop_table("reports")
