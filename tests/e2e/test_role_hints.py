"""Every hint names a command this person can use, in this role: the chat as they see it."""

from __future__ import annotations

from datetime import timedelta

from bot.app.jobs import check_meetings_now
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
        "Supporting a student can weigh on you too.\n"
        "• Your workplace's occupational health service can talk with you, in confidence.\n"
        "• Your programme coordinator can help with questions about your mentoring.\n"
        "• If you or someone else is in danger right now, call 112."
        "\n\nNobody is told that you opened this, not your "
        "mentee and not your coordinator."
    )


async def test_a_mentor_asking_for_support_in_swedish_and_a_student_beside_them(
    bot: RunningBot,
) -> None:
    _, _, lars, ana = await cast(bot, language_code="sv")

    bot.says(lars, "/support")
    assert (await bot.hears(lars, "112"))["text"] == (
        "Att stötta en student kan väga tungt för dig också.\n"
        "• Företagshälsovården på din arbetsplats kan prata med dig, i förtroende.\n"
        "• Din programkoordinator kan hjälpa till med frågor om ditt mentorskap.\n"
        "• Om du eller någon annan är i fara just nu, ring 112."
        "\n\nIngen får veta att du öppnade det här, varken din "
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


async def asked_did_you_meet(bot: RunningBot, *people: SandboxUser) -> list[dict[str, object]]:
    bot.clock.advance(timedelta(weeks=5))  # past the programme's four weeks
    assert await check_meetings_now(bot.application.bot_data.services) == 1
    return [await bot.hears(person, "Did you meet?") for person in people]


async def test_not_yet_points_the_mentor_to_mentee_and_the_student_to_mentor(
    bot: RunningBot,
) -> None:
    _, _, lars, ana = await cast(bot)
    to_lars, to_ana = await asked_did_you_meet(bot, lars, ana)

    await bot.presses(lars, to_lars, "Not yet")
    await bot.presses(ana, to_ana, "Not yet")

    assert (await bot.hears(lars, "No problem"))["text"] == (
        "No problem. /mentee or a reply is an easy way to suggest a time."
    )
    assert (await bot.hears(ana, "No problem"))["text"] == (
        "No problem. /mentor or a reply is an easy way to suggest a time."
    )


async def test_not_yet_points_a_swedish_mentor_to_mentee(bot: RunningBot) -> None:
    _, _, lars, _ = await cast(bot, language_code="sv")
    bot.clock.advance(timedelta(weeks=5))
    assert await check_meetings_now(bot.application.bot_data.services) == 1
    asked = await bot.hears(lars, "Har ni träffats?")

    await bot.presses(lars, asked, "Inte än")

    assert (await bot.hears(lars, "Inga problem"))["text"] == (
        "Inga problem. Med /mentee eller ett svar kan du enkelt föreslå en tid."
    )


STRANGER_BUTTON = (
    "That button is from before, and I don't know you as a member of a programme now, so "
    "nothing changed. To take part, open a new invite link from your coordinator; /privacy "
    "says who sees what."
)


async def test_an_erased_person_tapping_an_old_button_is_not_sent_to_checkin(
    bot: RunningBot,
) -> None:
    _, _, _, ana = await cast(bot)
    bot.says(ana, "/checkin")
    old = await bot.hears(ana, "How are you doing")
    await forgets(bot, ana, "Erase your data?", "Erase my data")
    await bot.hears(ana, "I no longer know who you are")

    await bot.presses(ana, old, "Good")

    assert (await bot.hears(ana, "button"))["text"] == STRANGER_BUTTON


async def test_an_erased_person_tapping_an_old_meeting_button_hears_it_in_swedish(
    bot: RunningBot,
) -> None:
    _, _, lars, _ = await cast(bot, language_code="sv")
    bot.clock.advance(timedelta(weeks=5))
    assert await check_meetings_now(bot.application.bot_data.services) == 1
    old = await bot.hears(lars, "Har ni träffats?")
    await forgets(bot, lars, "Radera dina uppgifter?", "Radera mina uppgifter")
    await bot.hears(lars, "jag vet inte längre vem du är")

    await bot.presses(lars, old, "Inte än")

    assert (await bot.hears(lars, "knappen"))["text"] == (
        "Den knappen är från tidigare, och jag känner inte till dig som deltagare i något "
        "program nu, så ingenting har ändrats. Öppna en ny inbjudningslänk från din "
        "koordinator för att delta; /privacy berättar vem som ser vad."
    )


async def test_a_stranger_tapping_a_button_the_bot_never_made_is_told_how_to_join(
    bot: RunningBot,
) -> None:
    stranger = bot.user("Stranger")
    bot.says(stranger, "/help")
    helped = await bot.hears(stranger, "/privacy")

    bot.sandbox.state.user_sends_callback_data(stranger.id, helped["message_id"], "zz:9")

    assert (await bot.hears(stranger, "button"))["text"] == STRANGER_BUTTON
