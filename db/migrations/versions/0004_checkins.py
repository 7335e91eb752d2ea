"""check-ins

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


STATUSES_BEFORE = ("pending", "sent", "failed")
STATUSES_AFTER = (*STATUSES_BEFORE, "missed", "skipped")


def _delivery_statuses(statuses: tuple[str, ...]) -> None:
    # A non-native enum is a CHECK constraint; batch mode lets SQLite replace it too.
    allowed = ", ".join(f"'{status}'" for status in statuses)
    with op.batch_alter_table("delivery", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_delivery_delivery_status"), type_="check")
        batch_op.create_check_constraint("delivery_status", f"status IN ({allowed})")


def upgrade() -> None:
    """Upgrade schema."""
    _delivery_statuses(STATUSES_AFTER)
    op.create_table(
        "checkin",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("delivery_id", sa.Integer(), nullable=True),
        sa.Column("prompt_key", sa.String(length=64), nullable=True),
        sa.Column("theme", sa.String(length=16), nullable=True),
        sa.Column("mood", sa.Integer(), nullable=False),
        sa.Column("reflection", sa.LargeBinary(), nullable=True),
        sa.Column("last_message_id", sa.BigInteger(), nullable=True),
        sa.Column("shared", sa.Boolean(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "writing",
                "done",
                name="checkin_status",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("mood BETWEEN 1 AND 5", name=op.f("ck_checkin_mood_range")),
        sa.ForeignKeyConstraint(
            ["delivery_id"],
            ["delivery.id"],
            name=op.f("fk_checkin_delivery_id_delivery"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["member.id"],
            name=op.f("fk_checkin_member_id_member"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["programme.id"],
            name=op.f("fk_checkin_programme_id_programme"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checkin")),
        sa.UniqueConstraint("delivery_id", name="uq_checkin_delivery"),
    )
    with op.batch_alter_table("checkin", schema=None) as batch_op:
        batch_op.create_index(
            "ix_checkin_member_created", ["member_id", "created_at"], unique=False
        )


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("checkin", schema=None) as batch_op:
        batch_op.drop_index("ix_checkin_member_created")

    op.drop_table("checkin")
    _delivery_statuses(STATUSES_BEFORE)
