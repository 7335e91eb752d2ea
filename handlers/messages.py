"""The one router for messages that are not commands.

The message is described (its kind, whether it is a menu button), one service call
classifies it — reading the member once — and the owner's handler takes it with that
member: the partner's conversation, a roster upload, the open check-in, the menu, or the
kind reply for something nothing waits for.
"""

from __future__ import annotations

import logging

from telegram import Message, Update

from bot.services.message_owner import (
    CheckinWords,
    Content,
    ForPartner,
    Incoming,
    Menu,
    MenuChoice,
    PartnerRefused,
    RosterUpload,
    Stranger,
    Stray,
    classify,
)
from bot.texts.templates import LOCALES, Texts
from handlers import checkins, fallback, relay, roster_upload, support
from handlers.context import FrizonContext

log = logging.getLogger(__name__)


async def on_message(update: Update, context: FrizonContext) -> None:
    message = update.effective_message
    user = update.effective_user
    if message is None or user is None:
        return
    services = context.services
    incoming = Incoming(
        telegram_user_id=user.id,
        chat_id=message.chat_id,
        message_id=message.message_id,
        reply_to_message_id=message.reply_to_message.message_id
        if message.reply_to_message
        else None,
        content=_content(update, message),
        menu=_menu(services.texts, message.text),
    )
    async with services.sessionmaker() as session, session.begin():
        owner = await classify(
            session, incoming, now=services.clock.now(), idle=services.config.relay.idle
        )
    match owner:
        case Stranger():
            await fallback.stray(update, context, None, entry_open=False)
        case MenuChoice(member=member, menu=Menu.SUPPORT):
            await support.offer_support(update, context, member)
        case MenuChoice(member=member, menu=Menu.WRITE_TO_PARTNER):
            await relay.open_for(update, context, member)
        case ForPartner(relayed_before=True):
            log.info("message %s was relayed before; not again", message.message_id)
        case ForPartner(member=member, route=route):
            await relay.pass_on(update, context, member, message, route)
        case PartnerRefused(member=member, refusal=refusal):
            await relay.explain_refusal(update, context, member, refusal)
        case RosterUpload(member=member):
            await roster_upload.take_roster(update, context, member, message)
        case CheckinWords(member=member, content=Content.VOICE):
            await checkins.add_voice(update, context, member, message)
        case CheckinWords(member=member):
            await checkins.add_words(update, context, member, message)
        case Stray(member=member, entry_open=entry_open):
            await fallback.stray(update, context, member, entry_open=entry_open)


def _content(update: Update, message: Message) -> Content:
    if message.text is not None:
        return Content.TEXT
    if message.voice is not None:
        return Content.VOICE
    if roster_upload.ROSTER_FILES.check_update(update):
        return Content.ROSTER_FILE
    return Content.OTHER


def _menu(texts: Texts, text: str | None) -> Menu | None:
    label = text.strip() if text else None
    if not label:
        return None
    for menu, template in _MENU_TEMPLATES.items():
        if label in {texts.render_plain(template, locale).strip() for locale in LOCALES}:
            return menu
    return None


_MENU_TEMPLATES = {Menu.SUPPORT: "support/menu_button", Menu.WRITE_TO_PARTNER: "relay/menu_button"}
