"""Every hint names a command this person can use, in this role: the chat as they see it."""

from __future__ import annotations

from bot.config import DEFAULT_MENTOR_SUPPORT
from bot.sandbox import SandboxUser
from db.models import Programme, Role
from tests.e2e.harness import RunningBot


async def cast(
    bot: RunningBot, *, language_code: str = "en"
) -> tuple[Programme, SandboxUser, SandboxUser, SandboxUser]:
    """Maja coordinates, Lars mentors Ana; all three speak `language_code`."""
    programme = await bot.programme()
    maja = await bot.enrolled(programme, Role.COORDINATOR, "Maja", language_code=language_code)
    lars = await bot.enrolled(programme, Role.MENTOR, "Lars", language_code=language_code)
    ana = await bot.enrolled(programme, Role.STUDENT, "Ana", language_code=language_code)
    await bot.pair(programme, ana, lars)
    return programme, maja, lars, ana


async def test_a_coordinator_sending_mentor_is_not_told_about_mentees(bot: RunningBot) -> None:
    _, maja, _, _ = await cast(bot)

    bot.says(maja, "/mentor")

    assert (await bot.hears(maja, "/help"))["text"] == (
        "/mentor and /mentee are for students and mentors in a pair, so there is nobody for "
        "you to write to here. /help shows what you can do."
    )


async def test_a_coordinator_sending_mentee_hears_the_same_in_swedish(bot: RunningBot) -> None:
    _, maja, _, _ = await cast(bot, language_code="sv")

    bot.says(maja, "/mentee")

    assert (await bot.hears(maja, "/help"))["text"] == (
        "/mentor och /mentee är till för studenter och mentorer i ett par, så det finns ingen "
        "för dig att skriva till här. /help visar vad du kan göra."
    )


async def test_a_mentor_without_mentees_still_hears_so(bot: RunningBot) -> None:
    programme = await bot.programme()
    lars = await bot.enrolled(programme, Role.MENTOR, "Lars")

    bot.says(lars, "/mentee")

    assert (await bot.hears(lars, "nobody"))["text"] == (
        "You have no mentees at the moment, so there is nobody to write to."
    )


async def forgets(bot: RunningBot, who: SandboxUser, ask: str, button: str) -> None:
    bot.says(who, "/forget")
    await bot.presses(who, await bot.hears(who, ask), button)


async def test_after_a_student_is_erased_the_coordinator_reads_a_sentence_not_a_riddle(
    bot: RunningBot,
) -> None:
    _, maja, _, ana = await cast(bot)

    await forgets(bot, ana, "Erase your data?", "Erase my data")

    assert (await bot.hears(maja, "has ended"))["text"] == (
        "The pair of Lars and their student in Clinical mentoring has ended: the student asked "
        "for their data to be erased. The pair's history stays for the statistics, without the "
        "student's name; /pair gives Lars a new mentee."
    )


async def test_after_a_mentor_is_erased_the_coordinator_reads_it_in_swedish(
    bot: RunningBot,
) -> None:
    _, maja, lars, _ = await cast(bot, language_code="sv")

    await forgets(bot, lars, "Radera dina uppgifter?", "Radera mina uppgifter")

    assert (await bot.hears(maja, "har avslutats"))["text"] == (
        "Paret med Ana och hens mentor i Clinical mentoring har avslutats: mentorn bad att få "
        "sina uppgifter raderade. Parets historik finns kvar för statistiken, utan mentorns "
        "namn; med /pair ger du Ana en ny mentor."
    )


async def test_a_mentor_asking_for_support_gets_the_mentors_resources(bot: RunningBot) -> None:
    _, _, lars, _ = await cast(bot)

    bot.says(lars, "/support")

    assert (await bot.hears(lars, "112"))["text"] == (
        DEFAULT_MENTOR_SUPPORT["en"] + "\n\nNobody is told that you opened this, not your "
        "mentee and not your coordinator."
    )


async def test_a_mentor_asking_for_support_in_swedish_and_a_student_beside_them(
    bot: RunningBot,
) -> None:
    _, _, lars, ana = await cast(bot, language_code="sv")

    bot.says(lars, "/support")
    assert (await bot.hears(lars, "112"))["text"] == (
        DEFAULT_MENTOR_SUPPORT["sv"] + "\n\nIngen får veta att du öppnade det här, varken din "
        "adept eller din koordinator."
    )
    bot.says(ana, "/support")
    assert "Studenthälsan" in (await bot.hears(ana, "112"))["text"]  # the student's stay theirs


MENU_WAITING = (
    "I haven't kept this message or passed it on. The menu above is waiting: tap one of its "
    "buttons to go on, or Cancel to close it."
)
FREE_TEXT = (
    "I haven't kept this message or passed it on to anyone. /help shows what you can do here."
)


async def test_text_typed_in_the_middle_of_unpair_asks_for_a_tap(bot: RunningBot) -> None:
    _, maja, _, _ = await cast(bot)
    bot.says(maja, "/unpair")
    choice = await bot.hears(maja, "which pair should end")

    bot.says(maja, "Ana and Lars please")
    assert (await bot.hears(maja, "menu above"))["text"] == MENU_WAITING

    await bot.presses(maja, choice, "Cancel")
    await bot.hears(maja, "Nothing changed")
    bot.says(maja, "thanks")
    assert (await bot.hears(maja, "haven't kept"))["text"] == FREE_TEXT  # the menu is closed


async def test_text_typed_in_the_middle_of_pair_asks_for_a_tap_in_swedish(
    bot: RunningBot,
) -> None:
    programme = await bot.programme()
    maja = await bot.enrolled(programme, Role.COORDINATOR, "Maja", language_code="sv")
    await bot.enrolled(programme, Role.STUDENT, "Ana")
    await bot.enrolled(programme, Role.MENTOR, "Lars")
    bot.says(maja, "/pair")
    await bot.hears(maja, "vilken student")

    bot.says(maja, "Ana")

    assert (await bot.hears(maja, "Menyn ovan"))["text"] == (
        "Jag har inte sparat meddelandet eller skickat det vidare. Menyn ovan väntar: tryck på "
        "en av dess knappar för att fortsätta, eller på Avbryt för att stänga den."
    )
