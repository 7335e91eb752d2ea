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
    with op.batch_alter_table("membership", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("research_consent", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(
            sa.Column("consent_changed_at", sa.DateTime(timezone=True), nullable=True)
        )
    with op.batch_alter_table("programme", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pseudonym_secret", sa.String(length=64), nullable=True))
    # Every existing programme gets its own random secret, as a new one does.
    connection = op.get_bind()
    programme = sa.table("programme", sa.column("id"), sa.column("pseudonym_secret"))
    for (programme_id,) in connection.execute(sa.select(programme.c.id)).all():
        connection.execute(
            programme.update()
            .where(programme.c.id == programme_id)
            .values(pseudonym_secret=secrets.token_hex(32))
        )
    with op.batch_alter_table("programme", schema=None) as batch_op:
        batch_op.alter_column(
            "pseudonym_secret", existing_type=sa.String(length=64), nullable=False
        )


def downgrade() -> None:
    with op.batch_alter_table("programme", schema=None) as batch_op:
        batch_op.drop_column("pseudonym_secret")
    with op.batch_alter_table("membership", schema=None) as batch_op:
        batch_op.drop_column("consent_changed_at")
        batch_op.drop_column("research_consent")
