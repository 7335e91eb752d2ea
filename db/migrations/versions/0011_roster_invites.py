"""what a roster says about an invite: language, capacity, intended mentor, tags

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-25

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("invite", schema=None) as batch_op:
        batch_op.add_column(sa.Column("language", sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column("capacity", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("mentor_name", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("tags", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("invite", schema=None) as batch_op:
        batch_op.drop_column("tags")
        batch_op.drop_column("mentor_name")
        batch_op.drop_column("capacity")
        batch_op.drop_column("language")
