"""Ending a pair in Telegram: pick, confirm, both sides told, history kept."""

from sqlalchemy import select

from bot.sandbox import SandboxUser
from db.models import AuditEvent, Pair, PairStatus, Programme, Role
from tests.e2e.harness import RunningBot


async def paired_programme(bot: RunningBot) -> tuple[Programme, dict[str, SandboxUser]]:
    programme = await bot.programme("Clinical mentoring")
    people = {
        "maja": await bot.enrolled(programme, Role.COORDINATOR, "Maja"),
        "lars": await bot.enrolled(programme, Role.MENTOR, "Lars"),
        "ana": await bot.enrolled(programme, Role.STUDENT, "Ana"),
    }
    maja = people["maja"]
    bot.says(maja, "/pair")
    await bot.presses(maja, await bot.hears(maja, "which student"), "Ana")
    await bot.presses(maja, await bot.hears(maja, "who should mentor"), "Lars")
    await bot.hears(maja, "Done")
    await bot.hears(people["lars"], "new mentee")
    await bot.hears(people["ana"], "You have a mentor")
    return programme, people


async def test_a_coordinator_ends_a_pair_after_confirming(bot: RunningBot) -> None:
    _, people = await paired_programme(bot)
    maja, lars, ana = people["maja"], people["lars"], people["ana"]

    bot.says(maja, "/unpair")
    await bot.presses(maja, await bot.hears(maja, "which pair should end"), "Ana – Lars")
    await bot.presses(maja, await bot.hears(maja, "End the pair of Ana and Lars"), "End the pair")

    assert "no longer paired" in (await bot.hears(maja, "Ended"))["text"]
    assert "no longer paired" in (await bot.hears(ana, "Lars"))["text"]
    assert "no longer paired" in (await bot.hears(lars, "Ana"))["text"]
    async with bot.sessionmaker() as session:
        pair = await session.scalar(select(Pair))
        audit = await session.scalar(select(AuditEvent).where(AuditEvent.kind == "unpaired"))
    assert pair is not None and pair.status == PairStatus.ENDED
    assert audit is not None


async def test_cancelling_changes_nothing(bot: RunningBot) -> None:
    _, people = await paired_programme(bot)
    maja = people["maja"]

    bot.says(maja, "/unpair")
    await bot.presses(maja, await bot.hears(maja, "which pair"), "Ana – Lars")
    await bot.presses(maja, await bot.hears(maja, "End the pair of"), "Cancel")

    assert "Nothing changed" in (await bot.hears(maja))["text"]
    async with bot.sessionmaker() as session:
        pair = await session.scalar(select(Pair))
    assert pair is not None and pair.status == PairStatus.ACTIVE


async def test_confirming_twice_ends_the_pair_once_and_says_so_once(bot: RunningBot) -> None:
    _, people = await paired_programme(bot)
    maja = people["maja"]
    bot.says(maja, "/unpair")
    await bot.presses(maja, await bot.hears(maja, "which pair"), "Ana – Lars")
    confirmation = await bot.hears(maja, "End the pair of")
    data = confirmation["reply_markup"]["inline_keyboard"][0][0]["callback_data"]

    bot.sandbox.state.user_sends_callback_data(maja.id, confirmation["message_id"], data)
    await bot.hears(maja, "Ended")
    bot.sandbox.state.user_sends_callback_data(maja.id, confirmation["message_id"], data)

    bot.says(maja, "/help")
    assert "/stats" in (await bot.hears(maja))["text"]  # nothing else came in between
    (shown,) = [
        m
        for m in bot.sandbox.state.messages(maja.id)
        if m["message_id"] == confirmation["message_id"]
    ]
    assert shown["text"].startswith("Ended: ")  # and the message still says so
    async with bot.sessionmaker() as session:
        events = (
            await session.scalars(select(AuditEvent).where(AuditEvent.kind == "unpaired"))
        ).all()
    assert len(events) == 1


async def test_a_mentor_cannot_end_pairs_with_coordinator_buttons(bot: RunningBot) -> None:
    programme, people = await paired_programme(bot)
    lars = people["lars"]
    bot.says(lars, "/unpair")
    refusal = await bot.hears(lars, "only a programme coordinator")
    async with bot.sessionmaker() as session:
        pair = await session.scalar(select(Pair))
        assert pair is not None

    bot.sandbox.state.user_sends_callback_data(
        lars.id, refusal["message_id"], f"unpair:y:{programme.id}:{pair.student_id}:{pair.id}"
    )

    assert "only a programme coordinator" in (await bot.hears(lars))["text"]
    async with bot.sessionmaker() as session:
        pair = await session.scalar(select(Pair))
    assert pair is not None and pair.status == PairStatus.ACTIVE


async def test_an_old_end_pressed_after_the_student_was_paired_anew_ends_nothing(
    bot: RunningBot,
) -> None:
    programme, people = await paired_programme(bot)
    maja, ana = people["maja"], people["ana"]
    bot.says(maja, "/unpair")
    await bot.presses(maja, await bot.hears(maja, "which pair"), "Ana – Lars")
    old = await bot.hears(maja, "End the pair of Ana and Lars")
    # Meanwhile the pair ends elsewhere and Ana is paired again, with Lars.
    bot.says(maja, "/unpair")
    await bot.presses(maja, await bot.hears(maja, "which pair"), "Ana – Lars")
    await bot.presses(maja, await bot.hears(maja, "End the pair of Ana and Lars"), "End the pair")
    await bot.hears(maja, "Ended")
    await bot.pair(programme, ana, people["lars"])

    await bot.presses(maja, old, "End the pair")

    assert "no longer valid" in (await bot.hears(maja, "no longer valid"))["text"]
    async with bot.sessionmaker() as session:
        statuses = list(await session.scalars(select(Pair.status).order_by(Pair.id)))
    assert statuses == [PairStatus.ENDED, PairStatus.ACTIVE]
