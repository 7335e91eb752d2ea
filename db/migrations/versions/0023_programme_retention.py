"""a programme's retention, and which erasure day its coordinators were told of

`programme.retention` (a period such as 12m, bot/core/durations.py) is how long after
the programme's last day its personal data is kept; `retention_notice_day` and
`retention_noticed_at` record the erasure day the coordinators were told about, and
when, so the notice goes once and the erasure waits a week after it
(bot/services/retention.py).

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-01

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | Sequence[str] | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As db/models.py has it when this was written (a migration keeps its own).
DEFAULT_RETENTION = "12m"


def upgrade() -> None:
    with op.batch_alter_table("programme", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "retention",
                sa.String(length=8),
                server_default=DEFAULT_RETENTION,
                nullable=False,
            )
        )
        batch_op.add_column(sa.Column("retention_notice_day", sa.Date(), nullable=True))
        batch_op.add_column(
            sa.Column("retention_noticed_at", sa.DateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("programme", schema=None) as batch_op:
        batch_op.drop_column("retention_noticed_at")
        batch_op.drop_column("retention_notice_day")
        batch_op.drop_column("retention")
