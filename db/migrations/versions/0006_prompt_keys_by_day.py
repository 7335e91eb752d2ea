"""prompt delivery keys name the cycle's calendar day, not its number

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25

Numbers restart when a coordinator changes the cadence or the first day, and a new
cycle with an old number counted as already sent. Existing "programme:N[:extra]" keys
become "programme:YYYY-MM-DD[:extra]" with each programme's schedule as it is now.
"""

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _day_of(cadence: str, anchor: date, cycle: int) -> date:
    """The calendar day of a numbered cycle; kept here, as it was at this revision."""
    words = cadence.lower().split()
    weeks = 1 if words[0] == "weekly" else int(words[1])
    weekday = WEEKDAYS.index(words[-2])
    monday = anchor - timedelta(days=anchor.weekday())
    return monday + timedelta(weeks=cycle * weeks, days=weekday)


def upgrade() -> None:
    connection = op.get_bind()
    programmes = {
        row.id: row
        for row in connection.execute(
            sa.text("SELECT id, cadence, anchor_day, created_at, timezone FROM programme")
        )
    }
    deliveries = connection.execute(
        sa.text("SELECT id, cycle FROM delivery WHERE purpose = 'prompt'")
    ).all()
    for delivery_id, key in deliveries:
        programme_id, number, *extra = key.split(":")
        programme = programmes.get(int(programme_id))
        if programme is None or not number.lstrip("-").isdigit():
            continue
        anchor = programme.anchor_day
        if isinstance(anchor, str):  # SQLite hands back text
            anchor = date.fromisoformat(anchor)
        if anchor is None:
            created = programme.created_at
            if isinstance(created, str):
                created = datetime.fromisoformat(created)
            if created.tzinfo is None:
                created = created.replace(tzinfo=ZoneInfo("UTC"))
            anchor = created.astimezone(ZoneInfo(programme.timezone)).date()
        day = _day_of(programme.cadence, anchor, int(number))
        connection.execute(
            sa.text("UPDATE delivery SET cycle = :cycle WHERE id = :id"),
            {"cycle": ":".join([programme_id, day.isoformat(), *extra]), "id": delivery_id},
        )


def downgrade() -> None:
    """Day keys are not turned back into numbers: the schedule may have changed since."""
