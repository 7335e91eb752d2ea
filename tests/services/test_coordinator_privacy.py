"""Everything a coordinator can reach — statistics in every format, the /stats summary,
the chart's numbers, every export, the audit trail — holds no reflection text and no
student's own mood or response rate, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.clock import ManualClock
from bot.core.crypto import ReflectionCipher, new_key
from bot.domain.exports import What
from bot.reports.formats import as_csv, as_json
from bot.services.checkins import add_text, start_checkin
from bot.services.exports import csv_text, export
from bot.services.stats import programme_stats
from bot.texts.templates import Texts
from db.models import AuditEvent, Role
from handlers.stats import summary_variables
from tests.services.test_stats import SINCE, TODAY, members_in_role, seeded, with_weeks

WORDS = "the night the patient in bed four died I could not stop shaking"


async def test_nothing_a_coordinator_reaches_holds_words_or_one_students_mood(
    session: AsyncSession, clock: ManualClock
) -> None:
    programme = await seeded(session, clock, students=6)
    await with_weeks(session, clock, programme)
    # A lone entry in a quiet week, with words: the only entry that week, by one student.
    ana = (await members_in_role(session, programme.id, Role.STUDENT))[0]
    clock.set(datetime(2026, 8, 26, 21, tzinfo=UTC))
    await start_checkin(session, now=clock.now(), member_id=ana.id, mood=1, delivery_id=None)
    await add_text(
        session,
        member_id=ana.id,
        message_id=1,
        text=WORDS,
        cipher=ReflectionCipher(new_key()),
        now=clock.now(),
    )
    clock.set(datetime(2026, 9, 7, 8, tzinfo=UTC))

    stats = await programme_stats(
        session, programme=programme, today=TODAY, min_group_size=5, since=SINCE
    )
    reachable = [
        as_json(stats),
        as_csv(stats),
        Texts().render("stats/summary", "en", **summary_variables(stats)),
        repr(stats),
    ]
    for what in What:
        made = await export(
            session,
            now=clock.now(),
            programme=programme,
            what=what,
            min_group_size=5,
            actor="test",
            erased_name="Former member",
        )
        reachable.append(csv_text(made.table))
    reachable += [repr(e.details) for e in await session.scalars(select(AuditEvent))]

    lone_week = next(week for week in stats.weeks if week.week.isoformat() == "2026-08-24")
    assert lone_week.wrote and lone_week.moods is None  # one author: hidden
    for text in reachable:
        assert WORDS not in text and "bed four" not in text
        # Names appear with pairs and meetings (not secret), never beside a mood or rate.
        for line in text.splitlines():
            if ana.display_name in line:
                assert "mood" not in line.lower() and "%" not in line, line
