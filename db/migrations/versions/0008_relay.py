"""relay conversations and links (ids only)

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "relay_conversation",
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("pair_id", sa.Integer(), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["member.id"],
            name=op.f("fk_relay_conversation_member_id_member"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["pair_id"],
            ["pair.id"],
            name=op.f("fk_relay_conversation_pair_id_pair"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("member_id", name=op.f("pk_relay_conversation")),
    )
    op.create_table(
        "relay_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pair_id", sa.Integer(), nullable=False),
        sa.Column("sender_id", sa.Integer(), nullable=False),
        sa.Column("origin_chat_id", sa.BigInteger(), nullable=False),
        sa.Column("origin_message_id", sa.BigInteger(), nullable=False),
        sa.Column("target_chat_id", sa.BigInteger(), nullable=False),
        sa.Column("target_message_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["pair_id"], ["pair.id"], name=op.f("fk_relay_link_pair_id_pair"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["sender_id"],
            ["member.id"],
            name=op.f("fk_relay_link_sender_id_member"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_relay_link")),
        sa.UniqueConstraint("origin_chat_id", "origin_message_id", name="uq_relay_origin"),
    )
    with op.batch_alter_table("relay_link", schema=None) as batch_op:
        batch_op.create_index(
            "ix_relay_target", ["target_chat_id", "target_message_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("relay_link", schema=None) as batch_op:
        batch_op.drop_index("ix_relay_target")
    op.drop_table("relay_link")
    op.drop_table("relay_conversation")
