"""exactly-once sending: parts sent, the claim while in flight, interruptions by crashes

The parts of a delivery that went out, the claim on the next one while it is in flight,
and how many crashes interrupted it.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | Sequence[str] | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Only ADD COLUMN: a table rebuild on SQLite would delete the check-ins that refer
    # to deliveries (foreign keys are on).
    op.add_column(
        "delivery", sa.Column("parts_sent", sa.Integer(), server_default="0", nullable=False)
    )
    op.add_column("delivery", sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column(
        "delivery", sa.Column("interruptions", sa.Integer(), server_default="0", nullable=False)
    )


def downgrade() -> None:
    op.drop_column("delivery", "interruptions")
    op.drop_column("delivery", "claimed_at")
    op.drop_column("delivery", "parts_sent")
