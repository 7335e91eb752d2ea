"""Matching suggestions from the database: what the roster said, who is free, accepting."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.clock import ManualClock
from bot.domain.matching import (
    NO_SHARED_LANGUAGE,
    NOT_REACHABLE,
    ONLY_ENDED_PAIRS,
    PLACES_TAKEN,
    Proposal,
)
from bot.domain.roster import read_roster
from bot.outbox.purposes import Purpose
from bot.services.enrolment import enrol
from bot.services.matching import apply, suggestions
from bot.services.pairing import pair, unpair
from bot.services.roster import import_roster
from db.models import AuditEvent, Delivery, Member, MemberStatus, Pair, PairStatus, Programme, Role
from tests.factories import a_member, a_person, a_programme

ROSTER = """name,role,language,mentor,capacity,campus,interests
Dr Lars Ek,mentor,sv,,1,Lund,surgery;paediatrics
Eva Holm,mentor,en,,2,Malmö,psychiatry
Ana Berg,student,sv,Dr Lars Ek,,Lund,surgery
Bo Lind,student,en,,,Malmö,psychiatry;gp
"""


async def enrol_roster(
    session: AsyncSession, clock: ManualClock, programme: Programme, csv: str
) -> dict[str, int]:
    """Import a roster and let everyone on it use their invite; their member ids by name."""
    roster = read_roster(csv.encode())
    assert roster.problems == ()
    issued = await import_roster(
        session,
        now=clock.now(),
        programme=programme,
        rows=roster.rows,
        actor="test",
        expires_in=timedelta(days=30),
    )
    ids = {}
    for invite in issued:
        enrolment = await enrol(
            session,
            now=clock.now(),
            token=invite.token,
            person=a_person(invite.name.split()[0]),
            mentor_capacity=3,
        )
        ids[invite.name] = enrolment.member_id
    return ids


def readable(proposal: Proposal) -> list[tuple[str, str, list[str]]]:
    return [
        (s.student_name, s.mentor_name, [str(r) for r in s.reasons]) for s in proposal.suggestions
    ]


async def test_suggestions_follow_the_roster_preference_tags_and_language(
    session: AsyncSession, clock: ManualClock
) -> None:
    programme = await a_programme(session, clock.now())
    await enrol_roster(session, clock, programme, ROSTER)

    proposal = await suggestions(session, programme_id=programme.id)

    assert readable(proposal) == [
        (
            "Ana Berg",
            "Dr Lars Ek",
            ["asked for Dr Lars Ek", "both campus Lund", "both interested in surgery", "speaks sv"],
        ),
        (
            "Bo Lind",
            "Eva Holm",
            ["both campus Malmö", "both interested in psychiatry", "speaks en"],
        ),
    ]
    assert proposal.unmatched == ()


async def test_a_languages_tag_adds_languages_a_mentor_speaks(
    session: AsyncSession, clock: ManualClock
) -> None:
    programme = await a_programme(session, clock.now())
    await enrol_roster(
        session,
        clock,
        programme,
        "name,role,language,languages\nDr Lars Ek,mentor,sv,sv;en\nBo Lind,student,en,\n",
    )

    proposal = await suggestions(session, programme_id=programme.id)

    assert readable(proposal) == [("Bo Lind", "Dr Lars Ek", ["speaks en"])]


async def test_a_roster_preference_finds_a_mentor_who_kept_their_own_name(
    session: AsyncSession, clock: ManualClock
) -> None:
    programme = await a_programme(session, clock.now())
    earlier = await a_programme(session, clock.now())
    lars = a_person("Lars", language_code="sv")
    await a_member(session, clock.now(), earlier, Role.MENTOR, name="Lars", person=lars)
    issued = await import_roster(
        session,
        now=clock.now(),
        programme=programme,
        rows=read_roster(
            b"name,role,language,mentor,capacity\nDr Lars Ek,mentor,sv,,1\n"
            b"Eva Holm,mentor,sv,,5\nAna Berg,student,sv,Dr Lars Ek,\n"
        ).rows,
        actor="test",
        expires_in=timedelta(days=30),
    )
    people = [lars, a_person("Eva Holm"), a_person("Ana Berg")]
    for invite, person in zip(issued, people, strict=True):
        await enrol(session, now=clock.now(), token=invite.token, person=person, mentor_capacity=3)

    proposal = await suggestions(session, programme_id=programme.id)

    assert readable(proposal) == [("Ana Berg", "Lars", ["asked for Dr Lars Ek", "speaks sv"])]


async def test_paired_students_and_full_mentors_are_left_out(
    session: AsyncSession, clock: ManualClock
) -> None:
    programme = await a_programme(session, clock.now())
    ids = await enrol_roster(session, clock, programme, ROSTER)
    await pair(
        session,
        now=clock.now(),
        programme=programme,
        student_id=ids["Bo Lind"],
        mentor_id=ids["Dr Lars Ek"],
        actor="test",
    )

    proposal = await suggestions(session, programme_id=programme.id)

    # Dr Ek (capacity 1) is full, and Eva speaks English only.
    assert proposal.suggestions == ()
    assert [(u.student_name, u.why) for u in proposal.unmatched] == [
        ("Ana Berg", NO_SHARED_LANGUAGE)
    ]


async def test_an_ended_pair_is_not_proposed_again(
    session: AsyncSession, clock: ManualClock
) -> None:
    programme = await a_programme(session, clock.now())
    ids = await enrol_roster(session, clock, programme, ROSTER)
    await pair(
        session,
        now=clock.now(),
        programme=programme,
        student_id=ids["Ana Berg"],
        mentor_id=ids["Dr Lars Ek"],
        actor="test",
    )
    await unpair(
        session, now=clock.now(), programme=programme, student_id=ids["Ana Berg"], actor="t"
    )

    proposal = await suggestions(session, programme_id=programme.id)

    assert [s.student_name for s in proposal.suggestions] == ["Bo Lind"]
    assert [(u.student_name, u.why) for u in proposal.unmatched] == [("Ana Berg", ONLY_ENDED_PAIRS)]


async def test_a_student_who_blocked_the_bot_is_not_suggested_and_is_named(
    session: AsyncSession, clock: ManualClock
) -> None:
    programme = await a_programme(session, clock.now())
    ids = await enrol_roster(session, clock, programme, ROSTER)
    (await session.get_one(Member, ids["Ana Berg"])).status = MemberStatus.BLOCKED
    (await session.get_one(Member, ids["Eva Holm"])).status = MemberStatus.LEFT
    await session.flush()

    proposal = await suggestions(session, programme_id=programme.id)

    assert proposal.suggestions == ()
    assert [(u.student_name, u.why) for u in proposal.unmatched] == [
        ("Ana Berg", NOT_REACHABLE),
        ("Bo Lind", NO_SHARED_LANGUAGE),
    ]


async def test_accepting_pairs_them_introduces_both_and_audits(
    session: AsyncSession, clock: ManualClock
) -> None:
    programme = await a_programme(session, clock.now())
    await enrol_roster(session, clock, programme, ROSTER)
    proposal = await suggestions(session, programme_id=programme.id)

    applied = await apply(
        session,
        now=clock.now(),
        programme=programme,
        accepted=[(s.student_id, s.mentor_id) for s in proposal.suggestions],
        actor="member:1",
    )

    assert [(p.student_name, p.mentor_name) for p in applied.paired] == [
        ("Ana Berg", "Dr Lars Ek"),
        ("Bo Lind", "Eva Holm"),
    ]
    assert applied.declined == ()
    intros = (
        await session.scalars(select(Delivery).where(Delivery.purpose == Purpose.INTRO))
    ).all()
    assert len(intros) == 4
    events = (await session.scalars(select(AuditEvent).where(AuditEvent.kind == "paired"))).all()
    assert [e.actor for e in events] == ["member:1", "member:1"]
    assert (await suggestions(session, programme_id=programme.id)) == Proposal((), ())


async def test_a_suggestion_that_went_stale_is_declined_and_the_others_go_through(
    session: AsyncSession, clock: ManualClock
) -> None:
    programme = await a_programme(session, clock.now())
    ids = await enrol_roster(session, clock, programme, ROSTER)
    proposal = await suggestions(session, programme_id=programme.id)
    # Meanwhile someone pairs Ana by hand with Eva... who then has one place left.
    await pair(
        session,
        now=clock.now(),
        programme=programme,
        student_id=ids["Ana Berg"],
        mentor_id=ids["Eva Holm"],
        actor="test",
    )

    applied = await apply(
        session,
        now=clock.now(),
        programme=programme,
        accepted=[(s.student_id, s.mentor_id) for s in proposal.suggestions],
        actor="test",
    )

    assert [(p.student_name, p.mentor_name) for p in applied.paired] == [("Bo Lind", "Eva Holm")]
    assert [(d.student_name, d.mentor_name, d.reason) for d in applied.declined] == [
        ("Ana Berg", "Dr Lars Ek", "student_has_mentor")
    ]
    active = await session.scalars(select(Pair).where(Pair.status == PairStatus.ACTIVE))
    assert len(active.all()) == 2


async def test_a_full_mentor_is_declined_with_the_capacity(
    session: AsyncSession, clock: ManualClock
) -> None:
    programme = await a_programme(session, clock.now())
    ids = await enrol_roster(
        session,
        clock,
        programme,
        "name,role,language,capacity\nDr Ek,mentor,sv,1\nAna,student,sv,\nCy,student,sv,\n",
    )

    applied = await apply(
        session,
        now=clock.now(),
        programme=programme,
        accepted=[(ids["Ana"], ids["Dr Ek"]), (ids["Cy"], ids["Dr Ek"])],
        actor="test",
    )

    assert [p.student_name for p in applied.paired] == ["Ana"]
    assert [(d.student_name, d.reason, d.details) for d in applied.declined] == [
        ("Cy", "mentor_full", {"mentor": "Dr Ek", "capacity": 1})
    ]


async def test_accepting_what_matching_would_never_suggest_is_declined(
    session: AsyncSession, clock: ManualClock
) -> None:
    programme = await a_programme(session, clock.now())
    ids = await enrol_roster(session, clock, programme, ROSTER)
    await pair(
        session,
        now=clock.now(),
        programme=programme,
        student_id=ids["Bo Lind"],
        mentor_id=ids["Eva Holm"],
        actor="test",
    )
    await unpair(
        session, now=clock.now(), programme=programme, student_id=ids["Bo Lind"], actor="t"
    )
    pairs_before = len((await session.scalars(select(Pair))).all())

    applied = await apply(
        session,
        now=clock.now(),
        programme=programme,
        accepted=[
            (ids["Bo Lind"], ids["Eva Holm"]),  # ended before
            (ids["Ana Berg"], ids["Eva Holm"]),  # Ana speaks Swedish, Eva English
            (ids["Eva Holm"], ids["Dr Lars Ek"]),  # Eva is not a student
            (999_999, ids["Dr Lars Ek"]),  # nobody
        ],
        actor="test",
    )

    assert applied.paired == ()
    assert [(d.student_name, d.reason) for d in applied.declined] == [
        ("Bo Lind", "ended_before"),
        ("Ana Berg", "no_shared_language"),
        ("Eva Holm", "not_a_student"),
        ("member 999999", "not_a_student"),
    ]
    assert len((await session.scalars(select(Pair))).all()) == pairs_before


async def test_places_taken_by_others_are_explained(
    session: AsyncSession, clock: ManualClock
) -> None:
    programme = await a_programme(session, clock.now())
    await enrol_roster(
        session,
        clock,
        programme,
        "name,role,language,capacity\nDr Ek,mentor,sv,1\nAna,student,sv,\nCy,student,sv,\n",
    )

    proposal = await suggestions(session, programme_id=programme.id)

    assert [(s.student_name, s.mentor_name) for s in proposal.suggestions] == [("Ana", "Dr Ek")]
    assert [(u.student_name, u.why) for u in proposal.unmatched] == [("Cy", PLACES_TAKEN)]
