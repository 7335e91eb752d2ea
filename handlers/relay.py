"""Chat between a pair through the bot: /mentor, /mentee, /done, and every message sent
while a conversation is open or as a reply to a relayed copy (handlers/messages.py
decides which messages those are).

A copy goes out at once, paced to one message a second per chat, under a one-line
header naming the sender (handlers/relay_copy.py: in the same message when both fit,
else just before). The update is confirmed only after the copy is recorded, so a crash
re-sends rather than loses; a copy already recorded is not sent twice.
"""

from __future__ import annotations

import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest, Forbidden

from bot.buttons import relay as relay_buttons
from bot.services import relay
from bot.services.errors import Refused
from bot.services.members import MemberView
from bot.services.partners import partners_of
from bot.services.presence import mark_blocked
from bot.texts.templates import Texts
from db.models import Role
from handlers.context import FrizonContext
from handlers.people import enrolled_member
from handlers.presses import Answer, pressed
from handlers.relay_copy import send_relayed
from handlers.replies import locale_of_update, reply

log = logging.getLogger(__name__)

BUTTONS = relay_buttons.BUTTONS
PATTERN = BUTTONS.pattern
NOT_YOUR_PAIR = Answer("relay/refused", {"reason": "not_your_pair"})  # forged or stale


async def write_to_mentor(update: Update, context: FrizonContext) -> None:
    """/mentor, or the "Message my mentor" button: open the conversation with the mentor."""
    member = await enrolled_member(update, context)
    if member is not None:
        await _open(update, context, member, pair_id=None)


async def write_to_mentee(update: Update, context: FrizonContext) -> None:
    """/mentee: a mentor with one mentee writes to them; with several, chooses first."""
    member = await enrolled_member(update, context)
    if member is None:
        return
    async with context.services.sessionmaker() as session:
        partners = await partners_of(session, member.id)
    if len(partners) > 1:
        texts = context.services.texts
        buttons = [
            [
                InlineKeyboardButton(
                    texts.render_plain("relay/reply_button", member.locale, name=partner.name),
                    callback_data=relay_buttons.write_to(partner.pair_id),
                )
            ]
            for partner in partners
        ]
        await reply(
            update,
            context,
            "relay/choose",
            locale=member.locale,
            keyboard=InlineKeyboardMarkup(buttons),
        )
        return
    await _open(update, context, member, pair_id=None)


async def done(update: Update, context: FrizonContext) -> None:
    """/done: close the conversation."""
    member = await enrolled_member(update, context)
    if member is None:
        return
    async with context.services.sessionmaker() as session, session.begin():
        partner = await relay.close_conversation(session, member_id=member.id)
    await reply(
        update,
        context,
        "relay/closed",
        locale=member.locale,
        partner=partner or "",
        is_student=member.has_role(Role.STUDENT),
    )


async def on_button(update: Update, context: FrizonContext) -> None:
    """rl:o:<pair>: write to the person on the other side of that pair; rl:s:<pair> the
    same, with a draft suggesting a time."""
    press = await pressed(update, context, BUTTONS, strangers=True, stale=NOT_YOUR_PAIR)
    if press is None:
        return
    if press.member is None:  # told how to join, as /mentor tells them
        await reply(update, context, "errors/not_enrolled", locale=locale_of_update(update))
        return
    (pair_id,) = press.ids
    route = await _open(update, context, press.member, pair_id=pair_id)
    if press.verb == "s" and route is not None:  # "Suggest a time": a draft to copy and adapt
        await reply(
            update,
            context,
            "relay/draft",
            locale=press.locale,
            partner=route.partner_name.split()[0],
        )


async def open_for(update: Update, context: FrizonContext, member: MemberView) -> None:
    """The "Message my mentor" button under the text box: as /mentor."""
    await _open(update, context, member, pair_id=None)


async def pass_on(
    update: Update,
    context: FrizonContext,
    member: MemberView,
    message: Message,
    route: relay.Route,
) -> None:
    """Copy the message to the partner under its header, then remember which copy came
    from which message (so a reply reaches the right person); a partner the bot cannot
    write to is explained to the sender instead."""
    if route.partner_left:  # they left the programme: the bot no longer writes to them
        await _cannot_reach(update, context, member, route, "left")
        return
    services = context.services
    try:
        sent = await send_relayed(
            context.bot,
            services.chat_pace,
            chat_id=route.partner_chat_id,
            message=message,
            header=_header(services.texts, route),
            answer=_answer_button(services.texts, route),
        )
    except Forbidden:
        async with services.sessionmaker() as session, session.begin():
            await mark_blocked(
                session, now=services.clock.now(), telegram_user_id=route.partner_chat_id
            )
        await _cannot_reach(update, context, member, route, "blocked")
        return
    except BadRequest as error:
        log.info("a relayed message was refused by Telegram: %s", error.message)
        await _cannot_reach(update, context, member, route, "rejected")
        return
    async with services.sessionmaker() as session, session.begin():
        await relay.record_relay(
            session,
            route=route,
            origin_chat_id=message.chat_id,
            origin_message_id=message.message_id,
            target_message_id=sent.copy_id,
            header_message_id=sent.header_id,
            now=services.clock.now(),
        )


def _header(texts: Texts, route: relay.Route) -> str:
    """The one line naming the sender, in the partner's language."""
    return texts.render(
        "relay/header",
        route.partner_locale,
        sender=route.sender_name,
        sender_is_student=route.sender_is_student,
    )


def _answer_button(texts: Texts, route: relay.Route) -> InlineKeyboardMarkup:
    """ "Reply to …" under the copy: the partner's way to answer this very pair."""
    label = texts.render_plain("relay/reply_button", route.partner_locale, name=route.sender_name)
    button = InlineKeyboardButton(label, callback_data=relay_buttons.write_to(route.pair_id))
    return InlineKeyboardMarkup([[button]])


async def _cannot_reach(
    update: Update, context: FrizonContext, member: MemberView, route: relay.Route, reason: str
) -> None:
    await reply(
        update,
        context,
        "relay/refused",
        locale=member.locale,
        reason=reason,
        partner=route.partner_name,
    )


async def _open(
    update: Update, context: FrizonContext, member: MemberView, *, pair_id: int | None
) -> relay.Route | None:
    services = context.services
    try:
        async with services.sessionmaker() as session, session.begin():
            route = await relay.open_conversation(
                session, member_id=member.id, now=services.clock.now(), pair_id=pair_id
            )
    except Refused as refusal:
        if refusal.reason == "choose_partner":
            await write_to_mentee(update, context)
            return None
        await explain_refusal(update, context, member, refusal)
        return None
    await reply(
        update,
        context,
        "relay/opened",
        locale=member.locale,
        partner=route.partner_name,
        minutes=int(services.config.relay.idle.total_seconds() // 60),
    )
    return route


async def explain_refusal(
    update: Update, context: FrizonContext, member: MemberView, refusal: Refused
) -> None:
    keyboard = None
    partner = str(refusal.details.get("partner", ""))
    if refusal.reason == "conversation_ended":
        keyboard = InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(
                        context.services.texts.render_plain(
                            "relay/reply_button", member.locale, name=partner
                        ),
                        callback_data=relay_buttons.write_to(
                            int(refusal.details.get("pair_id", 0))
                        ),
                    )
                ]
            ]
        )
    await reply(
        update,
        context,
        "relay/refused",
        locale=member.locale,
        keyboard=keyboard,
        reason=refusal.reason,
        partner=partner,
        is_student=member.has_role(Role.STUDENT),
        is_mentor=member.has_role(Role.MENTOR),
    )
