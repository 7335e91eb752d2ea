"""meeting rhythms proposed by one side of a pair, agreed once the other accepts

A new table only: the rhythm that holds stays on pair.meeting_weeks (set when a
proposal is accepted), so statistics and nudges go on reading it and never a proposal.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-01

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | Sequence[str] | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PENDING = sa.text("status = 'pending'")


def upgrade() -> None:
    op.create_table(
        "rhythm_proposal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pair_id", sa.Integer(), nullable=False),
        sa.Column("weeks", sa.Integer(), nullable=False),
        sa.Column("proposed_by_id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "accepted",
                "superseded",
                name="proposal_status",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["pair_id"],
            ["pair.id"],
            name=op.f("fk_rhythm_proposal_pair_id_pair"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["proposed_by_id"],
            ["member.id"],
            name=op.f("fk_rhythm_proposal_proposed_by_id_member"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rhythm_proposal")),
    )
    with op.batch_alter_table("rhythm_proposal", schema=None) as batch_op:
        batch_op.create_index(
            "uq_rhythm_proposal_pending",
            ["pair_id"],
            unique=True,
            sqlite_where=PENDING,
            postgresql_where=PENDING,
        )


def downgrade() -> None:
    with op.batch_alter_table("rhythm_proposal", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_rhythm_proposal_pending", sqlite_where=PENDING, postgresql_where=PENDING
        )
    op.drop_table("rhythm_proposal")
