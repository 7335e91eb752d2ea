"""indexes the statistics need; settled months of meetings

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-25

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | Sequence[str] | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "meeting_month",
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("pairs", sa.Integer(), nullable=False),
        sa.Column("meetings", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["programme.id"],
            name=op.f("fk_meeting_month_programme_id_programme"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("programme_id", "month", name=op.f("pk_meeting_month")),
    )
    # Covering: a pair's meetings that stand, by day (the last one is the index's end).
    op.create_index("ix_meeting_pair_stands_met", "meeting", ["pair_id", "stands", "met_on"])
    op.drop_index("ix_meeting_pair_id", table_name="meeting")
    op.create_index("ix_pair_programme_status", "pair", ["programme_id", "status"])
    op.create_index("ix_invite_programme_role", "invite", ["programme_id", "role"])


def downgrade() -> None:
    op.drop_index("ix_invite_programme_role", table_name="invite")
    op.drop_index("ix_pair_programme_status", table_name="pair")
    op.create_index("ix_meeting_pair_id", "meeting", ["pair_id"])
    op.drop_index("ix_meeting_pair_stands_met", table_name="meeting")
    op.drop_table("meeting_month")
