"""/history: a student reads their own entries one at a time, listens to their voice notes,
shares, hides or deletes them."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.buttons import history as history_buttons
from bot.sending.splitting import split_text
from bot.services import history
from bot.services.errors import Refused
from bot.services.members import MemberView
from db.models import Role
from handlers.buttons import edit_to, offered
from handlers.context import FrizonContext
from handlers.people import enrolled_member
from handlers.presses import pressed
from handlers.replies import reply

BUTTONS = history_buttons.BUTTONS
PATTERN = BUTTONS.pattern


async def show_history(update: Update, context: FrizonContext) -> None:
    """The newest entry, with buttons to page back and to change it."""
    member = await enrolled_member(update, context)
    if member is None:
        return
    if not member.has_role(Role.STUDENT):
        await reply(update, context, "checkin/refused", locale=member.locale, reason="not_student")
        return
    await _show(update, context, member, 0, edit=False)


async def on_button(update: Update, context: FrizonContext) -> None:
    """hi:v:pos (view), hi:s:id:pos:mentor / hi:p:id:pos (share / make private), hi:d:id:pos
    (ask before deleting), hi:y:id:pos (delete), hi:l:id (listen to its voice notes)."""
    press = await pressed(update, context, BUTTONS)
    if press is None:
        return
    query, member, locale = press.query, press.member, press.locale
    verb, ids = press.verb, press.ids
    if member is None:
        await reply(update, context, "errors/stale_button", locale=locale)
        return
    if verb == "v":
        await _show(update, context, member, ids[0], edit=True)
        return
    if verb == "l":
        await _play_back(update, context, member, ids[0])
        return
    checkin_id, position = ids[0], ids[1]
    if verb == "d":
        async with context.services.sessionmaker() as session:
            mine = await history.is_own_entry(session, member_id=member.id, checkin_id=checkin_id)
        if not mine:  # refused at the question, not only at the deletion
            await reply(update, context, "checkin/refused", locale=locale, reason="stale")
            return
        keyboard = _keyboard(
            [
                (
                    context.services.texts.render_plain("history/delete_button", locale),
                    history_buttons.delete(checkin_id, position),
                ),
                (
                    context.services.texts.render_plain("history/keep_button", locale),
                    history_buttons.view(position),
                ),
            ]
        )
        await edit_to(query, context, "history/confirm_delete", locale, keyboard=keyboard)
        return
    services = context.services
    try:
        async with services.sessionmaker() as session, session.begin():
            if verb == "y":
                await history.delete_entry(session, member_id=member.id, checkin_id=checkin_id)
            else:
                await history.set_shared(
                    session,
                    now=services.clock.now(),
                    member_id=member.id,
                    checkin_id=checkin_id,
                    share=verb == "s",
                    mentor_id=ids[2] if verb == "s" else None,
                )
    except Refused as refusal:
        if verb == "y" and offered(query) and await _deleted_before(context, checkin_id):
            # This very button, pressed again after a failure: the entry went the first
            # time, and that is what the student hears.
            await edit_to(query, context, "history/deleted", locale)
            return
        await reply(update, context, "checkin/refused", locale=locale, reason=refusal.reason)
        return
    if verb == "s":
        services.wake_sender()
    if verb == "y":
        await edit_to(query, context, "history/deleted", locale)
        return
    await _show(update, context, member, position, edit=True)


async def _show(
    update: Update, context: FrizonContext, member: MemberView, position: int, *, edit: bool
) -> None:
    services = context.services
    async with services.sessionmaker() as session:
        entry = await history.entry_at(
            session, member_id=member.id, position=position, cipher=services.cipher
        )
    if entry is None:
        await reply(update, context, "history/empty", locale=member.locale)
        return
    texts, locale = services.texts, member.locale
    rows: list[list[tuple[str, str]]] = []
    paging = []
    if entry.position > 0:
        paging.append(
            (texts.render_plain("history/newer", locale), history_buttons.view(entry.position - 1))
        )
    if entry.position < entry.total - 1:
        paging.append(
            (texts.render_plain("history/older", locale), history_buttons.view(entry.position + 1))
        )
    if paging:
        rows.append(paging)
    change = []
    if entry.shared:
        change.append(
            (
                texts.render_plain("history/make_private", locale),
                history_buttons.make_private(entry.checkin_id, entry.position),
            )
        )
    elif entry.mentor and entry.mentor_id is not None and not entry.unreadable:
        # (mentor and mentor_id come from one pair; words nobody can read are not shared)
        change.append(
            (
                texts.render_plain("checkin/share_button", locale, mentor=entry.mentor),
                history_buttons.share(entry.checkin_id, entry.position, entry.mentor_id),
            )
        )
    change.append(
        (
            texts.render_plain("history/delete", locale),
            history_buttons.ask_delete(entry.checkin_id, entry.position),
        )
    )
    rows.append(change)
    if entry.voice_notes:
        listen = texts.render_plain("history/listen", locale)
        rows.append([(listen, history_buttons.listen(entry.checkin_id))])
    keyboard = InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=data) for label, data in row] for row in rows]
    )
    parts = split_text(entry.text)
    variables = {
        "position": entry.position + 1,
        "total": entry.total,
        "when": f"{entry.created_at.astimezone(ZoneInfo(member.timezone)):%Y-%m-%d %H:%M}",
        "mood_word": texts.render_plain("checkin/mood_word", locale, mood=entry.mood),
        "shared": entry.shared,
        "delivered": entry.delivered,
        "voice_notes": entry.voice_notes,
        "unreadable": entry.unreadable,
        # One message shows the start of a long entry; the whole stays stored.
        "text": parts[0] + (" …" if len(parts) > 1 else "") if parts else "",
    }
    query = update.callback_query
    if edit and query is not None:
        await edit_to(query, context, "history/entry", locale, keyboard=keyboard, **variables)
    else:
        await reply(update, context, "history/entry", locale=locale, keyboard=keyboard, **variables)


async def _play_back(
    update: Update, context: FrizonContext, member: MemberView, checkin_id: int
) -> None:
    """The entry's voice notes, sent again by their file ids to their author alone, each
    waiting its turn in the chat's pace like every message to that chat."""
    services = context.services
    chat = update.effective_chat
    try:
        async with services.sessionmaker() as session:
            file_ids = await history.voice_notes_of(
                session, member_id=member.id, checkin_id=checkin_id, cipher=services.cipher
            )
    except Refused as refusal:
        file_ids, reason = [], refusal.reason
    else:
        reason = "stale"  # an entry of their own without voice notes: no such button
    if not file_ids or chat is None:
        await reply(update, context, "checkin/refused", locale=member.locale, reason=reason)
        return
    for file_id in file_ids:
        await services.chat_pace.wait(chat.id)
        await context.bot.send_voice(chat.id, file_id)


async def _deleted_before(context: FrizonContext, checkin_id: int) -> bool:
    async with context.services.sessionmaker() as session:
        return await history.is_gone(session, checkin_id=checkin_id)


def _keyboard(buttons: list[tuple[str, str]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=data) for label, data in buttons]]
    )
