"""/export: a coordinator picks a programme (if several), then pairs, meetings or weekly
engagement, and gets that CSV as a document. The choice stays open for the next one."""

from __future__ import annotations

import logging

from telegram import InlineKeyboardButton, InputFile, Update

from bot.buttons import exports as export_buttons
from bot.buttons.data import CANCEL as CANCEL_VERB
from bot.domain.exports import What
from bot.services.audit import member_actor
from bot.services.exports import csv_file_bytes, export
from bot.services.members import MemberView
from bot.services.programmes import get_programme
from bot.texts.names import erased_name
from handlers.buttons import edit_to, with_cancel
from handlers.context import FrizonContext
from handlers.coordination import (
    Step,
    ask_programme_then,
    coordinator_or_explain,
    note_menu,
)
from handlers.presses import pressed
from handlers.replies import reply

log = logging.getLogger(__name__)

BUTTONS = export_buttons.BUTTONS
PATTERN = BUTTONS.pattern
CANCEL = export_buttons.cancel()


async def start_export(update: Update, context: FrizonContext) -> None:
    """Ask which programme (if several), then which export."""
    member = await coordinator_or_explain(update, context)
    if member is not None:
        await ask_programme_then(
            update, context, member, export_buttons.kinds, _kind_choice, cancel=CANCEL
        )


async def on_button(update: Update, context: FrizonContext) -> None:
    """exp:p:programme (the kinds), exp:pairs|meetings|engagement:programme (send it).

    Callback data comes from the client: the presser must coordinate the programme it
    names, or nothing is exported and nothing recorded."""
    press = await pressed(update, context, BUTTONS)
    if press is None:
        return
    member, locale, verb = press.member, press.locale, press.verb
    if verb == CANCEL_VERB:
        note_menu(context, waiting=False)
        await edit_to(press.query, context, "exports/closed", locale)
        return
    (programme_id,) = press.ids
    if member is None or not member.coordinates(programme_id):
        await reply(update, context, "errors/not_allowed", locale=locale)
        return
    if verb == export_buttons.CHOOSE:
        step = await _kind_choice(context, member, programme_id)
        await step.show(update, context, locale)
        return
    await _send_export(update, context, member, programme_id, What(verb))


async def _kind_choice(context: FrizonContext, member: MemberView, programme_id: int) -> Step:
    services = context.services
    async with services.sessionmaker() as session:
        programme = await get_programme(session, programme_id)
    rows = [
        [
            InlineKeyboardButton(
                services.texts.render_plain("exports/button", member.locale, what=what.value),
                callback_data=export_buttons.send(what, programme_id),
            )
        ]
        for what in What
    ]
    return Step(
        "exports/choose",
        with_cancel(rows, context, member.locale, CANCEL),
        programme=programme.name,
        min_group_size=services.config.privacy.min_group_size,
    )


async def _send_export(
    update: Update, context: FrizonContext, member: MemberView, programme_id: int, what: What
) -> None:
    chat = update.effective_chat
    if chat is None:
        return
    services = context.services
    async with services.sessionmaker() as session, session.begin():
        made = await export(
            session,
            now=services.clock.now(),
            programme=await get_programme(session, programme_id),
            what=what,
            min_group_size=services.config.privacy.min_group_size,
            actor=member_actor(member.id),
            erased_name=erased_name(services.texts, member.locale),
        )
    log.info(
        "export of %s (%d rows) for programme %s by member %s",
        what.value,
        len(made.table.rows),
        programme_id,
        member.id,
    )
    caption = services.texts.render(
        "exports/caption",
        member.locale,
        what=what.value,
        programme=made.programme,
        day=made.today.isoformat(),
        rows=len(made.table.rows),
    )
    await context.bot.send_document(
        chat.id,
        InputFile(csv_file_bytes(made.table), filename=made.file_name),
        caption=caption,
        parse_mode="HTML",
    )
