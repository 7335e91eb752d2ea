"""Matching through the real bot: a roster, everyone enrols, a coordinator accepts /match
suggestions, and both sides of every new pair are introduced."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from bot.domain.roster import read_roster
from bot.sandbox import SandboxUser
from bot.services.roster import import_roster
from db.models import AuditEvent, Pair, PairStatus, Programme, Role
from tests.e2e.harness import RunningBot

ROSTER = """name,role,language,mentor,capacity,campus,interests
Lars Ek,mentor,en,,1,Lund,surgery;paediatrics
Eva Holm,mentor,en,,2,Malmö,psychiatry
Ana Berg,student,en,Lars Ek,,Lund,surgery
Bo Lind,student,en,,,Malmö,psychiatry
"""


async def enrolled_from_roster(
    bot: RunningBot, programme: Programme, roster: str = ROSTER
) -> dict[str, SandboxUser]:
    """Import the roster and let everyone on it open their invite link."""
    async with bot.sessionmaker() as session, session.begin():
        issued = await import_roster(
            session,
            now=bot.clock.now(),
            programme=programme,
            rows=read_roster(roster.encode()).rows,
            actor="test",
            expires_in=timedelta(days=30),
        )
    users = {}
    for invite in issued:
        user = bot.user(invite.name.split()[0])
        bot.says(user, f"/start {invite.token}")
        await bot.hears(user, programme.name)
        await bot.hears(user, "/timezone")
        users[invite.name] = user
    return users


def labels(message: dict[str, Any]) -> list[str]:
    return [b["text"] for row in message["reply_markup"]["inline_keyboard"] for b in row]


async def active_pairs(bot: RunningBot) -> list[tuple[int, int]]:
    async with bot.sessionmaker() as session:
        pairs = await session.scalars(select(Pair).where(Pair.status == PairStatus.ACTIVE))
        return sorted((p.student_id, p.mentor_id) for p in pairs)


async def test_a_coordinator_accepts_all_suggestions_and_everyone_is_introduced(
    bot: RunningBot,
) -> None:
    programme = await bot.programme("Clinical mentoring")
    maja = await bot.enrolled(programme, Role.COORDINATOR, "Maja")
    people = await enrolled_from_roster(bot, programme)

    bot.says(maja, "/match")
    offer = await bot.hears(maja, "suggested mentors")

    assert "Ana Berg → Lars Ek" in offer["text"]
    assert "asked for Lars Ek; both campus Lund; both interested in surgery" in offer["text"]
    assert "Bo Lind → Eva Holm" in offer["text"]
    assert "both campus Malmö; both interested in psychiatry; speaks en" in offer["text"]
    assert labels(offer) == [
        "Accept: Ana Berg → Lars Ek",
        "Accept: Bo Lind → Eva Holm",
        "Accept all 2 shown",
    ]
    assert await active_pairs(bot) == []  # nothing happens until accepted

    await bot.presses(maja, offer, "Accept all")

    done = await bot.hears(maja, "Done")
    assert "Ana Berg is paired with Lars Ek; Bo Lind is paired with Eva Holm" in done["text"]
    assert "has no students waiting for a mentor" in done["text"]
    assert "reply_markup" not in done or not done["reply_markup"]
    assert (
        "You have a mentor in Clinical mentoring: Lars Ek"
        in (await bot.hears(people["Ana Berg"], "mentor"))["text"]
    )
    assert (
        "new mentee in Clinical mentoring: Ana Berg"
        in (await bot.hears(people["Lars Ek"], "mentee"))["text"]
    )
    await bot.hears(people["Bo Lind"], "Eva Holm")
    await bot.hears(people["Eva Holm"], "Bo Lind")
    async with bot.sessionmaker() as session:
        audits = (
            await session.scalars(select(AuditEvent.actor).where(AuditEvent.kind == "paired"))
        ).all()
    assert len(audits) == 2 and all(actor.startswith("member:") for actor in audits)


async def test_accepting_one_suggestion_pairs_it_and_offers_the_rest(bot: RunningBot) -> None:
    programme = await bot.programme()
    maja = await bot.enrolled(programme, Role.COORDINATOR, "Maja")
    people = await enrolled_from_roster(bot, programme)
    bot.says(maja, "/match")
    offer = await bot.hears(maja, "suggested mentors")

    await bot.presses(maja, offer, "Accept: Bo Lind")

    after = await bot.hears(maja, "Done")
    assert after["message_id"] == offer["message_id"]  # the newest offer: edited in place
    assert "Bo Lind is paired with Eva Holm" in after["text"]
    assert labels(after) == ["Accept: Ana Berg → Lars Ek"]
    await bot.hears(people["Bo Lind"], "You have a mentor")
    await bot.hears(people["Eva Holm"], "new mentee")
    assert len(await active_pairs(bot)) == 1


async def test_a_stale_suggestion_is_explained_and_the_others_still_go_through(
    bot: RunningBot,
) -> None:
    programme = await bot.programme()
    maja = await bot.enrolled(programme, Role.COORDINATOR, "Maja")
    await enrolled_from_roster(bot, programme)
    bot.says(maja, "/match")
    first = await bot.hears(maja, "suggested mentors")
    bot.says(maja, "/match")
    second = await bot.hears(maja, "suggested mentors")
    await bot.presses(maja, first, "Accept: Ana Berg")
    await bot.hears(maja, "Done")

    await bot.presses(maja, second, "Accept all")

    outcome = (await bot.hears(maja, "Bo Lind"))["text"]
    assert "Done: Bo Lind is paired with Eva Holm" in outcome
    assert "Not paired: Ana Berg and Lars Ek, because they are paired already" in outcome
    assert "nothing happened for it" in outcome
    assert len(await active_pairs(bot)) == 2


def as_now(bot: RunningBot, user: SandboxUser, message: dict[str, Any]) -> dict[str, Any]:
    """The message as the chat shows it now (text, buttons, whether edited)."""
    (now,) = [
        m for m in bot.sandbox.state.messages(user.id) if m["message_id"] == message["message_id"]
    ]
    return {key: now[key] for key in ("text", "reply_markup", "edited")}


async def test_an_old_accept_answers_at_the_bottom_and_leaves_the_old_offer_alone(
    bot: RunningBot,
) -> None:
    programme = await bot.programme()
    maja = await bot.enrolled(programme, Role.COORDINATOR, "Maja")
    people = await enrolled_from_roster(bot, programme)
    bot.says(maja, "/match")
    old = await bot.hears(maja, "suggested mentors")
    bot.says(maja, "/match")
    newest = await bot.hears(maja, "suggested mentors")
    before = as_now(bot, maja, old), as_now(bot, maja, newest)

    await bot.presses(maja, old, "Accept: Bo Lind")

    answer = await bot.hears(maja, "Done")
    assert "Bo Lind is paired with Eva Holm" in answer["text"]
    assert labels(answer) == ["Accept: Ana Berg → Lars Ek"]
    assert bot.sandbox.state.messages(maja.id)[-1]["message_id"] == answer["message_id"]
    assert answer["message_id"] > newest["message_id"]
    assert (as_now(bot, maja, old), as_now(bot, maja, newest)) == before
    await bot.hears(people["Bo Lind"], "You have a mentor")

    # The answer is now the newest offer: its own Accept edits it where it is.
    await bot.presses(maja, answer, "Accept: Ana Berg")
    done = await bot.hears(maja, "Ana Berg is paired")
    assert done["message_id"] == answer["message_id"]
    assert len(await active_pairs(bot)) == 2


async def test_a_student_taken_by_hand_meanwhile_gets_a_kind_explanation(
    bot: RunningBot,
) -> None:
    programme = await bot.programme()
    maja = await bot.enrolled(programme, Role.COORDINATOR, "Maja")
    people = await enrolled_from_roster(bot, programme)
    bot.says(maja, "/match")
    offer = await bot.hears(maja, "suggested mentors")
    await bot.pair(programme, people["Ana Berg"], people["Eva Holm"])

    await bot.presses(maja, offer, "Accept: Ana Berg")

    outcome = (await bot.hears(maja, "Not paired"))["text"]
    assert "because Ana Berg has a mentor now (Eva Holm)" in outcome
    assert len(await active_pairs(bot)) == 1


async def test_unmatched_students_are_named_with_why(bot: RunningBot) -> None:
    programme = await bot.programme()
    maja = await bot.enrolled(programme, Role.COORDINATOR, "Maja")
    await enrolled_from_roster(
        bot, programme, "name,role,language\nLars Ek,mentor,sv\nAna Berg,student,en\n"
    )

    bot.says(maja, "/match")

    reply = (await bot.hears(maja, "no suggestions"))["text"]
    assert "Ana Berg: no mentor with room speaks their language" in reply


async def test_matching_with_nobody_waiting_says_so(bot: RunningBot) -> None:
    programme = await bot.programme("Quiet")
    maja = await bot.enrolled(programme, Role.COORDINATOR, "Maja")

    bot.says(maja, "/match")

    assert "Quiet has no students waiting for a mentor" in (await bot.hears(maja))["text"]


async def test_students_and_mentors_cannot_match(bot: RunningBot) -> None:
    programme = await bot.programme()
    people = await enrolled_from_roster(bot, programme)

    for name in ("Ana Berg", "Lars Ek"):
        bot.says(people[name], "/match")
        assert "only a programme coordinator" in (await bot.hears(people[name]))["text"]
    assert await active_pairs(bot) == []


async def test_after_a_restart_an_accept_answers_at_the_bottom(bot: RunningBot) -> None:
    """Which offer is newest is remembered in memory only: with nothing remembered (the bot
    was restarted), every Accept answers with a new message rather than edit far up."""
    programme = await bot.programme()
    maja = await bot.enrolled(programme, Role.COORDINATOR, "Maja")
    await enrolled_from_roster(bot, programme)
    bot.says(maja, "/match")
    offer = await bot.hears(maja, "suggested mentors")
    before = as_now(bot, maja, offer)
    bot.application.chat_data[maja.id].clear()  # what a restart forgets

    await bot.presses(maja, offer, "Accept: Bo Lind")

    answer = await bot.hears(maja, "Done")
    assert answer["message_id"] > offer["message_id"]
    assert as_now(bot, maja, offer) == before
