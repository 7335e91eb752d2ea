"""The check-in conversation: mood, a few lines or voice notes (or Skip), then Share or
Keep private."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest

from bot.buttons import checkins as checkin_buttons
from bot.buttons.checkins import MOODS, mood_keyboard
from bot.sending.methods import markup
from bot.services import checkins
from bot.services.errors import Refused
from bot.services.members import MemberView
from db.models import Role
from handlers import fallback, support
from handlers.buttons import remove_buttons
from handlers.context import FrizonContext
from handlers.people import enrolled_member
from handlers.presses import pressed
from handlers.replies import reply

log = logging.getLogger(__name__)

BUTTONS = checkin_buttons.BUTTONS
PATTERN = BUTTONS.pattern
SKIP_MESSAGE = "checkin_skip_message"


async def start(update: Update, context: FrizonContext) -> None:
    """/checkin: an entry without a prompt, starting with the mood."""
    member = await enrolled_member(update, context)
    if member is None:
        return
    if not member.has_role(Role.STUDENT):
        await reply(update, context, "checkin/refused", locale=member.locale, reason="not_student")
        return
    keyboard = mood_keyboard(context.services.texts, member.locale, delivery_id=None)
    await reply(
        update, context, "checkin/ask_mood", locale=member.locale, keyboard=markup(keyboard)
    )


async def on_button(update: Update, context: FrizonContext) -> None:
    """Mood (ci:m:prompt:mood), Skip (ci:s:entry), Share (ci:y:entry), Keep (ci:n:entry),
    "I need help" (ci:h)."""
    press = await pressed(update, context, BUTTONS, strangers=True)  # help is for anyone
    if press is None:
        return
    if press.verb == "h":
        # The same answer as /support; the entry stays open and its buttons stay.
        await support.show_support(update, context)
        return
    query, member, locale = press.query, press.member, press.locale
    verb, ids = press.verb, press.ids
    if member is None:
        await reply(update, context, "errors/stranger_button", locale=locale)
        return
    services = context.services
    try:
        async with services.sessionmaker() as session, session.begin():
            if verb == "m":
                started = await checkins.start_checkin(
                    session,
                    now=services.clock.now(),
                    member_id=member.id,
                    mood=ids[1],
                    delivery_id=ids[0] or None,
                    source=f"callback:{query.id}",
                    theme_of=lambda key: _theme(context, key),
                )
            elif verb == "s":
                mentor = await checkins.skip_text(session, member_id=member.id, checkin_id=ids[0])
            else:
                finished = await checkins.finish(
                    session,
                    now=services.clock.now(),
                    member_id=member.id,
                    checkin_id=ids[0],
                    share=verb == "y",
                    mentor_id=ids[1] if verb == "y" else None,
                )
    except Refused as refusal:
        await reply(
            update,
            context,
            "checkin/refused",
            locale=locale,
            reason=refusal.reason,
            mentor=refusal.details.get("mentor", ""),
        )
        if refusal.reason == "mentor_changed":
            await _ask_again(update, context, member, ids[0])
        return
    await remove_buttons(query)  # the choice is made; no second tap
    if verb == "m":
        await _ask_for_words(update, context, member, started)
    elif verb == "s":
        await _ask_to_share(update, context, member, ids[0], mentor)
    else:
        if finished.shared:
            services.wake_sender()
        await reply(
            update,
            context,
            "checkin/finished",
            locale=locale,
            shared=finished.shared,
            mentor=finished.mentor or "",
            mentor_gone=finished.mentor_gone,
        )


def _theme(context: FrizonContext, prompt_key: str) -> str | None:
    prompt = context.services.catalogue.get("student", prompt_key)
    return prompt.theme if prompt else None


async def add_words(
    update: Update, context: FrizonContext, member: MemberView, message: Message
) -> None:
    """Words for the open entry (the router saw one open)."""
    services = context.services
    await _add_to_entry(
        update,
        context,
        member,
        lambda session: checkins.add_text(
            session,
            member_id=member.id,
            message_id=message.message_id,
            text=message.text or "",
            now=services.clock.now(),
            cipher=services.cipher,
        ),
    )


async def add_voice(
    update: Update, context: FrizonContext, member: MemberView, message: Message
) -> None:
    """A voice note for the open entry (the router saw one open), kept by its file id (a
    caption joins the words), answered as words are."""
    voice = message.voice
    if voice is None:
        return
    services = context.services
    await _add_to_entry(
        update,
        context,
        member,
        lambda session: checkins.add_voice(
            session,
            member_id=member.id,
            message_id=message.message_id,
            file_id=voice.file_id,
            caption=message.caption,
            now=services.clock.now(),
            cipher=services.cipher,
        ),
    )


async def _add_to_entry(
    update: Update,
    context: FrizonContext,
    member: MemberView,
    add: Callable[[AsyncSession], Awaitable[checkins.Added | None]],
) -> None:
    """Fold something into the open entry in one transaction, and answer: refused (too
    long, too many voice notes), gone meanwhile, or added."""
    try:
        async with context.services.sessionmaker() as session, session.begin():
            added = await add(session)
    except Refused as refusal:
        await reply(
            update,
            context,
            "checkin/refused",
            locale=member.locale,
            reason=refusal.reason,
            limit=refusal.details.get("limit", 0),
        )
        return
    if added is None:  # finished in between, by a press or by running out of time
        await fallback.stray(update, context, member, entry_open=False)
    else:
        await _answer_added(update, context, member, added)


async def _answer_added(
    update: Update, context: FrizonContext, member: MemberView, added: checkins.Added
) -> None:
    """After the entry's first words or voice note, the share question; after more, a nod."""
    if added.first:
        await _retire_skip_button(update, context)
        await _ask_to_share(update, context, member, added.checkin_id, added.mentor)
    else:
        await reply(update, context, "checkin/added", locale=member.locale)


async def _ask_again(
    update: Update, context: FrizonContext, member: MemberView, checkin_id: int
) -> None:
    """The mentor changed since the question: ask again, naming who it would go to now."""
    async with context.services.sessionmaker() as session:
        mentor = await checkins.skip_text(session, member_id=member.id, checkin_id=checkin_id)
    await _ask_to_share(update, context, member, checkin_id, mentor)


async def _retire_skip_button(update: Update, context: FrizonContext) -> None:
    message_id = context.user_data.pop(SKIP_MESSAGE, None) if context.user_data else None
    chat = update.effective_chat
    if message_id is None or chat is None:
        return
    with contextlib.suppress(BadRequest):  # already gone: nothing to tidy
        await context.bot.edit_message_reply_markup(chat.id, message_id, reply_markup=None)


async def _ask_for_words(
    update: Update, context: FrizonContext, member: MemberView, started: checkins.Started
) -> None:
    texts = context.services.texts
    skip = texts.render_plain("checkin/skip_button", member.locale)
    buttons = [InlineKeyboardButton(skip, callback_data=checkin_buttons.skip(started.checkin_id))]
    if started.mood == MOODS[0]:
        # A quiet offer beside the question: it tells nobody, and the entry goes on.
        help_label = texts.render_plain("support/menu_button", member.locale)
        buttons.append(InlineKeyboardButton(help_label, callback_data=checkin_buttons.need_help()))
    sent = await reply(
        update,
        context,
        "checkin/write",
        locale=member.locale,
        keyboard=InlineKeyboardMarkup([buttons]),
        mood_word=texts.render_plain("checkin/mood_word", member.locale, mood=started.mood),
    )
    if sent is not None and context.user_data is not None:
        # Remembered only in memory: once words arrive, Skip no longer applies.
        context.user_data[SKIP_MESSAGE] = sent.message_id


async def _ask_to_share(
    update: Update,
    context: FrizonContext,
    member: MemberView,
    checkin_id: int,
    mentor: checkins.MentorRef | None,
) -> None:
    texts = context.services.texts
    if mentor:
        buttons = [
            InlineKeyboardButton(
                texts.render_plain("checkin/share_button", member.locale, mentor=mentor.name),
                callback_data=checkin_buttons.share(checkin_id, mentor.member_id),
            ),
            InlineKeyboardButton(
                texts.render_plain("checkin/keep_button", member.locale),
                callback_data=checkin_buttons.keep_private(checkin_id),
            ),
        ]
    else:
        buttons = [
            InlineKeyboardButton(
                texts.render_plain("checkin/done_button", member.locale),
                callback_data=checkin_buttons.keep_private(checkin_id),
            )
        ]
    await reply(
        update,
        context,
        "checkin/share_question",
        locale=member.locale,
        keyboard=InlineKeyboardMarkup([buttons]),
        mentor=mentor.name if mentor else "",
    )
