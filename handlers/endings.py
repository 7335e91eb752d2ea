"""/endpair: a student or a mentor ends their own pair, after a confirmation. The other
side and the programme's coordinators are told; the student gets a farewell prompt."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.buttons import endings as ending_buttons
from bot.services.errors import Refused
from bot.services.pairing import end_own_pair
from bot.services.partners import Partner, partners_of
from handlers.context import FrizonContext
from handlers.people import enrolled_member
from handlers.presses import pressed
from handlers.replies import reply

BUTTONS = ending_buttons.BUTTONS
PATTERN = BUTTONS.pattern


async def start_ending(update: Update, context: FrizonContext) -> None:
    member = await enrolled_member(update, context)
    if member is None:
        return
    async with context.services.sessionmaker() as session:
        partners = await partners_of(session, member.id)
    if not partners:
        await reply(update, context, "endings/refused", locale=member.locale, reason="no_partner")
        return
    if len(partners) > 1:
        buttons = [
            [InlineKeyboardButton(p.name, callback_data=ending_buttons.ask(p.pair_id))]
            for p in partners
        ]
        await reply(
            update,
            context,
            "endings/choose",
            locale=member.locale,
            keyboard=InlineKeyboardMarkup(buttons),
        )
        return
    await _confirm(update, context, member.locale, partners[0])


async def on_button(update: Update, context: FrizonContext) -> None:
    """ep:c:<pair> asks to confirm, ep:y:<pair> ends it, ep:n:0 keeps it."""
    press = await pressed(update, context, BUTTONS)
    if press is None:
        return
    member, locale, verb = press.member, press.locale, press.verb
    (pair_id,) = press.ids
    if member is None:
        await reply(update, context, "endings/refused", locale=locale, reason="stale")
        return
    if verb == "n":
        await reply(update, context, "endings/kept", locale=locale)
        return
    services = context.services
    if verb == "c":
        async with services.sessionmaker() as session:
            partners = {p.pair_id: p for p in await partners_of(session, member.id)}
        if pair_id not in partners:
            await reply(update, context, "endings/refused", locale=locale, reason="stale")
            return
        await _confirm(update, context, locale, partners[pair_id])
        return
    try:
        async with services.sessionmaker() as session, session.begin():
            await end_own_pair(
                session, now=services.clock.now(), member_id=member.id, pair_id=pair_id
            )
    except Refused:
        await reply(update, context, "endings/refused", locale=locale, reason="stale")
        return
    services.wake_sender()  # both sides hear it, from the outbox


async def _confirm(update: Update, context: FrizonContext, locale: str, partner: Partner) -> None:
    texts = context.services.texts
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    texts.render_plain("endings/end_button", locale),
                    callback_data=ending_buttons.end(partner.pair_id),
                ),
                InlineKeyboardButton(
                    texts.render_plain("buttons/cancel", locale),
                    callback_data=ending_buttons.keep(),
                ),
            ]
        ]
    )
    await reply(
        update, context, "endings/confirm", locale=locale, keyboard=keyboard, partner=partner.name
    )
