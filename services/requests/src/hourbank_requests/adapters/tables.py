"""The requests service's own tables (its migrations are generated from this metadata)."""

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    Identity,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    Table,
    Text,
    UniqueConstraint,
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


def timestamps() -> list[Column[object]]:
    return [
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    ]


members = Table(
    "members",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("display_name", Text, nullable=False),
    Column("email", Text),
    Column("roles", ARRAY(Text), nullable=False),
    Column("status", Text, nullable=False),
    Column("rating_sum", Integer, nullable=False, server_default=text("0")),
    Column("rating_count", Integer, nullable=False, server_default=text("0")),
    Column("version", Integer, nullable=False, server_default=text("0")),
    *timestamps(),
)

offerings = Table(
    "offerings",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("provider_id", Uuid, nullable=False),
    Column("title", Text, nullable=False),
    Column("description", Text, nullable=False),
    Column("category", Text, nullable=False),
    hours_column("rate"),
    Column("response_window_hours", SmallInteger, nullable=False),
    Column("status", Text, nullable=False),
    Column("review_note", Text),
    Column("reviewed_by", Uuid),
    Column("version", Integer, nullable=False, server_default=text("0")),
    *timestamps(),
    CheckConstraint("response_window_hours BETWEEN 2 AND 72", name="offerings_window"),
    CheckConstraint("rate > 0", name="offerings_rate"),
    CheckConstraint(
        "status IN ('PENDING_REVIEW','APPROVED','REJECTED','WITHDRAWN')", name="offerings_status"
    ),
    Index("offerings_provider", "provider_id"),
    Index("offerings_category", "category"),
    # the public catalog and the admins' review queue, newest first
    Index("offerings_by_status", "status", "created_at"),
)

requests = Table(
    "requests",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("requester_id", Uuid, nullable=False),
    Column("provider_id", Uuid, nullable=False),
    Column("offering_id", Uuid, nullable=False),
    Column("offering_title", Text, nullable=False),
    Column("status", Text, nullable=False),
    Column("previous_status", Text),
    Column("message", Text, nullable=False),
    Column("response_window_hours", SmallInteger, nullable=False),
    hours_column("hours"),
    hours_column("rate"),
    hours_column("amount"),
    Column("round", SmallInteger, nullable=False, server_default=text("0")),
    Column("offer_by", Text),
    hours_column("offer_hours", nullable=True),
    hours_column("offer_rate", nullable=True),
    hours_column("offer_amount", nullable=True),
    Column("offer_message", Text),
    Column("offer_accepted", Boolean, nullable=False, server_default=text("false")),
    hours_column("actual_hours", nullable=True),
    hours_column("actual_amount", nullable=True),
    Column("deadline_kind", Text),
    Column("deadline_at", DateTime(timezone=True)),
    Column("dispute_id", Uuid),
    Column("reason", Text),
    Column("version", Integer, nullable=False, server_default=text("0")),
    *timestamps(),
    Index("requests_requester", "requester_id", "created_at"),
    Index("requests_provider", "provider_id", "created_at"),
    # the deadline worker's queue: only requests with a running deadline
    Index("requests_due", "deadline_at", postgresql_where=text("deadline_at IS NOT NULL")),
    # the submit backlog the API sheds on: requests still waiting for escrow's hold
    Index("requests_awaiting_escrow", "created_at", postgresql_where=text("status = 'INITIATED'")),
    # at most one open request per requester and offering
    Index(
        "requests_one_open",
        "requester_id",
        "offering_id",
        unique=True,
        postgresql_where=text(
            "status NOT IN ('PAID','REJECTED','EXPIRED','CANCELLED','REFUNDED','SETTLED')"
        ),
    ),
)

history = Table(
    "request_history",
    metadata,
    Column("seq", BigInteger, Identity(), primary_key=True),
    Column("request_id", Uuid, nullable=False),
    Column("from_status", Text),
    Column("to_status", Text, nullable=False),
    Column("trigger", Text, nullable=False),
    Column("actor", Text, nullable=False),
    Column("actor_id", Uuid),
    Column("event_id", Uuid),
    Column("detail", Text),
    Column("at", DateTime(timezone=True), nullable=False),
    Index("request_history_request", "request_id", "seq"),
)

ratings = Table(
    "ratings",
    metadata,
    Column("request_id", Uuid, primary_key=True),
    Column("rater_id", Uuid, primary_key=True),
    Column("ratee_id", Uuid, nullable=False),
    Column("score", SmallInteger, nullable=False),
    Column("comment", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("score BETWEEN 1 AND 5", name="ratings_score"),
    UniqueConstraint("request_id", "ratee_id", name="ratings_once_per_party"),
    Index("ratings_ratee", "ratee_id"),
)

outbox = outbox_table(metadata)
inbox = inbox_table(metadata)
idempotency = idempotency_table(metadata)
