"""processed updates keyed by their content, not by the server's update id

A Bot API server whose numbering starts again (the sandbox after a restart, Telegram
after a week without updates, another server) made every new update look handled.
The old rows name update ids only and cannot be turned into content keys; they are
dropped (an update re-delivered across the upgrade is handled idempotently by the
services, as in the moment between handling and recording).

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-01

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | Sequence[str] | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    _drop()
    op.create_table(
        "processed_update",
        sa.Column("update_key", sa.String(length=40), nullable=False),
        sa.Column("update_id", sa.BigInteger(), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("update_key", name=op.f("pk_processed_update")),
    )
    _index()


def downgrade() -> None:
    _drop()
    op.create_table(
        "processed_update",
        sa.Column("update_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("update_id", name=op.f("pk_processed_update")),
    )
    _index()


def _drop() -> None:
    with op.batch_alter_table("processed_update", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_processed_update_processed_at"))
    op.drop_table("processed_update")


def _index() -> None:
    with op.batch_alter_table("processed_update", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_processed_update_processed_at"), ["processed_at"], unique=False
        )
