"""The truth after a retry: a press whose handling failed for a moment (a 502 from Telegram,
a dropped connection) is left unconfirmed and handled again. The second time, the person
hears what the first time did — never "nothing changed" about a change that happened —
and the other side gets what the step sends exactly once.

The fault is injected for the first call of one method to the presser's chat only, after
the step's transaction has committed and before its answer reached the person.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from bot.outbox.purposes import Purpose
from bot.sandbox import SandboxUser
from bot.sandbox.faults import FaultKind
from db.models import CheckIn, Delivery, Meeting, Role
from tests.e2e.harness import RunningBot

RETRIED_WITHIN = 15.0  # seconds: the poller tries a failed update again after 2 s
# (method, kind): Telegram answers the call that takes the buttons off with a 502, or
# the connection drops on the call that sends the answer.
FAULTS: list[tuple[str, FaultKind]] = [
    ("editMessageReplyMarkup", "server_error"),
    ("sendMessage", "reset"),
]


def bot_texts(bot: RunningBot, user: SandboxUser, after: dict[str, Any]) -> list[str]:
    """What the bot said to the user after `after` (edits of earlier messages left out)."""
    return [
        m["text"]
        for m in bot.sandbox.state.messages(user.id)
        if m["sender"] == "bot" and m["message_id"] > after["message_id"]
    ]


def press(bot: RunningBot, user: SandboxUser, message: dict[str, Any], prefix: str) -> None:
    """Tap the button whose callback data starts with `prefix` (labels differ by locale)."""
    for row in message["inline_keyboard"]:
        for button in row:
            if button["callback_data"].startswith(prefix):
                bot.sandbox.state.user_presses_button(
                    user.id, message["message_id"], button["callback_data"]
                )
                return
    raise AssertionError(f"no button {prefix!r} on {message['text']!r}")


def fails_once(bot: RunningBot, user: SandboxUser, method: str, kind: FaultKind) -> None:
    bot.sandbox.state.faults.inject(method, kind, count=1, chat_id=user.id)


def fault_fired(bot: RunningBot) -> bool:
    return bot.sandbox.state.faults.unfired() == 0


async def pair_in(bot: RunningBot, locale: str) -> tuple[SandboxUser, SandboxUser]:
    programme = await bot.programme()
    lars = await bot.enrolled(programme, Role.MENTOR, "Lars", language_code=locale)
    ana = await bot.enrolled(programme, Role.STUDENT, "Ana", language_code=locale)
    await bot.pair(programme, ana, lars)
    return ana, lars


async def offers(bot: RunningBot, user: SandboxUser, prefix: str) -> dict[str, Any]:
    """The next bot message with a button whose callback data starts with `prefix`."""
    while True:
        message = await bot.hears(user)
        if any(
            b["callback_data"].startswith(prefix) for row in message["inline_keyboard"] for b in row
        ):
            return message


async def share_question(bot: RunningBot, ana: SandboxUser, words: str) -> dict[str, Any]:
    """A check-in written up to its last step: share, or keep private."""
    bot.says(ana, "/checkin")
    press(bot, ana, await offers(bot, ana, "ci:m:"), "ci:m:0:4")
    await offers(bot, ana, "ci:s:")  # write a few lines, or skip
    bot.says(ana, words)
    return await offers(bot, ana, "ci:n:")


async def copies_received(bot: RunningBot, mentor: SandboxUser, words: str) -> int:
    await bot.outbox_settled()
    return sum(m["text"] == words for m in bot.sandbox.state.messages(mentor.id))


SHARED = {
    "en": "Shared with Lars. Thank you for writing.",
    "sv": "Delat med Lars. Tack för att du skrev.",
}
KEPT = {
    "en": "Kept just for you. Thank you for writing.",
    "sv": "Sparat bara för dig. Tack för att du skrev.",
}


@pytest.mark.parametrize("locale", ["en", "sv"])
@pytest.mark.parametrize(("method", "kind"), FAULTS)
async def test_a_share_retried_after_a_failure_says_it_was_shared_and_arrives_once(
    bot: RunningBot, locale: str, method: str, kind: FaultKind
) -> None:
    ana, lars = await pair_in(bot, locale)
    question = await share_question(bot, ana, "Words for Lars.")
    fails_once(bot, ana, method, kind)

    press(bot, ana, question, "ci:y:")

    assert (await bot.hears(ana, SHARED[locale], RETRIED_WITHIN))["text"] == SHARED[locale]
    assert fault_fired(bot)
    assert bot_texts(bot, ana, question) == [SHARED[locale]]
    assert await copies_received(bot, lars, "Words for Lars.") == 1


@pytest.mark.parametrize("locale", ["en", "sv"])
@pytest.mark.parametrize(("method", "kind"), FAULTS)
async def test_keeping_private_retried_after_a_failure_says_it_was_kept(
    bot: RunningBot, locale: str, method: str, kind: FaultKind
) -> None:
    ana, lars = await pair_in(bot, locale)
    question = await share_question(bot, ana, "Words for me alone.")
    fails_once(bot, ana, method, kind)

    press(bot, ana, question, "ci:n:")

    assert (await bot.hears(ana, KEPT[locale], RETRIED_WITHIN))["text"] == KEPT[locale]
    assert fault_fired(bot)
    assert bot_texts(bot, ana, question) == [KEPT[locale]]
    assert await copies_received(bot, lars, "Words for me alone.") == 0


ALREADY_SHARED = {
    "en": (
        "This entry is already finished and shared with Lars, so nothing changed. "
        "/history shows your entries."
    ),
    "sv": (
        "Det här inlägget är redan avslutat och delat med Lars, så ingenting har ändrats. "
        "/history visar dina inlägg."
    ),
}
ALREADY_KEPT = {
    "en": (
        "This entry is already finished and kept just for you, so nothing changed. "
        "/history lets you share it."
    ),
    "sv": (
        "Det här inlägget är redan avslutat och sparat bara för dig, så ingenting har "
        "ändrats. Med /history kan du dela det."
    ),
}


@pytest.mark.parametrize("locale", ["en", "sv"])
async def test_the_other_choice_after_sharing_says_it_is_shared_and_changes_nothing(
    bot: RunningBot, locale: str
) -> None:
    """Share, then Keep private on the same question (both tapped before the buttons went):
    the second press changes nothing and says how the entry was finished."""
    ana, lars = await pair_in(bot, locale)
    question = await share_question(bot, ana, "Shared, then second thoughts.")
    keep = next(
        b["callback_data"]
        for row in question["inline_keyboard"]
        for b in row
        if b["callback_data"].startswith("ci:n:")
    )

    press(bot, ana, question, "ci:y:")
    await bot.hears(ana, SHARED[locale])
    bot.sandbox.state.user_sends_callback_data(ana.id, question["message_id"], keep)

    assert (await bot.hears(ana))["text"] == ALREADY_SHARED[locale]
    async with bot.sessionmaker() as session:
        assert [entry.shared for entry in (await session.scalars(select(CheckIn))).all()] == [True]
    assert await copies_received(bot, lars, "Shared, then second thoughts.") == 1


@pytest.mark.parametrize("locale", ["en", "sv"])
async def test_share_after_keeping_private_says_it_is_kept_and_shares_nothing(
    bot: RunningBot, locale: str
) -> None:
    ana, lars = await pair_in(bot, locale)
    question = await share_question(bot, ana, "Kept, then second thoughts.")
    share = next(
        b["callback_data"]
        for row in question["inline_keyboard"]
        for b in row
        if b["callback_data"].startswith("ci:y:")
    )

    press(bot, ana, question, "ci:n:")
    await bot.hears(ana, KEPT[locale])
    bot.sandbox.state.user_sends_callback_data(ana.id, question["message_id"], share)

    assert (await bot.hears(ana))["text"] == ALREADY_KEPT[locale]
    assert await copies_received(bot, lars, "Kept, then second thoughts.") == 0


WRITE = (
    "Good. Thank you for telling me. If you like, write a few lines or send a voice note: "
    "what is behind it, or anything that stayed with you. Several messages are fine. Or tap "
    "Skip."
)


@pytest.mark.parametrize(("method", "kind"), FAULTS)
async def test_a_mood_retried_after_a_failure_asks_for_words_once(
    bot: RunningBot, method: str, kind: FaultKind
) -> None:
    ana, _ = await pair_in(bot, "en")
    bot.says(ana, "/checkin")
    moods = await bot.hears(ana, "How are you doing")
    fails_once(bot, ana, method, kind)

    press(bot, ana, moods, "ci:m:0:4")

    assert (await bot.hears(ana, WRITE, RETRIED_WITHIN))["text"] == WRITE
    assert fault_fired(bot)
    assert bot_texts(bot, ana, moods) == [WRITE]
    async with bot.sessionmaker() as session:
        assert len((await session.scalars(select(CheckIn))).all()) == 1


CONFIRMED = {
    "en": "Thank you, the meeting on 2026-09-06 is confirmed.",
    "sv": "Tack, mötet 2026-09-06 är bekräftat.",
}
NOT_THAT_DAY = {
    "en": (
        "Thank you. That meeting no longer counts; log the right day with /met "
        "(for example /met 2026-11-20)."
    ),
    "sv": (
        "Tack. Det mötet räknas inte längre; notera rätt dag med /met "
        "(till exempel /met 2026-11-20)."
    ),
}


@pytest.mark.parametrize("locale", ["en", "sv"])
@pytest.mark.parametrize(("verb", "answers"), [("mt:c:", CONFIRMED), ("mt:n:", NOT_THAT_DAY)])
async def test_a_meeting_answer_retried_after_a_failure_says_what_was_answered(
    bot: RunningBot, locale: str, verb: str, answers: dict[str, str]
) -> None:
    ana, lars = await pair_in(bot, locale)
    bot.says(lars, "/met 2026-09-06")
    question = await bot.hears(ana, "2026-09-06")
    fails_once(bot, ana, "sendMessage", "reset")

    press(bot, ana, question, verb)

    assert (await bot.hears(ana, answers[locale], RETRIED_WITHIN))["text"] == answers[locale]
    assert fault_fired(bot)
    assert bot_texts(bot, ana, question) == [answers[locale]]


LOGGED = {
    "en": "Noted: you and Lars met on 2026-09-07. Lars is asked to confirm it.",
    "sv": "Noterat: du och Lars träffades 2026-09-07. Lars får bekräfta det.",
}


@pytest.mark.parametrize("locale", ["en", "sv"])
async def test_a_meeting_logged_by_a_retried_press_is_noted_once(
    bot: RunningBot, locale: str
) -> None:
    ana, lars = await pair_in(bot, locale)
    bot.says(ana, "/met")
    ask = await bot.hears(ana, "Lars")
    fails_once(bot, ana, "sendMessage", "reset")

    press(bot, ana, ask, "mt:d:")  # today

    assert (await bot.hears(ana, LOGGED[locale], RETRIED_WITHIN))["text"] == LOGGED[locale]
    assert fault_fired(bot)
    assert bot_texts(bot, ana, ask) == [LOGGED[locale]]
    await bot.outbox_settled()
    async with bot.sessionmaker() as session:
        assert len((await session.scalars(select(Meeting))).all()) == 1
        questions = (
            await session.scalars(
                select(Delivery).where(Delivery.purpose == Purpose.MEETING_LOGGED)
            )
        ).all()
        assert len(questions) == 1
    assert sum("2026-09-07" in m["text"] for m in bot.sandbox.state.messages(lars.id)) == 1


STALE_ENTRY = {
    "en": "That button is no longer valid, so nothing changed. /checkin starts a new entry.",
    "sv": (
        "Den knappen gäller inte längre, så ingenting har ändrats. "
        "Med /checkin börjar du ett nytt inlägg."
    ),
}
DELETED = {"en": "Deleted. /history shows the rest.", "sv": "Raderat. Med /history ser du resten."}


@pytest.mark.parametrize("locale", ["en", "sv"])
async def test_a_deletion_retried_after_a_failure_says_it_was_deleted(
    bot: RunningBot, locale: str
) -> None:
    ana, _ = await pair_in(bot, locale)
    question = await share_question(bot, ana, "To be deleted.")
    press(bot, ana, question, "ci:n:")
    await bot.hears(ana, KEPT[locale])
    bot.says(ana, "/history")
    press(bot, ana, await offers(bot, ana, "hi:d:"), "hi:d:")
    confirm = await offers(bot, ana, "hi:y:")
    fails_once(bot, ana, "editMessageText", "server_error")

    press(bot, ana, confirm, "hi:y:")

    assert (await bot.hears(ana, DELETED[locale], RETRIED_WITHIN))["text"] == DELETED[locale]
    assert fault_fired(bot)
    async with bot.sessionmaker() as session:
        assert (await session.scalars(select(CheckIn))).all() == []
    # The same data forged onto a message that never offered it is still refused.
    delete = next(
        b["callback_data"]
        for row in confirm["inline_keyboard"]
        for b in row
        if b["callback_data"].startswith("hi:y:")
    )
    bot.says(ana, "/help")
    help_message = await bot.hears(ana, "/privacy")
    bot.sandbox.state.user_sends_callback_data(ana.id, help_message["message_id"], delete)
    assert (await bot.hears(ana))["text"] == STALE_ENTRY[locale]


FORGOTTEN = {
    "en": (
        "Done. Your name, the text of your entries and your settings are erased, and I no "
        "longer know who you are; only anonymous counts remain. If you want to take part "
        "again, ask your coordinator for a new invite. Take care."
    ),
    "sv": (
        "Klart. Ditt namn, texten i dina inlägg och dina inställningar är raderade, och jag "
        "vet inte längre vem du är; bara anonyma siffror finns kvar. Vill du delta igen kan "
        "du be din koordinator om en ny inbjudan. Ta hand om dig."
    ),
}
STRANGER_BUTTON = {  # the bot no longer knows the presser: no command of a member's role
    "en": (
        "That button is from before, and I don't know you as a member of a programme now, so "
        "nothing changed. To take part, open a new invite link from your coordinator; /privacy "
        "says who sees what."
    ),
    "sv": (
        "Den knappen är från tidigare, och jag känner inte till dig som deltagare i något "
        "program nu, så ingenting har ändrats. Öppna en ny inbjudningslänk från din "
        "koordinator för att delta; /privacy berättar vem som ser vad."
    ),
}


@pytest.mark.parametrize("locale", ["en", "sv"])
async def test_an_erasure_retried_after_a_failure_says_goodbye_once(
    bot: RunningBot, locale: str
) -> None:
    ana, lars = await pair_in(bot, locale)
    bot.says(ana, "/forget")
    confirm = await offers(bot, ana, "dr:f:")
    told_before = len(bot.sandbox.state.messages(lars.id))
    fails_once(bot, ana, "sendMessage", "reset")

    press(bot, ana, confirm, "dr:f:")

    goodbye = await bot.hears(ana, FORGOTTEN[locale], RETRIED_WITHIN)
    assert goodbye["text"] == FORGOTTEN[locale]
    assert fault_fired(bot)
    assert bot_texts(bot, ana, confirm) == [FORGOTTEN[locale]]
    await bot.outbox_settled()
    assert len(bot.sandbox.state.messages(lars.id)) == told_before + 1  # the pair ended
    # The same data forged onto a message that never offered it is still refused.
    erase = next(
        b["callback_data"]
        for row in confirm["inline_keyboard"]
        for b in row
        if b["callback_data"].startswith("dr:f:")
    )
    bot.sandbox.state.user_sends_callback_data(ana.id, goodbye["message_id"], erase)
    assert (await bot.hears(ana))["text"] == STRANGER_BUTTON[locale]


UNPAIRED = {
    "en": (
        "Ended: Ana and Lars are no longer paired in Clinical mentoring. I am letting them "
        "both know. Ana can be paired again with /pair."
    ),
    "sv": (
        "Avslutat: Ana och Lars är inte längre ihopparade i Clinical mentoring. Jag meddelar "
        "dem båda. Ana kan paras ihop igen med /pair."
    ),
}


@pytest.mark.parametrize("locale", ["en", "sv"])
async def test_ending_a_pair_retried_after_a_failure_says_it_ended_and_tells_each_once(
    bot: RunningBot, locale: str
) -> None:
    programme = await bot.programme()
    maja = await bot.enrolled(programme, Role.COORDINATOR, "Maja", language_code=locale)
    lars = await bot.enrolled(programme, Role.MENTOR, "Lars", language_code=locale)
    ana = await bot.enrolled(programme, Role.STUDENT, "Ana", language_code=locale)
    await bot.pair(programme, ana, lars)
    told_before = [len(bot.sandbox.state.messages(u.id)) for u in (ana, lars)]
    bot.says(maja, "/unpair")
    press(bot, maja, await offers(bot, maja, "unpair:s:"), "unpair:s:")
    confirm = await offers(bot, maja, "unpair:y:")
    fails_once(bot, maja, "editMessageText", "server_error")

    press(bot, maja, confirm, "unpair:y:")

    ended = await bot.hears(maja, UNPAIRED[locale], RETRIED_WITHIN)
    assert (ended["text"], ended["message_id"]) == (UNPAIRED[locale], confirm["message_id"])
    assert fault_fired(bot)
    await bot.outbox_settled()
    told = [len(bot.sandbox.state.messages(u.id)) for u in (ana, lars)]
    # Each side: that the pair ended, once; the student also a last look-back prompt.
    assert [after - before for after, before in zip(told, told_before, strict=True)] == [2, 1]
