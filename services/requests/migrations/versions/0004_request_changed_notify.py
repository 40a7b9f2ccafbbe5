"""Request changes: a NOTIFY whenever a request's row moves on (its version or status changes),
from whichever process wrote it (the API, the consumer, the deadline worker), so an API process
holding a long-poll on that request (`GET /v1/requests/{id}` with `Prefer: wait`) answers at
once instead of being polled.

Revision ID: 0004_request_changed_notify
Revises: 0003_offering_review
Create Date: 2026-12-02 16:40:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004_request_changed_notify"
down_revision: str | None = "0003_offering_review"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The payload is the request's id: a process wakes only the waiters of that request. Sent at
# commit, once per transaction however often the row changed in it.
NOTIFY_FUNCTION = """
CREATE FUNCTION requests_changed_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('hourbank_request_changed', NEW.id::text);
    RETURN NULL;
END
$$
"""


def upgrade() -> None:
    op.execute(NOTIFY_FUNCTION)
    op.execute(
        "CREATE TRIGGER requests_changed AFTER UPDATE ON requests FOR EACH ROW "
        "WHEN (NEW.version IS DISTINCT FROM OLD.version "
        "OR NEW.status IS DISTINCT FROM OLD.status) "
        "EXECUTE FUNCTION requests_changed_notify()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER requests_changed ON requests")
    op.execute("DROP FUNCTION requests_changed_notify()")
