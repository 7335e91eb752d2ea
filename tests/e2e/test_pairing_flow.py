"""Pairing through the real bot: a coordinator pairs from buttons and both sides are introduced."""

from typing import Any

from sqlalchemy import select

from bot.services.audit import CLI_ACTOR
from bot.services.pairing import pair
from db.models import AuditEvent, Delivery, DeliveryStatus, Member, Pair, PairStatus, Role
from tests.e2e.harness import RunningBot


async def test_a_coordinator_pairs_a_student_and_both_get_an_introduction(bot: RunningBot) -> None:
    programme = await bot.programme("Clinical mentoring")
    maja = await bot.enrolled(programme, Role.COORDINATOR, "Maja")
    lars = await bot.enrolled(programme, Role.MENTOR, "Lars")
    ana = await bot.enrolled(programme, Role.STUDENT, "Ana")

    bot.says(maja, "/pair")
    await bot.presses(maja, await bot.hears(maja, "which student"), "Ana")
    await bot.presses(maja, await bot.hears(maja, "who should mentor Ana"), "Lars")

    assert "Ana is paired with Lars" in (await bot.hears(maja, "Done"))["text"]
    assert (
        "You have a mentor in Clinical mentoring: Lars" in (await bot.hears(ana, "mentor"))["text"]
    )
    assert "new mentee in Clinical mentoring: Ana" in (await bot.hears(lars, "mentee"))["text"]
    await bot.outbox_settled()  # the sender records "sent" just after Telegram accepts
    async with bot.sessionmaker() as session:
        created = await session.scalar(select(Pair))
        audit = await session.scalar(select(AuditEvent).where(AuditEvent.kind == "paired"))
        statuses = (await session.scalars(select(Delivery.status))).all()
    assert created is not None and created.status == PairStatus.ACTIVE
    assert audit is not None and audit.actor.startswith("member:")
    assert statuses == [DeliveryStatus.SENT, DeliveryStatus.SENT]


async def test_a_pairing_made_on_the_command_line_is_introduced_by_the_running_bot(
    bot: RunningBot,
) -> None:
    programme = await bot.programme()
    lars = await bot.enrolled(programme, Role.MENTOR, "Lars")
    ana = await bot.enrolled(programme, Role.STUDENT, "Ana")
    async with bot.sessionmaker() as session, session.begin():
        ids = {m.display_name: m.id for m in (await session.scalars(select(Member))).all()}
        await pair(
            session,
            now=bot.clock.now(),
            programme=programme,
            student_id=ids["Ana"],
            mentor_id=ids["Lars"],
            actor=CLI_ACTOR,
        )

    await bot.hears(ana, "You have a mentor")
    await bot.hears(lars, "new mentee")


async def test_a_coordinator_of_several_programmes_picks_one_first(bot: RunningBot) -> None:
    spring, autumn = await bot.programme("Spring"), await bot.programme("Autumn")
    maja = await bot.enrolled(spring, Role.COORDINATOR, "Maja")
    bot.says(maja, f"/start {await bot.invite(autumn, Role.COORDINATOR)}")
    await bot.hears(maja, "Autumn")
    await bot.enrolled(autumn, Role.STUDENT, "Ana")

    bot.says(maja, "/pair")
    await bot.presses(maja, await bot.hears(maja, "Which programme"), "Autumn")

    choice = await bot.hears(maja, "Autumn: which student")
    labels = [b["text"] for row in choice["reply_markup"]["inline_keyboard"] for b in row]
    assert labels == ["Ana", "Cancel"]


async def test_pairing_with_no_students_waiting_says_so(bot: RunningBot) -> None:
    programme = await bot.programme("Quiet")
    maja = await bot.enrolled(programme, Role.COORDINATOR, "Maja")

    bot.says(maja, "/pair")

    assert "no students waiting" in (await bot.hears(maja))["text"]


async def test_a_stale_choice_is_refused_after_the_student_was_paired(bot: RunningBot) -> None:
    programme = await bot.programme()
    maja = await bot.enrolled(programme, Role.COORDINATOR, "Maja")
    await bot.enrolled(programme, Role.MENTOR, "Lars")
    await bot.enrolled(programme, Role.STUDENT, "Ana")
    bot.says(maja, "/pair")
    first = await bot.hears(maja, "which student")
    bot.says(maja, "/pair")
    second = await bot.hears(maja, "which student")
    await bot.presses(maja, first, "Ana")
    await bot.presses(maja, await bot.hears(maja, "who should mentor"), "Lars")
    await bot.hears(maja, "Done")

    await bot.presses(maja, second, "Ana")

    assert "no longer valid" in (await bot.hears(maja))["text"]


async def test_a_full_mentor_is_refused_when_two_choices_race(bot: RunningBot) -> None:
    programme = await bot.programme()
    maja = await bot.enrolled(programme, Role.COORDINATOR, "Maja")
    await bot.enrolled(programme, Role.MENTOR, "Lars")  # capacity 3 by default
    for name in ("Ana", "Bo", "Cy", "Di"):
        await bot.enrolled(programme, Role.STUDENT, name)
    offers = {}
    for name in ("Ana", "Bo", "Cy", "Di"):
        bot.says(maja, "/pair")
        await bot.presses(maja, await bot.hears(maja, "which student"), name)
        offers[name] = await bot.hears(maja, f"who should mentor {name}")

    for name in ("Ana", "Bo", "Cy"):
        await bot.presses(maja, offers[name], "Lars")
        await bot.hears(maja, "Done")
    await bot.presses(maja, offers["Di"], "Lars")

    refusal = (await bot.hears(maja))["text"]
    assert "Lars already has 3 mentees" in refusal
    assert "Nothing changed" in refusal


async def test_long_lists_come_in_pages(bot: RunningBot) -> None:
    programme = await bot.programme()
    maja = await bot.enrolled(programme, Role.COORDINATOR, "Maja")
    names = [f"Student {n:02d}" for n in range(1, 13)]
    for name in names:
        await bot.enrolled(programme, Role.STUDENT, name)

    bot.says(maja, "/pair")
    first = await bot.hears(maja, "which student")
    await bot.presses(maja, first, "Next")
    second = await bot.hears(maja, "which student")

    def labels(message: dict[str, Any]) -> list[str]:
        return [b["text"] for row in message["reply_markup"]["inline_keyboard"] for b in row]

    assert labels(first) == [*names[:10], "Next ›", "Cancel"]
    assert labels(second) == [*names[10:], "‹ Previous", "Cancel"]


async def test_a_double_tap_on_a_mentor_still_reads_done(bot: RunningBot) -> None:
    programme = await bot.programme()
    maja = await bot.enrolled(programme, Role.COORDINATOR, "Maja")
    await bot.enrolled(programme, Role.MENTOR, "Lars")
    await bot.enrolled(programme, Role.STUDENT, "Ana")
    bot.says(maja, "/pair")
    await bot.presses(maja, await bot.hears(maja, "which student"), "Ana")
    offer = await bot.hears(maja, "who should mentor")
    data = offer["reply_markup"]["inline_keyboard"][0][0]["callback_data"]

    for _ in range(2):
        bot.sandbox.state.user_sends_callback_data(maja.id, offer["message_id"], data)
    await bot.hears(maja, "Done")
    bot.says(maja, "/help")  # updates are handled in order: once this is answered, both taps were
    await bot.hears(maja, "/privacy")

    transcript = bot.sandbox.state.messages(maja.id)
    assert any("Done: Ana is paired with Lars" in m["text"] for m in transcript)
    assert not any("Nothing changed" in m["text"] for m in transcript)
