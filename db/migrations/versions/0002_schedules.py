"""schedules: cadence, quiet periods, quiet hours, pauses

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "quiet_period",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=False),
        sa.CheckConstraint("first_day <= last_day", name=op.f("ck_quiet_period_ordered")),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["programme.id"],
            name=op.f("fk_quiet_period_programme_id_programme"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quiet_period")),
    )
    with op.batch_alter_table("delivery", schema=None) as batch_op:
        batch_op.add_column(sa.Column("prompt_key", sa.String(length=64), nullable=True))

    with op.batch_alter_table("member", schema=None) as batch_op:
        batch_op.add_column(sa.Column("quiet_hours", sa.String(length=11), nullable=True))
        batch_op.add_column(sa.Column("paused_until", sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table("programme", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "cadence", sa.String(length=40), server_default="weekly mon 18:00", nullable=False
            )
        )
        batch_op.add_column(sa.Column("anchor_day", sa.Date(), nullable=True))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("programme", schema=None) as batch_op:
        batch_op.drop_column("anchor_day")
        batch_op.drop_column("cadence")

    with op.batch_alter_table("member", schema=None) as batch_op:
        batch_op.drop_column("paused_until")
        batch_op.drop_column("quiet_hours")

    with op.batch_alter_table("delivery", schema=None) as batch_op:
        batch_op.drop_column("prompt_key")

    op.drop_table("quiet_period")
