"""The request projection remembers the sequence of the event it last applied.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02 02:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("request_projection", sa.Column("sequence", sa.Integer(), nullable=True))


def downgrade() -> None:
    op.drop_column("request_projection", "sequence")
