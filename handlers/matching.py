"""/match: a coordinator sees suggested pairs with their reasons and accepts them."""

from __future__ import annotations

import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update

from bot.matching import Proposal
from bot.services.audit import member_actor
from bot.services.matching import Applied, apply, suggestions
from bot.services.members import MemberView
from bot.services.programmes import get_programme
from handlers.callback_data import ID, PAGE, Buttons
from handlers.context import FrizonContext
from handlers.coordination import (
    CANCEL_VERB,
    Step,
    ask_programme_then,
    coordinator_or_explain,
    on_coordinator_button,
)

log = logging.getLogger(__name__)

BUTTONS = Buttons(
    "mx",
    {
        "p": (ID, PAGE),  # programme, page of suggestions
        "a": (ID, ID, ID),  # programme, student, mentor: accept one suggestion
        "all": (ID,),  # accept every suggestion the pressed message offers
        CANCEL_VERB: (),
    },
)
PATTERN = BUTTONS.pattern
CANCEL = f"mx:{CANCEL_VERB}"
PAGE_SIZE = 5  # each suggestion brings its reasons: a page stays short on a phone
UNMATCHED_SHOWN = 10  # `frizon match` lists every one


async def start_matching(update: Update, context: FrizonContext) -> None:
    """Ask which programme (if several), then show the first page of suggestions."""
    member = await coordinator_or_explain(update, context)
    if member is not None:
        await ask_programme_then(update, context, member, "mx:p:{}:0", _page)


async def on_button(update: Update, context: FrizonContext) -> None:
    """mx:p:programme:page, mx:a:programme:student:mentor (accept one), mx:all:programme
    (accept every suggestion the pressed message offers)."""
    shown = _shown_on(update.callback_query.message if update.callback_query else None)
    await on_coordinator_button(
        update,
        context,
        buttons=BUTTONS,
        steps={
            "p": lambda c, m, ids: _page(c, m, ids[0], ids[1]),
            "a": lambda c, m, ids: _accept(c, m, ids[0], [(ids[1], ids[2])]),
            "all": lambda c, m, ids: _accept(c, m, ids[0], shown.get(ids[0], [])),
        },
    )


def _shown_on(message: object) -> dict[int, list[tuple[int, int]]]:
    """The suggestions a message offers, by programme, read from its Accept buttons.

    The message comes from Telegram, not from the client, and every pair is still
    checked by the service: "accept all shown" means exactly what the coordinator saw.
    """
    if not isinstance(message, Message) or message.reply_markup is None:
        return {}
    shown: dict[int, list[tuple[int, int]]] = {}
    for row in message.reply_markup.inline_keyboard:
        for button in row:
            data = button.callback_data if isinstance(button.callback_data, str) else None
            parsed = BUTTONS.parse(data)
            if parsed is not None and parsed.verb == "a":
                programme_id, student_id, mentor_id = parsed.ids
                shown.setdefault(programme_id, []).append((student_id, mentor_id))
    return shown


async def _accept(
    context: FrizonContext, member: MemberView, programme_id: int, accepted: list[tuple[int, int]]
) -> Step:
    services = context.services
    async with services.sessionmaker() as session, session.begin():
        programme = await get_programme(session, programme_id)
        applied = await apply(
            session,
            clock=services.clock,
            programme=programme,
            accepted=accepted,
            actor=member_actor(member.id),
        )
    if applied.paired:
        services.wake_sender()
        log.info("%d suggested pair(s) accepted by member %s", len(applied.paired), member.id)
    return await _page(context, member, programme_id, 0, applied)


async def _page(
    context: FrizonContext,
    member: MemberView,
    programme_id: int,
    page: int = 0,
    applied: Applied | None = None,
) -> Step:
    """A page of suggestions with an Accept button each, after what was just done."""
    async with context.services.sessionmaker() as session:
        programme = await get_programme(session, programme_id)
        proposal = await suggestions(session, programme_id=programme_id)
    pages = max(1, -(-len(proposal.suggestions) // PAGE_SIZE))
    page = min(max(page, 0), pages - 1)
    shown = proposal.suggestions[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    return Step(
        "matching/suggestions",
        _keyboard(context, member.locale, programme_id, proposal, page, pages),
        programme=programme.name,
        suggestions=shown,
        first=page * PAGE_SIZE + 1,
        total=len(proposal.suggestions),
        unmatched=proposal.unmatched[:UNMATCHED_SHOWN],
        unmatched_total=len(proposal.unmatched),
        paired=applied.paired if applied else (),
        declined=applied.declined if applied else (),
    )


def _keyboard(
    context: FrizonContext,
    locale: str,
    programme_id: int,
    proposal: Proposal,
    page: int,
    pages: int,
) -> InlineKeyboardMarkup | None:
    texts = context.services.texts
    shown = proposal.suggestions[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    if not shown:
        return None
    rows = [
        [
            InlineKeyboardButton(
                texts.render_plain(
                    "matching/accept_button",
                    locale,
                    student=s.student_name,
                    mentor=s.mentor_name,
                ),
                callback_data=f"mx:a:{programme_id}:{s.student_id}:{s.mentor_id}",
            )
        ]
        for s in shown
    ]
    if len(shown) > 1:
        label = texts.render_plain("matching/accept_all_button", locale, count=len(shown))
        rows.append([InlineKeyboardButton(label, callback_data=f"mx:all:{programme_id}")])
    navigation = []
    if page > 0:
        label = texts.render_plain("buttons/previous", locale)
        navigation.append(
            InlineKeyboardButton(label, callback_data=f"mx:p:{programme_id}:{page - 1}")
        )
    if page < pages - 1:
        label = texts.render_plain("buttons/next", locale)
        navigation.append(
            InlineKeyboardButton(label, callback_data=f"mx:p:{programme_id}:{page + 1}")
        )
    if navigation:
        rows.append(navigation)
    return InlineKeyboardMarkup(rows)
