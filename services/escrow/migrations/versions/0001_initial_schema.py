"""Initial schema: accounts (with the two system accounts), ledger, holds, inbox, outbox.

Revision ID: 0001
Revises:
Create Date: 2026-11-22 00:56:39.613042
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("ref", sa.Text(), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=True),
        sa.Column("total", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("escrowed", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("credit_limit", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("escrowed >= 0 AND credit_limit >= 0", name="accounts_non_negative"),
        sa.CheckConstraint(
            "member_id IS NULL OR ref = member_id::text", name="accounts_ref_is_member"
        ),
        sa.PrimaryKeyConstraint("ref"),
        sa.UniqueConstraint("member_id"),
    )
    # The system accounts exist from the start; member accounts are opened by the service.
    op.execute(
        "INSERT INTO accounts (ref, total, escrowed, credit_limit, status, version) VALUES "
        "('community-fund', 0, 0, 0, 'ACTIVE', 0), ('escrow', 0, 0, 0, 'ACTIVE', 0)"
    )
    op.create_table(
        "holds",
        sa.Column("request_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("requester_id", sa.Uuid(), nullable=False),
        sa.Column("provider_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.Text(), nullable=True),
        sa.Column("amount", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("dispute_id", sa.Uuid(), nullable=True),
        sa.Column(
            "dismissed_disputes",
            postgresql.ARRAY(sa.Uuid()),
            server_default=sa.text("'{}'::uuid[]"),
            nullable=False,
        ),
        sa.Column("provider_amount", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("requester_refund", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("tombstone", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("request_id"),
        sa.UniqueConstraint("id"),
    )
    op.create_index("holds_provider", "holds", ["provider_id"], unique=False)
    op.create_index("holds_requester", "holds", ["requester_id"], unique=False)
    op.create_table(
        "inbox",
        sa.Column("consumer", sa.Text(), nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("event_type", sa.Text(), nullable=False),
        sa.Column(
            "processed_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("consumer", "event_id"),
    )
    op.create_table(
        "outbox",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("event_type", sa.Text(), nullable=False),
        sa.Column("topic", sa.Text(), nullable=False),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("headers", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("event_id"),
    )
    op.create_index(
        "outbox_pending",
        "outbox",
        ["id"],
        unique=False,
        postgresql_where=sa.text("published_at IS NULL"),
    )
    op.create_table(
        "transactions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("type", sa.Text(), nullable=False),
        sa.Column("posted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("causation_id", sa.Uuid(), nullable=True),
        sa.Column("request_id", sa.Uuid(), nullable=True),
        sa.Column("dispute_id", sa.Uuid(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("transactions_request", "transactions", ["request_id"], unique=False)
    op.create_table(
        "entries",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("seq", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("transaction_id", sa.Uuid(), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("total_before", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("escrowed_before", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("total_after", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("escrowed_after", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.ForeignKeyConstraint(
            ["transaction_id"],
            ["transactions.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("seq"),
    )
    op.create_index("entries_member", "entries", ["member_id", "seq"], unique=False)
    op.create_index("entries_transaction", "entries", ["transaction_id"], unique=False)
    op.create_table(
        "postings",
        sa.Column("transaction_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("account", sa.Text(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("held_for", sa.Uuid(), nullable=True),
        sa.CheckConstraint(
            "(account = 'escrow') = (held_for IS NOT NULL)", name="postings_held_for"
        ),
        sa.CheckConstraint("amount <> 0", name="postings_non_zero"),
        sa.ForeignKeyConstraint(
            ["account"],
            ["accounts.ref"],
        ),
        sa.ForeignKeyConstraint(
            ["transaction_id"],
            ["transactions.id"],
        ),
        sa.PrimaryKeyConstraint("transaction_id", "position"),
    )
    op.create_index("postings_account", "postings", ["account"], unique=False)
    op.create_index("postings_held_for", "postings", ["held_for"], unique=False)


def downgrade() -> None:
    op.drop_index("postings_held_for", table_name="postings")
    op.drop_index("postings_account", table_name="postings")
    op.drop_table("postings")
    op.drop_index("entries_transaction", table_name="entries")
    op.drop_index("entries_member", table_name="entries")
    op.drop_table("entries")
    op.drop_index("transactions_request", table_name="transactions")
    op.drop_table("transactions")
    op.drop_index(
        "outbox_pending", table_name="outbox", postgresql_where=sa.text("published_at IS NULL")
    )
    op.drop_table("outbox")
    op.drop_table("inbox")
    op.drop_index("holds_requester", table_name="holds")
    op.drop_index("holds_provider", table_name="holds")
    op.drop_table("holds")
    op.drop_table("accounts")
