"""meetings and the pair's agreed meeting rhythm

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-25

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("programme", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("meeting_weeks", sa.Integer(), server_default="4", nullable=False)
        )
    with op.batch_alter_table("pair", schema=None) as batch_op:
        batch_op.add_column(sa.Column("meeting_weeks", sa.Integer(), nullable=True))
    op.create_table(
        "meeting",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pair_id", sa.Integer(), nullable=False),
        sa.Column("met_on", sa.Date(), nullable=False),
        sa.Column("logged_by_id", sa.Integer(), nullable=False),
        sa.Column("confirmed_by_id", sa.Integer(), nullable=True),
        sa.Column("stands", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["pair_id"], ["pair.id"], name=op.f("fk_meeting_pair_id_pair"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["logged_by_id"],
            ["member.id"],
            name=op.f("fk_meeting_logged_by_id_member"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["confirmed_by_id"],
            ["member.id"],
            name=op.f("fk_meeting_confirmed_by_id_member"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting")),
    )
    with op.batch_alter_table("meeting", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_meeting_pair_id"), ["pair_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("meeting", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_meeting_pair_id"))
    op.drop_table("meeting")
    with op.batch_alter_table("pair", schema=None) as batch_op:
        batch_op.drop_column("meeting_weeks")
    with op.batch_alter_table("programme", schema=None) as batch_op:
        batch_op.drop_column("meeting_weeks")
