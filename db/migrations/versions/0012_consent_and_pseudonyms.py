"""research consent per student membership; a per-programme secret for pseudonyms

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-25

"""

import secrets
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Only ADD COLUMN here: rebuilding a table on SQLite (as batch mode does for other
    # changes) would drop it, and with foreign keys on that deletes its children.
    with op.batch_alter_table("membership", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("research_consent", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(
            sa.Column("consent_changed_at", sa.DateTime(timezone=True), nullable=True)
        )
    with op.batch_alter_table("programme", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("pseudonym_secret", sa.String(length=64), server_default="", nullable=False)
        )
    # Every existing programme gets its own random secret, as a new one does.
    connection = op.get_bind()
    programme = sa.table("programme", sa.column("id"), sa.column("pseudonym_secret"))
    for (programme_id,) in connection.execute(sa.select(programme.c.id)).all():
        connection.execute(
            programme.update()
            .where(programme.c.id == programme_id)
            .values(pseudonym_secret=secrets.token_hex(32))
        )


def downgrade() -> None:
    # Plain DROP COLUMN (SQLite 3.35+), for the same reason: no table is rebuilt.
    op.drop_column("programme", "pseudonym_secret")
    op.drop_column("membership", "consent_changed_at")
    op.drop_column("membership", "research_consent")
