"""/mydata, /forget and /consent: a member's copy of their own data, its erasure after a
confirmation, and a student's choice about research use of their entries."""

from __future__ import annotations

import logging

from telegram import (
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    ReplyKeyboardRemove,
    Update,
)

from bot.buttons import data_rights as data_rights_buttons
from bot.services.audit import member_actor
from bot.services.consent import ConsentState, consent_states, set_consent
from bot.services.erasure import erase_member, was_erased
from bot.services.errors import Refused
from bot.services.own_data import as_json, own_data
from bot.services.partners import partners_of
from bot.texts.names import erased_name
from db.models import Role
from handlers.buttons import edit_to, offered, remove_buttons
from handlers.context import FrizonContext
from handlers.people import current_member, enrolled_member
from handlers.presses import pressed
from handlers.replies import locale_of_update, reply

log = logging.getLogger(__name__)

BUTTONS = data_rights_buttons.BUTTONS
PATTERN = BUTTONS.pattern


async def send_my_data(update: Update, context: FrizonContext) -> None:
    """Send the member everything frizon keeps about them, as a JSON file."""
    member = await current_member(update, context)
    chat = update.effective_chat
    if member is None or chat is None:
        await reply(update, context, "errors/not_enrolled", locale=locale_of_update(update))
        return
    services = context.services
    now = services.clock.now()
    async with services.sessionmaker() as session:
        data = await own_data(
            session,
            member_id=member.id,
            cipher=services.cipher,
            now=now,
            erased_name=erased_name(services.texts, member.locale),
        )
    await context.bot.send_document(
        chat.id,
        InputFile(as_json(data), filename=f"frizon-my-data-{now:%Y-%m-%d}.json"),
        caption=services.texts.render("data_rights/mydata_caption", member.locale),
        parse_mode="HTML",
    )


async def ask_to_forget(update: Update, context: FrizonContext) -> None:
    """Say what erasure removes and what stays, with Erase and Cancel buttons."""
    member = await enrolled_member(update, context)
    if member is None:
        return
    async with context.services.sessionmaker() as session:
        partners = await partners_of(session, member.id)
    texts, locale = context.services.texts, member.locale
    # The buttons name the member: after an erasure and a new enrolment, an old
    # confirmation cannot erase the new membership.
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    texts.render_plain("data_rights/forget_button", locale),
                    callback_data=data_rights_buttons.erase(member.id),
                ),
                InlineKeyboardButton(
                    texts.render_plain("buttons/cancel", locale),
                    callback_data=data_rights_buttons.keep(member.id),
                ),
            ]
        ]
    )
    await reply(
        update,
        context,
        "data_rights/forget_confirm",
        locale=locale,
        keyboard=keyboard,
        partners=[partner.name for partner in partners],
    )


async def show_consent(update: Update, context: FrizonContext) -> None:
    """A student's research consent, with the button that would change it."""
    member = await enrolled_member(update, context)
    if member is None:
        return
    if not member.has_role(Role.STUDENT):
        await reply(
            update, context, "data_rights/refused", locale=member.locale, reason="not_student"
        )
        return
    async with context.services.sessionmaker() as session:
        states = await consent_states(session, member_id=member.id)
    await reply(
        update,
        context,
        "data_rights/consent",
        locale=member.locale,
        keyboard=_consent_keyboard(context, member.locale, states),
        changed="",
        programmes=_shown(states),
    )


async def on_button(update: Update, context: FrizonContext) -> None:
    """dr:f:<member> erases, dr:k:<member> keeps everything, dr:i:<programme> /
    dr:o:<programme> opt in or out of research use."""
    press = await pressed(update, context, BUTTONS, strangers=True)  # a retried erasure
    if press is None:
        return
    query, member, locale, verb = press.query, press.member, press.locale, press.verb
    (subject,) = press.ids
    if member is None:
        if verb == "f" and offered(query) and await _erased_before(context, subject):
            # This very button, pressed again after a failure: the erasure happened (so
            # the bot no longer knows the presser), and the goodbye is said again.
            await _after_erasure(update, context, locale, subject)
            return
        await reply(update, context, "errors/stranger_button", locale=locale)
        return
    if verb in ("f", "k") and subject != member.id:
        await reply(update, context, "data_rights/refused", locale=locale, reason="stale")
        return
    if verb == "k":
        await edit_to(query, context, "data_rights/forget_kept", locale)
        return
    services = context.services
    states: list[ConsentState] = []
    try:
        async with services.sessionmaker() as session, session.begin():
            if verb == "f":
                await erase_member(
                    session,
                    now=services.clock.now(),
                    member_id=member.id,
                    actor=member_actor(member.id),
                )
            else:
                await set_consent(
                    session,
                    now=services.clock.now(),
                    member_id=member.id,
                    programme_id=subject,
                    consenting=verb == "i",
                    actor=member_actor(member.id),
                )
                states = await consent_states(session, member_id=member.id)
    except Refused as refusal:
        await reply(update, context, "data_rights/refused", locale=locale, reason=refusal.reason)
        return
    if verb == "f":
        await _after_erasure(update, context, locale, member.id)
        return
    await edit_to(
        query,
        context,
        "data_rights/consent",
        locale,
        keyboard=_consent_keyboard(context, locale, states),
        changed="in" if verb == "i" else "out",
        programmes=_shown(states),
    )


async def _erased_before(context: FrizonContext, member_id: int) -> bool:
    async with context.services.sessionmaker() as session:
        return await was_erased(session, member_id=member_id)


async def _after_erasure(
    update: Update, context: FrizonContext, locale: str, member_id: int
) -> None:
    """Say goodbye, take away the buttons and menu of a member, and let the notices go."""
    log.info("member %s erased their data", member_id)
    context.services.wake_sender()  # the partner and coordinators hear the pair ended
    query, chat = update.callback_query, update.effective_chat
    if query is not None:
        await remove_buttons(query)
    if chat is None:
        return
    await context.bot.delete_my_commands(scope=BotCommandScopeChat(chat.id))
    await context.bot.send_message(
        chat.id,
        context.services.texts.render("data_rights/forgotten", locale),
        parse_mode="HTML",
        reply_markup=ReplyKeyboardRemove(),
    )


def _consent_keyboard(
    context: FrizonContext, locale: str, states: list[ConsentState]
) -> InlineKeyboardMarkup:
    """One button per programme: the choice that would change it (Opt out when opted in,
    Opt in otherwise), never the one that would leave things as they are."""
    texts = context.services.texts
    several = len(states) > 1
    rows = []
    for state in states:
        programme = state.programme_name if several else ""
        template = (
            "data_rights/consent_out_button"
            if state.consenting
            else "data_rights/consent_in_button"
        )
        rows.append(
            [
                InlineKeyboardButton(
                    texts.render_plain(template, locale, programme=programme),
                    callback_data=data_rights_buttons.research_use(
                        state.programme_id, opt_in=not state.consenting
                    ),
                )
            ]
        )
    return InlineKeyboardMarkup(rows)


def _shown(states: list[ConsentState]) -> list[dict[str, object]]:
    return [{"name": state.programme_name, "consenting": state.consenting} for state in states]
