"""The escrow service's tables: accounts, the append-only ledger, holds, adjustments waiting for
a second admin, the credit limits' history, inbox and outbox."""

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    MetaData,
    Table,
    Text,
    Uuid,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY

from hourbank_shared.db import hours_column
from hourbank_shared.idempotency import idempotency_table
from hourbank_shared.inbox import inbox_table
from hourbank_shared.outbox import outbox_table

metadata = MetaData()


accounts = Table(
    "accounts",
    metadata,
    # A member's id as text, or a system account's code: one key space, so locks sort by it.
    Column("ref", Text, primary_key=True),
    Column("member_id", Uuid, unique=True),
    hours_column("total"),
    hours_column("escrowed"),
    hours_column("credit_limit"),
    Column("status", Text, nullable=False),
    # the member's version that set `status`: an older suspension or reactivation is ignored
    Column("status_sequence", Integer),
    Column("version", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("member_id IS NULL OR ref = member_id::text", name="accounts_ref_is_member"),
    CheckConstraint("escrowed >= 0 AND credit_limit >= 0", name="accounts_non_negative"),
)

transactions = Table(
    "transactions",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("type", Text, nullable=False),
    Column("posted_at", DateTime(timezone=True), nullable=False),
    Column("causation_id", Uuid),
    Column("request_id", Uuid),
    Column("dispute_id", Uuid),
    Column("reason", Text),
    # the admin who ordered it (adjustment, dispute resolution) and the second who approved it
    Column("by_admin_id", Uuid),
    Column("approved_by_admin_id", Uuid),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("transactions_request", "request_id"),
)

postings = Table(
    "postings",
    metadata,
    Column("transaction_id", Uuid, ForeignKey("transactions.id"), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("account", Text, ForeignKey("accounts.ref"), nullable=False),
    hours_column("amount"),
    Column("held_for", Uuid),
    CheckConstraint("amount <> 0", name="postings_non_zero"),
    CheckConstraint("(account = 'escrow') = (held_for IS NOT NULL)", name="postings_held_for"),
    Index("postings_account", "account"),
    Index("postings_held_for", "held_for"),
)

entries = Table(
    "entries",
    metadata,
    Column("id", Uuid, primary_key=True),
    # Append order, so a member's statement reads in the order it was posted.
    Column("seq", BigInteger, Identity(), nullable=False, unique=True),
    Column("transaction_id", Uuid, ForeignKey("transactions.id"), nullable=False),
    Column("member_id", Uuid, nullable=False),
    hours_column("total_before"),
    hours_column("escrowed_before"),
    hours_column("total_after"),
    hours_column("escrowed_after"),
    Index("entries_member", "member_id", "seq"),
    Index("entries_transaction", "transaction_id"),
)

holds = Table(
    "holds",
    metadata,
    Column("request_id", Uuid, primary_key=True),
    Column("id", Uuid, nullable=False, unique=True),
    Column("requester_id", Uuid, nullable=False),
    Column("provider_id", Uuid, nullable=False),
    Column("status", Text),
    hours_column("amount"),
    Column("dispute_id", Uuid),
    Column("dismissed_disputes", ARRAY(Uuid), nullable=False, server_default=text("'{}'::uuid[]")),
    hours_column("provider_amount", nullable=True),
    hours_column("requester_refund", nullable=True),
    Column("tombstone", Text),
    Column("version", Integer, nullable=False),
    Index("holds_requester", "requester_id"),
    Index("holds_provider", "provider_id"),
)

pending_adjustments = Table(
    "pending_adjustments",
    metadata,
    Column("id", Uuid, primary_key=True),
    # the order admins list them in
    Column("seq", BigInteger, Identity(), nullable=False, unique=True),
    Column("member_id", Uuid, nullable=False),
    hours_column("amount"),
    Column("reason", Text, nullable=False),
    Column("requested_by", Uuid, nullable=False),
    Column("requested_at", DateTime(timezone=True), nullable=False),
    Column("status", Text, nullable=False),
    Column("decided_by", Uuid),
    Column("decided_at", DateTime(timezone=True)),
    Column("rejection_reason", Text),
    Column("transaction_id", Uuid, ForeignKey("transactions.id")),
    Column("version", Integer, nullable=False),
    CheckConstraint("decided_by IS NULL OR decided_by <> requested_by", name="four_eyes"),
    Index("pending_adjustments_status", "status", "seq"),
)

credit_limit_changes = Table(
    "credit_limit_changes",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("member_id", Uuid, nullable=False),
    hours_column("previous"),
    hours_column("credit_limit"),
    Column("by_admin_id", Uuid, nullable=False),
    Column("reason", Text, nullable=False),
    Column("changed_at", DateTime(timezone=True), nullable=False),
    Index("credit_limit_changes_member", "member_id", "id"),
)

outbox = outbox_table(metadata)
inbox = inbox_table(metadata)
idempotency = idempotency_table(metadata)
