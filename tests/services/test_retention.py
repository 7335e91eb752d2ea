"""Retention: a year after a programme's last day its personal data is erased as /forget
erases it, a week after its coordinators were told (once); the anonymous counts stay."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.clock import ManualClock
from bot.core.durations import parse_period
from bot.domain.catalogue import Catalogue
from bot.outbox.purposes import Purpose
from bot.sending.composer import CannotCompose, ComposeContext
from bot.sending.outgoing import Text
from bot.sending.registry import Composers
from bot.services.audit import member_actor
from bot.services.erasure import is_erased
from bot.services.members import Person
from bot.services.retention import (
    NOTICE_AHEAD,
    apply_retention,
    erasure_day,
    erasure_start,
    set_retention,
)
from bot.services.roster import import_roster
from bot.services.schedules import set_schedule
from bot.texts.templates import Texts
from db.models import (
    AuditEvent,
    CheckIn,
    Delivery,
    Member,
    Pair,
    PairStatus,
    RelayLink,
    Role,
)
from tests.factories import a_member, a_programme, an_invite
from tests.services.data_rights_cast import (
    ANA_NAME,
    ANA_TELEGRAM_ID,
    SECRET_TEXT,
    Cast,
    a_cast,
    cipher,
)
from tests.services.test_erasure import counts, every_value, traces

LAST_DAY = date(2026, 10, 31)


async def an_ended_programme(session: AsyncSession, clock: ManualClock) -> Cast:
    cast = await a_cast(session, clock)
    await set_schedule(
        session, now=clock.now(), programme=cast.programme, actor="test", last_day=LAST_DAY
    )
    await session.commit()
    return cast


async def run(session: AsyncSession, clock: ManualClock, at: datetime) -> tuple[int, int]:
    """One look, as the periodic job takes it, in its own transaction: (notices, runs)."""
    clock.set(at)
    report = await apply_retention(session, now=clock.now())
    await session.commit()
    return report.notices_queued, len(report.runs)


async def notices(session: AsyncSession) -> list[tuple[int, str]]:
    rows = await session.execute(
        select(Delivery.member_id, Delivery.cycle).where(
            Delivery.purpose == Purpose.RETENTION_NOTICE
        )
    )
    return [tuple(row) for row in rows]


async def test_the_default_keeps_twelve_months_after_the_last_day(
    session: AsyncSession, clock: ManualClock
) -> None:
    cast = await an_ended_programme(session, clock)

    assert cast.programme.retention == "12m"
    assert erasure_day(cast.programme) == date(2027, 11, 1)
    # Midnight in Stockholm, an hour ahead of UTC in November.
    assert erasure_start(cast.programme) == datetime(2027, 10, 31, 23, 0, tzinfo=UTC)


async def test_the_coordinator_is_told_a_week_before_and_only_once(
    session: AsyncSession, clock: ManualClock
) -> None:
    cast = await an_ended_programme(session, clock)
    start = erasure_start(cast.programme)
    assert start is not None

    assert await run(session, clock, start - NOTICE_AHEAD - timedelta(minutes=1)) == (0, 0)
    assert await notices(session) == []
    assert await run(session, clock, start - NOTICE_AHEAD) == (1, 0)
    # Again, as after a restart, and the next day: nothing new.
    assert await run(session, clock, start - NOTICE_AHEAD + timedelta(minutes=15)) == (0, 0)
    assert await run(session, clock, start - timedelta(days=1)) == (0, 0)

    assert await notices(session) == [(cast.maja, f"retention:{cast.programme.id}:2027-11-01")]
    member = await session.get_one(Member, cast.ana)
    assert member.display_name == ANA_NAME  # nothing erased before the day


async def test_on_the_day_everything_personal_goes_and_the_counts_stay(
    session: AsyncSession, clock: ManualClock
) -> None:
    cast = await an_ended_programme(session, clock)
    await an_invite(session, clock.now(), cast.programme, Role.STUDENT, name="Nils Never-came")
    maja_telegram_id = (await session.get_one(Member, cast.maja)).telegram_user_id
    await import_roster(
        session,
        now=clock.now(),
        programme=cast.programme,
        rows=(),
        actor=member_actor(cast.maja),
        expires_in=timedelta(days=30),
        source=f"telegram:{maja_telegram_id}:5",  # as a roster sent in the chat is audited
    )
    await session.commit()
    start = erasure_start(cast.programme)
    assert start is not None
    ciphertexts = (
        await session.scalars(select(CheckIn.reflection).where(CheckIn.reflection.is_not(None)))
    ).all()
    before = await counts(session, cast.programme.id)
    assert len(ciphertexts) == 2

    await run(session, clock, start - NOTICE_AHEAD)
    assert await run(session, clock, start - timedelta(minutes=1)) == (0, 0)
    assert await run(session, clock, start) == (0, 1)

    after = await every_value(session)
    names = (ANA_NAME, "Ana on Telegram", "Lars Ek", "Maja Holm", "Nils Never-came")
    assert traces(after, *names, SECRET_TEXT) == []
    assert traces(after, ANA_TELEGRAM_ID, maja_telegram_id) == []
    assert traces(after, *ciphertexts) == []
    assert await session.scalar(select(func.count()).select_from(RelayLink)) == 0
    for member_id in (cast.ana, cast.lars, cast.maja):
        assert is_erased(await session.get_one(Member, member_id))
    assert (await session.get_one(Pair, cast.pair_id)).status == PairStatus.ENDED
    assert await counts(session, cast.programme.id) == before  # moods, meetings, pairs
    # The pair ended quietly: nobody is told of an erasure they did not ask for.
    told = await session.scalars(
        select(Delivery.purpose).where(Delivery.purpose == Purpose.PAIR_ENDED)
    )
    assert told.all() == []

    event = await session.scalar(select(AuditEvent).where(AuditEvent.kind == "retention"))
    assert event is not None and event.actor == "retention"
    assert event.programme_id == cast.programme.id
    assert event.details == {
        "programme_id": cast.programme.id,
        "erasure_day": "2027-11-01",
        "members_erased": 3,
        "members_kept_for_other_programmes": 0,
        "reflections_erased": 2,
        "entries_kept_anonymously": 3,
        "pairs_ended": 1,
        "relay_links_removed": 1,
        "conversations_closed": 1,
        "invites_cleared": 1,  # Nils's; the used ones went with their members
        "roster_sources_cleared": 1,
    }
    erasures = await session.scalars(
        select(AuditEvent.actor).where(AuditEvent.kind == "erasure").order_by(AuditEvent.id)
    )
    assert erasures.all() == ["retention"] * 3

    # Later looks find nothing left: no second run, no second event, no new notice.
    assert await run(session, clock, start + timedelta(days=30)) == (0, 0)
    assert (
        await session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.kind == "retention")
        )
        == 1
    )


async def test_a_late_notice_puts_the_erasure_a_week_after_it(
    session: AsyncSession, clock: ManualClock
) -> None:
    """The bot was down over the notice week: it tells now and erases a week later."""
    cast = await an_ended_programme(session, clock)
    start = erasure_start(cast.programme)
    assert start is not None
    late = start + timedelta(days=3)

    assert await run(session, clock, late) == (1, 0)
    assert await run(session, clock, late + NOTICE_AHEAD - timedelta(minutes=1)) == (0, 0)
    assert not is_erased(await session.get_one(Member, cast.ana))
    assert await run(session, clock, late + NOTICE_AHEAD) == (0, 1)
    assert is_erased(await session.get_one(Member, cast.ana))


async def test_someone_in_a_programme_that_runs_on_keeps_their_name_not_the_words(
    session: AsyncSession, clock: ManualClock
) -> None:
    cast = await an_ended_programme(session, clock)
    running = await a_programme(session, clock.now())  # no last day: it runs on
    ana_on_telegram = Person(ANA_TELEGRAM_ID, "Ana on Telegram", "en")
    again = await a_member(
        session, clock.now(), running, Role.STUDENT, name=ANA_NAME, person=ana_on_telegram
    )
    await session.commit()
    assert again.member_id == cast.ana  # one person, two programmes
    start = erasure_start(cast.programme)
    assert start is not None

    await run(session, clock, start - NOTICE_AHEAD)
    assert await run(session, clock, start) == (0, 1)

    ana = await session.get_one(Member, cast.ana)
    assert ana.display_name == ANA_NAME and not is_erased(ana)
    assert is_erased(await session.get_one(Member, cast.lars))
    words = await session.scalars(
        select(CheckIn.reflection).where(CheckIn.programme_id == cast.programme.id)
    )
    assert words.all() == [None, None, None]
    event = await session.scalar(select(AuditEvent).where(AuditEvent.kind == "retention"))
    assert event is not None
    kept = (event.details["members_erased"], event.details["members_kept_for_other_programmes"])
    assert kept == (2, 1)


async def test_a_programme_without_a_last_day_keeps_its_data(
    session: AsyncSession, clock: ManualClock
) -> None:
    cast = await a_cast(session, clock)
    await session.commit()

    assert erasure_day(cast.programme) is None
    assert await run(session, clock, datetime(2036, 1, 1, tzinfo=UTC)) == (0, 0)
    assert not is_erased(await session.get_one(Member, cast.ana))


async def test_a_changed_retention_is_told_again_and_the_old_notice_is_not_sent(
    session: AsyncSession, clock: ManualClock
) -> None:
    cast = await an_ended_programme(session, clock)
    start = erasure_start(cast.programme)
    assert start is not None
    await run(session, clock, start - NOTICE_AHEAD)
    (old,) = (
        await session.scalars(select(Delivery).where(Delivery.purpose == Purpose.RETENTION_NOTICE))
    ).all()
    context = ComposeContext(Texts(), cipher, Catalogue.load())

    day = await set_retention(
        session,
        now=clock.now(),
        programme=cast.programme,
        retention=parse_period("2y"),
        actor="test",
    )
    await session.commit()

    assert day == date(2028, 11, 1)
    with pytest.raises(CannotCompose, match="the erasure day changed"):
        await Composers().compose(session, old, context)
    assert await run(session, clock, start) == (0, 0)  # not erased on the old day
    new_start = erasure_start(cast.programme)
    assert new_start is not None
    assert await run(session, clock, new_start - NOTICE_AHEAD) == (1, 0)
    changed = await session.scalar(
        select(AuditEvent.details).where(AuditEvent.kind == "retention_changed")
    )
    assert changed == {"retention": "2y"}


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "en",
            "In a week, on 2027-11-01, frizon erases the personal data of <b>{programme}</b>: "
            "12 months after its last day, 2026-10-31, as its retention rule says. Every "
            "reflection and voice note goes, and every member's name and Telegram account, as "
            "if each had used /forget; someone still in another programme keeps their name "
            "until that one's turn. The anonymous counts stay, so statistics and exports read "
            "as before.\n\nTo keep it longer, run <code>frizon programme set {q}{programme}{q} "
            "--retention 24m</code> before then.",
        ),
        (
            "sv",
            "Om en vecka, den 2027-11-01, raderar frizon personuppgifterna i <b>{programme}</b>: "
            "12 månader efter sista dagen, 2026-10-31, som programmets lagringsregel säger. Alla "
            "reflektioner och röstmeddelanden försvinner, liksom varje deltagares namn och "
            "Telegramkonto, som om var och en hade använt /forget; den som är med i ett annat "
            "program behåller sitt namn tills det programmets tur kommer. De anonyma siffrorna "
            "finns kvar, så statistik och exporter ser ut som förut.\n\nVill du spara "
            "uppgifterna längre kör du <code>frizon programme set {q}{programme}{q} "
            "--retention 24m</code> innan dess.",
        ),
    ],
)
async def test_the_notice_reads_in_the_coordinators_language(
    session: AsyncSession, clock: ManualClock, language: str, expected: str
) -> None:
    cast = await an_ended_programme(session, clock)
    maja = await session.get_one(Member, cast.maja)
    maja.language = language
    start = erasure_start(cast.programme)
    assert start is not None
    await run(session, clock, start - NOTICE_AHEAD)
    (notice,) = (
        await session.scalars(select(Delivery).where(Delivery.purpose == Purpose.RETENTION_NOTICE))
    ).all()

    outgoing = await Composers().compose(
        session, notice, ComposeContext(Texts(), cipher, Catalogue.load())
    )

    assert outgoing.chat_id == maja.telegram_user_id
    name = cast.programme.name
    assert outgoing.parts == (Text(expected.format(programme=name, q='"')),)


def test_periods_count_calendar_months_and_refuse_what_is_not_one() -> None:
    assert parse_period("12m").after(date(2026, 11, 1)) == date(2027, 11, 1)
    assert parse_period("1m").after(date(2027, 1, 31)) == date(2027, 2, 28)
    assert parse_period("2Y").after(date(2028, 2, 29)) == date(2030, 2, 28)
    assert parse_period("8w").after(date(2026, 11, 1)) == date(2026, 12, 27)
    assert parse_period("90d").after(date(2026, 11, 1)) == date(2027, 1, 30)
    assert str(parse_period(" 18m ")) == "18m"
    for bad in ("12", "12 months", "0m", "-1m", "1h", ""):
        with pytest.raises(ValueError, match="period"):
            parse_period(bad)
