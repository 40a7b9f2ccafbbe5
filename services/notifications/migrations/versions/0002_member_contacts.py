"""Contact data moves to a table of its own, fed by the private member-contacts topic.

The addresses members gave before are moved from `members.email` (sequence 0, so any contact
event of the member replaces them), and the column goes: the directory keeps names and roles.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-10 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "contacts",
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("email", sa.Text(), nullable=True),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("member_id"),
    )
    op.execute(
        "INSERT INTO contacts (member_id, email, sequence)"
        " SELECT member_id, email, 0 FROM members WHERE email IS NOT NULL"
    )
    op.drop_column("members", "email")


def downgrade() -> None:
    op.add_column("members", sa.Column("email", sa.Text(), nullable=True))
    op.execute(
        "UPDATE members SET email = contacts.email FROM contacts"
        " WHERE contacts.member_id = members.member_id"
    )
    op.drop_table("contacts")
