"""Deadline wake-ups and the submit backlog: a NOTIFY whenever a request's deadline is set or
moved (the deadline worker sleeps until the earliest one and wakes on it), and a partial index
on the requests still waiting for escrow's hold (counted by the API to shed submissions).

Revision ID: 0002_deadline_wakeups
Revises: 0001
Create Date: 2026-12-02 07:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_deadline_wakeups"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The payload is the deadline in Unix seconds: a worker sleeping until a later one wakes up,
# the others go on sleeping without a query.
NOTIFY_FUNCTION = """
CREATE FUNCTION requests_deadline_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('hourbank_requests_deadline', extract(epoch FROM NEW.deadline_at)::text);
    RETURN NULL;
END
$$
"""


def upgrade() -> None:
    op.execute(NOTIFY_FUNCTION)
    op.execute(
        "CREATE TRIGGER requests_deadline_set AFTER INSERT ON requests FOR EACH ROW "
        "WHEN (NEW.deadline_at IS NOT NULL) EXECUTE FUNCTION requests_deadline_notify()"
    )
    op.execute(
        "CREATE TRIGGER requests_deadline_moved AFTER UPDATE OF deadline_at ON requests "
        "FOR EACH ROW WHEN (NEW.deadline_at IS NOT NULL "
        "AND NEW.deadline_at IS DISTINCT FROM OLD.deadline_at) "
        "EXECUTE FUNCTION requests_deadline_notify()"
    )
    op.create_index(
        "requests_awaiting_escrow",
        "requests",
        ["created_at"],
        unique=False,
        postgresql_where=sa.text("status = 'INITIATED'"),
    )


def downgrade() -> None:
    op.drop_index("requests_awaiting_escrow", table_name="requests")
    op.execute("DROP TRIGGER requests_deadline_moved ON requests")
    op.execute("DROP TRIGGER requests_deadline_set ON requests")
    op.execute("DROP FUNCTION requests_deadline_notify()")
