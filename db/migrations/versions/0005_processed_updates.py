"""processed updates

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "processed_update",
        sa.Column("update_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("update_id", name=op.f("pk_processed_update")),
    )
    with op.batch_alter_table("processed_update", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_processed_update_processed_at"), ["processed_at"], unique=False
        )

    with op.batch_alter_table("checkin", schema=None) as batch_op:
        batch_op.add_column(sa.Column("source", sa.String(length=80), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_checkin_source"), ["source"])


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("checkin", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_checkin_source"), type_="unique")
        batch_op.drop_column("source")

    with op.batch_alter_table("processed_update", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_processed_update_processed_at"))

    op.drop_table("processed_update")
