"""an erased member keeps no name: the "Former member" erasure wrote so far goes

Erasure wrote the English words "Former member" as the name. The row now keeps none, and
where a name is shown an erased member's reads as the template members/erased_name, in
the reader's language (bot/texts/names.py). Only erased members' rows change: their
Telegram id is one no account can have.

Revision ID: 0021
Revises: 0019
Create Date: 2026-12-01

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | Sequence[str] | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As bot/services/erasure.py had them when this was written (a migration keeps its own).
SYNTHETIC_ID_BASE = -(2**53)
FORMER_NAME = "Former member"
NO_NAME = ""

member = sa.table(
    "member", sa.column("telegram_user_id", sa.BigInteger), sa.column("display_name", sa.String)
)


def _rename(old: str, new: str) -> None:
    op.execute(
        member.update()
        .where(member.c.telegram_user_id <= SYNTHETIC_ID_BASE, member.c.display_name == old)
        .values(display_name=new)
    )


def upgrade() -> None:
    _rename(FORMER_NAME, NO_NAME)


def downgrade() -> None:
    _rename(NO_NAME, FORMER_NAME)
