"""settled weekly prompt and mood counts; indexes for statistics

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-25

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | Sequence[str] | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COUNTS = (
    "prompted",
    "prompted_students",
    "answered",
    "entries",
    "authors",
    *(f"mood_{mood}" for mood in range(1, 6)),
)


def upgrade() -> None:
    op.create_table(
        "engagement_week",
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("week", sa.Date(), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in COUNTS),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["programme.id"],
            name=op.f("fk_engagement_week_programme_id_programme"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("programme_id", "week", name=op.f("pk_engagement_week")),
    )
    op.create_index("ix_delivery_purpose_cycle", "delivery", ["purpose", "cycle"])
    op.create_index("ix_checkin_programme_created", "checkin", ["programme_id", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_checkin_programme_created", table_name="checkin")
    op.drop_index("ix_delivery_purpose_cycle", table_name="delivery")
    op.drop_table("engagement_week")
