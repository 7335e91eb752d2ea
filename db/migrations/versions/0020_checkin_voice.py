"""voice notes in a check-in: their Telegram file ids, encrypted like the reflection

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-01

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | Sequence[str] | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A plain ADD COLUMN (no table rebuild on SQLite): existing entries have no voice notes.
    op.add_column("checkin", sa.Column("voice_notes", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    op.drop_column("checkin", "voice_notes")
