"""the key canary: one value encrypted with the reflection key, so a changed key is found

`frizon run` and `frizon db upgrade` write it when it is missing (bot/services/
key_canary.py); `frizon doctor` and the start of `frizon run` decrypt it, and a key that
does not open it stops them before anything is written with that key.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-01

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | Sequence[str] | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "key_canary",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("value", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_key_canary")),
    )


def downgrade() -> None:
    op.drop_table("key_canary")
