"""An index of the notifications by what they are about, for the admins' timeline of a request
(`GET /v1/notifications?request_id=…`: every member's notifications about it).

Revision ID: 0003
Revises: 0002
Create Date: 2027-01-20 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "notifications_related",
        "notifications",
        ["related_id"],
        postgresql_where=sa.text("related_id IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("notifications_related", table_name="notifications")
