"""The disputes service's own tables (its migrations are generated from this metadata)."""

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Table,
    Text,
    Uuid,
    func,
    text,
)

from hourbank_shared.db import hours_column
from hourbank_shared.idempotency import idempotency_table
from hourbank_shared.inbox import inbox_table
from hourbank_shared.outbox import outbox_table

metadata = MetaData()


def at(name: str, nullable: bool = True) -> Column[object]:
    return Column(name, DateTime(timezone=True), nullable=nullable)


disputes = Table(
    "disputes",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("request_id", Uuid, nullable=False),
    Column("dispute_type", Text, nullable=False),
    Column("status", Text, nullable=False),
    Column("raised_by", Uuid, nullable=False),
    # the other party; null until the dispute opens (PENDING: disputes has not seen the request)
    Column("against", Uuid),
    Column("description", Text, nullable=False),
    Column("assigned_admin", Uuid),
    Column("resolution", Text),
    hours_column("provider_hours", nullable=True),
    hours_column("provider_amount", nullable=True),
    hours_column("requester_refund", nullable=True),
    Column("note", Text),
    Column("refusal_reason", Text),
    # the requests service confirmed the request DISPUTED (escrow froze the hold)
    Column("request_confirmed", Boolean, nullable=False, server_default=text("false")),
    at("assigned_at"),
    at("closed_at"),
    at("created_at", nullable=False),
    at("updated_at", nullable=False),
    Column("version", Integer, nullable=False, server_default=text("0")),
    CheckConstraint(
        "status IN ('PENDING','OPEN','UNDER_REVIEW','RESOLVED','DISMISSED','REFUSED')",
        name="disputes_status",
    ),
    Index("disputes_raised_by", "raised_by", "created_at"),
    Index("disputes_against", "against", "created_at"),
    Index("disputes_queue", "status", "created_at"),
    # one open dispute per request: a racing second one fails here
    Index(
        "disputes_one_open",
        "request_id",
        unique=True,
        postgresql_where=text("status IN ('OPEN','UNDER_REVIEW')"),
    ),
    # the pending disputes of a request, decided when the request's first event arrives
    Index(
        "disputes_pending",
        "request_id",
        "created_at",
        postgresql_where=text("status = 'PENDING'"),
    ),
)

evidence = Table(
    "evidence",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("dispute_id", Uuid, ForeignKey("disputes.id"), nullable=False),
    Column("added_by", Uuid, nullable=False),
    Column("kind", Text, nullable=False),
    Column("content", Text, nullable=False),
    at("at", nullable=False),
    CheckConstraint("kind IN ('text','link')", name="evidence_kind"),
    Index("evidence_dispute", "dispute_id", "at"),
)

request_projection = Table(
    "request_projection",
    metadata,
    Column("request_id", Uuid, primary_key=True),
    Column("requester_id", Uuid, nullable=False),
    Column("provider_id", Uuid, nullable=False),
    Column("status", Text, nullable=False),
    hours_column("hours", nullable=True),
    hours_column("rate", nullable=True),
    hours_column("amount", nullable=True),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    # the sequence of the last event applied: an older one (a replay) changes nothing
    Column("sequence", Integer),
)

reports = Table(
    "reports",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("reporter_id", Uuid, nullable=False),
    Column("subject_type", Text, nullable=False),
    Column("subject_id", Uuid, nullable=False),
    # the offering's provider or the member reported; null until disputes has seen the offering
    Column("subject_member_id", Uuid),
    Column("reason", Text, nullable=False),
    Column("text", Text, nullable=False),
    Column("status", Text, nullable=False),
    Column("action", Text),
    Column("note", Text),
    Column("resolved_by", Uuid),
    at("resolved_at"),
    at("created_at", nullable=False),
    Column("version", Integer, nullable=False, server_default=text("0")),
    CheckConstraint("subject_type IN ('OFFERING','MEMBER')", name="reports_subject_type"),
    CheckConstraint("status IN ('OPEN','RESOLVED')", name="reports_status"),
    Index("reports_reporter", "reporter_id", "created_at"),
    Index("reports_queue", "status", "created_at"),
    Index("reports_subject", "subject_type", "subject_id"),
    # one open report per reporter and subject: a second one collapses into it
    Index(
        "reports_one_open",
        "reporter_id",
        "subject_type",
        "subject_id",
        unique=True,
        postgresql_where=text("status = 'OPEN'"),
    ),
)

offering_providers = Table(
    "offering_providers",
    metadata,
    # learned from the requests topic; an offering's provider never changes, so a row is final
    Column("offering_id", Uuid, primary_key=True),
    Column("provider_id", Uuid, nullable=False),
    Column("learned_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

outbox = outbox_table(metadata)
inbox = inbox_table(metadata)
idempotency = idempotency_table(metadata)
