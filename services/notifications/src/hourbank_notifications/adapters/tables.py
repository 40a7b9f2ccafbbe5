"""The notifications service's own tables (its migrations are generated from this metadata)."""

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
from sqlalchemy.dialects.postgresql import ARRAY

from hourbank_shared.idempotency import idempotency_table
from hourbank_shared.inbox import inbox_table
from hourbank_shared.outbox import outbox_table

metadata = MetaData()

notifications = Table(
    "notifications",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("member_id", Uuid, nullable=False),
    Column("type", Text, nullable=False),
    Column("title", Text, nullable=False),
    Column("message", Text, nullable=False),
    Column("related_id", Uuid),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("read_at", DateTime(timezone=True)),
    Index("notifications_member", "member_id", "created_at", "id"),
    # an admin's notifications about a request or dispute (its timeline), whoever they are for
    Index("notifications_related", "related_id", postgresql_where=text("related_id IS NOT NULL")),
    Index(
        "notifications_unread",
        "member_id",
        "created_at",
        postgresql_where=text("read_at IS NULL"),
    ),
)

preferences = Table(
    "preferences",
    metadata,
    Column("member_id", Uuid, primary_key=True),
    Column("type", Text, primary_key=True),
    Column("channel", Text, primary_key=True),
    Column("enabled", Boolean, nullable=False),
    CheckConstraint("channel IN ('in_app','email')", name="preferences_channel"),
)

email_deliveries = Table(
    "email_deliveries",
    metadata,
    Column("notification_id", Uuid, ForeignKey("notifications.id"), primary_key=True),
    Column("to", Text, nullable=False),
    Column("status", Text, nullable=False),
    Column("attempts", Integer, nullable=False, server_default=text("0")),
    Column("last_error", Text),
    Column("sent_at", DateTime(timezone=True)),
    Column("next_attempt_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("status IN ('PENDING','SENT','FAILED')", name="email_deliveries_status"),
    Index("email_deliveries_due", "next_attempt_at", postgresql_where=text("status = 'PENDING'")),
)

# who is who, from hourbank.members.v1: admins for new disputes
members = Table(
    "members",
    metadata,
    Column("member_id", Uuid, primary_key=True),
    Column("display_name", Text, nullable=False),
    Column("roles", ARRAY(Text), nullable=False),
)

# where email goes, from the private hourbank.private.member-contacts.v1 only
contacts = Table(
    "contacts",
    metadata,
    Column("member_id", Uuid, primary_key=True),
    Column("email", Text),
    Column("sequence", Integer, nullable=False),
)

outbox = outbox_table(metadata)
inbox = inbox_table(metadata)
idempotency = idempotency_table(metadata)
