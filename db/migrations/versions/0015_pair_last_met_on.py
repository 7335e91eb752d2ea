"""the day of a pair's last standing meeting, kept on the pair

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-25

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | Sequence[str] | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A plain ADD COLUMN (no table rebuild on SQLite: rows that cascade from pair stay).
    op.add_column("pair", sa.Column("last_met_on", sa.Date(), nullable=True))
    op.execute(
        "UPDATE pair SET last_met_on = (SELECT max(meeting.met_on) FROM meeting "
        "WHERE meeting.pair_id = pair.id AND meeting.stands)"
    )


def downgrade() -> None:
    op.drop_column("pair", "last_met_on")
