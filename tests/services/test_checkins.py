"""Check-in rules: one answer per prompt, text encrypted and exact, old prompts refused."""

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.clock import ManualClock
from bot.core.crypto import ReflectionCipher, new_key
from bot.domain.catalogue import Catalogue
from bot.outbox.purposes import Purpose
from bot.outbox.queue import enqueue
from bot.sending.composer import CannotCompose, ComposeContext
from bot.sending.registry import Composers
from bot.services import checkins
from bot.services.checkins import read_reflection
from bot.services.errors import Refused
from bot.services.pairing import pair, unpair
from bot.texts.templates import Texts
from db.models import CheckIn, Delivery, DeliveryStatus, Role
from tests.factories import a_member, a_programme

cipher = ReflectionCipher(new_key())


async def a_student(session: AsyncSession, clock: ManualClock) -> tuple[int, int]:
    programme = await a_programme(session, clock.now())
    student = await a_member(session, clock.now(), programme, Role.STUDENT)
    return programme.id, student.member_id


async def a_prompt(
    session: AsyncSession, clock: ManualClock, programme_id: int, member_id: int, cycle: int
) -> int:
    delivery = await enqueue(
        session,
        member_id=member_id,
        purpose=Purpose.PROMPT,
        cycle=f"{programme_id}:{cycle}",
        subject_id=programme_id,
        due_at=clock.now(),
    )
    delivery.status = DeliveryStatus.SENT  # the student has it
    await session.flush()
    return delivery.id


async def test_a_prompt_can_be_answered_once(session: AsyncSession, clock: ManualClock) -> None:
    programme_id, member_id = await a_student(session, clock)
    prompt = await a_prompt(session, clock, programme_id, member_id, 1)
    await checkins.start_checkin(
        session, now=clock.now(), member_id=member_id, mood=3, delivery_id=prompt
    )

    with pytest.raises(Refused) as refusal:
        await checkins.start_checkin(
            session, now=clock.now(), member_id=member_id, mood=4, delivery_id=prompt
        )

    assert refusal.value.reason == "already_answered"


async def test_an_older_prompt_is_refused_once_a_newer_one_arrived(
    session: AsyncSession, clock: ManualClock
) -> None:
    programme_id, member_id = await a_student(session, clock)
    old = await a_prompt(session, clock, programme_id, member_id, 1)
    clock.advance(timedelta(weeks=1))
    await a_prompt(session, clock, programme_id, member_id, 2)

    with pytest.raises(Refused) as refusal:
        await checkins.start_checkin(
            session, now=clock.now(), member_id=member_id, mood=3, delivery_id=old
        )

    assert refusal.value.reason == "old_prompt"


async def test_someone_elses_prompt_is_refused(session: AsyncSession, clock: ManualClock) -> None:
    programme_id, ana = await a_student(session, clock)
    prompt = await a_prompt(session, clock, programme_id, ana, 1)
    _, bo = await a_student(session, clock)

    with pytest.raises(Refused) as refusal:
        await checkins.start_checkin(
            session, now=clock.now(), member_id=bo, mood=3, delivery_id=prompt
        )

    assert refusal.value.reason == "stale"


@pytest.mark.parametrize("mood", [0, 6, -1, 99])
async def test_a_mood_outside_the_scale_is_refused(
    session: AsyncSession, clock: ManualClock, mood: int
) -> None:
    _, member_id = await a_student(session, clock)
    with pytest.raises(Refused) as refusal:
        await checkins.start_checkin(
            session, now=clock.now(), member_id=member_id, mood=mood, delivery_id=None
        )
    assert refusal.value.reason == "stale"
    assert (await session.scalars(select(CheckIn))).all() == []


async def test_a_redelivered_message_is_not_added_twice(
    session: AsyncSession, clock: ManualClock
) -> None:
    _, member_id = await a_student(session, clock)
    started = await checkins.start_checkin(
        session, now=clock.now(), member_id=member_id, mood=3, delivery_id=None
    )
    for message_id in (10, 11, 11, 10):
        await checkins.add_text(
            session,
            member_id=member_id,
            message_id=message_id,
            text=f"part {message_id}",
            cipher=cipher,
            now=clock.now(),
        )

    entry = await session.get_one(CheckIn, started.checkin_id)
    assert entry.reflection is not None
    assert read_reflection(cipher, entry) == "part 10\n\npart 11"


async def test_starting_a_new_entry_keeps_the_unfinished_one_private(
    session: AsyncSession, clock: ManualClock
) -> None:
    _, member_id = await a_student(session, clock)
    first = await checkins.start_checkin(
        session, now=clock.now(), member_id=member_id, mood=2, delivery_id=None
    )
    await checkins.add_text(
        session, member_id=member_id, message_id=1, text="kept", cipher=cipher, now=clock.now()
    )
    await checkins.start_checkin(
        session, now=clock.now(), member_id=member_id, mood=4, delivery_id=None
    )

    earlier = await session.get_one(CheckIn, first.checkin_id)
    assert earlier.status == "done" and not earlier.shared
    assert read_reflection(cipher, earlier) == "kept"


async def test_an_entry_has_a_length_limit(session: AsyncSession, clock: ManualClock) -> None:
    _, member_id = await a_student(session, clock)
    await checkins.start_checkin(
        session, now=clock.now(), member_id=member_id, mood=3, delivery_id=None
    )
    for n in range(15):
        await checkins.add_text(
            session,
            member_id=member_id,
            message_id=n,
            text="x" * 4096,
            cipher=cipher,
            now=clock.now(),
        )
    with pytest.raises(Refused) as refusal:
        await checkins.add_text(
            session,
            member_id=member_id,
            message_id=99,
            text="x" * 4096,
            cipher=cipher,
            now=clock.now(),
        )
    assert refusal.value.reason == "too_long"


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=st.text(min_size=1, max_size=4096))
async def test_any_reflection_round_trips_exactly_through_the_database(
    session: AsyncSession, clock: ManualClock, text: str
) -> None:
    _, member_id = await a_student(session, clock)
    started = await checkins.start_checkin(
        session, now=clock.now(), member_id=member_id, mood=3, delivery_id=None
    )
    await checkins.add_text(
        session, member_id=member_id, message_id=1, text=text, cipher=cipher, now=clock.now()
    )
    await session.flush()
    session.expunge_all()

    stored = await session.get_one(CheckIn, started.checkin_id)
    assert read_reflection(cipher, stored) == text


async def test_a_redelivered_first_message_asks_the_share_question_again(
    session: AsyncSession, clock: ManualClock
) -> None:
    """The bot may have died after saving the words but before asking: ask again."""
    _, member_id = await a_student(session, clock)
    await checkins.start_checkin(
        session, now=clock.now(), member_id=member_id, mood=3, delivery_id=None
    )
    first = await checkins.add_text(
        session, member_id=member_id, message_id=7, text="only once", cipher=cipher, now=clock.now()
    )
    again = await checkins.add_text(
        session, member_id=member_id, message_id=7, text="only once", cipher=cipher, now=clock.now()
    )

    assert first is not None and again is not None
    assert first.first and again.first


async def test_an_ex_mentor_never_receives_an_entry_still_waiting_to_go_out(
    session: AsyncSession, clock: ManualClock
) -> None:
    programme = await a_programme(session, clock.now())
    ana = await a_member(session, clock.now(), programme, Role.STUDENT, name="Ana")
    lars = await a_member(session, clock.now(), programme, Role.MENTOR, name="Lars")
    await pair(
        session,
        now=clock.now(),
        programme=programme,
        student_id=ana.member_id,
        mentor_id=lars.member_id,
        actor="test",
    )
    started = await checkins.start_checkin(
        session, now=clock.now(), member_id=ana.member_id, mood=3, delivery_id=None
    )
    await checkins.finish(
        session,
        now=clock.now(),
        member_id=ana.member_id,
        checkin_id=started.checkin_id,
        share=True,
        mentor_id=lars.member_id,
    )
    copy = await session.scalar(select(Delivery).where(Delivery.purpose == Purpose.SHARED_ENTRY))
    assert copy is not None
    context = ComposeContext(Texts(), cipher, Catalogue.load())
    await Composers().compose(session, copy, context)  # while paired, it can go out

    await unpair(
        session, now=clock.now(), programme=programme, student_id=ana.member_id, actor="test"
    )

    with pytest.raises(CannotCompose, match="no longer this student's mentor"):
        await Composers().compose(session, copy, context)


async def test_a_prompt_that_never_reached_the_student_does_not_make_theirs_old(
    session: AsyncSession, clock: ManualClock
) -> None:
    programme_id, member_id = await a_student(session, clock)
    seen = await a_prompt(session, clock, programme_id, member_id, 1)
    skipped = await a_prompt(session, clock, programme_id, member_id, 2)
    (await session.get_one(Delivery, skipped)).status = DeliveryStatus.SKIPPED

    started = await checkins.start_checkin(
        session, now=clock.now(), member_id=member_id, mood=3, delivery_id=seen
    )

    assert started.mood == 3


async def a_finished_entry(
    session: AsyncSession, clock: ManualClock, *, share: bool
) -> tuple[int, int, int, checkins.Finished]:
    """Ana, paired with Lars, finishes an entry; returns her id, Lars's, the entry's and
    what finishing said."""
    programme = await a_programme(session, clock.now())
    ana = await a_member(session, clock.now(), programme, Role.STUDENT, name="Ana")
    lars = await a_member(session, clock.now(), programme, Role.MENTOR, name="Lars")
    await pair(
        session,
        now=clock.now(),
        programme=programme,
        student_id=ana.member_id,
        mentor_id=lars.member_id,
        actor="test",
    )
    started = await checkins.start_checkin(
        session, now=clock.now(), member_id=ana.member_id, mood=3, delivery_id=None
    )
    finished = await checkins.finish(
        session,
        now=clock.now(),
        member_id=ana.member_id,
        checkin_id=started.checkin_id,
        share=share,
        mentor_id=lars.member_id if share else None,
    )
    return ana.member_id, lars.member_id, started.checkin_id, finished


@pytest.mark.parametrize("share", [True, False])
async def test_finishing_an_entry_again_the_same_way_answers_as_the_first_time(
    session: AsyncSession, clock: ManualClock, share: bool
) -> None:
    ana, lars, entry, first = await a_finished_entry(session, clock, share=share)

    again = await checkins.finish(
        session,
        now=clock.now(),
        member_id=ana,
        checkin_id=entry,
        share=share,
        mentor_id=lars if share else None,
    )

    assert again == first == checkins.Finished(share, "Lars")
    copies = await session.scalars(select(Delivery).where(Delivery.purpose == Purpose.SHARED_ENTRY))
    assert len(copies.all()) == (1 if share else 0)


@pytest.mark.parametrize(("share", "reason"), [(True, "already_shared"), (False, "already_kept")])
async def test_finishing_an_entry_the_other_way_changes_nothing_and_says_how_it_ended(
    session: AsyncSession, clock: ManualClock, share: bool, reason: str
) -> None:
    ana, lars, entry, _ = await a_finished_entry(session, clock, share=share)

    with pytest.raises(Refused) as refusal:
        await checkins.finish(
            session,
            now=clock.now(),
            member_id=ana,
            checkin_id=entry,
            share=not share,
            mentor_id=None if share else lars,
        )

    assert refusal.value.reason == reason
    checkin = await session.get_one(CheckIn, entry)
    assert checkin.shared == share
