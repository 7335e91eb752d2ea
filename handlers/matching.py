"""/match: a coordinator sees suggested pairs with their reasons and accepts them.

The chat remembers (in memory) which message holds the newest suggestions. A press on an
older one, far up the chat, is answered with a new message at the bottom, where the
coordinator is looking, and leaves the old message as it was; so is any press on
suggestions after a restart, when nothing is remembered.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update

from bot.buttons import matching as match_buttons
from bot.domain.matching import Proposal
from bot.services.audit import member_actor
from bot.services.matching import Applied, apply, suggestions
from bot.services.members import MemberView
from bot.services.programmes import get_programme
from handlers.context import FrizonContext
from handlers.coordination import (
    Step,
    ask_programme_then,
    coordinator_or_explain,
    note_menu,
    on_coordinator_button,
)
from handlers.replies import reply

log = logging.getLogger(__name__)

BUTTONS = match_buttons.BUTTONS
PATTERN = BUTTONS.pattern
CANCEL = match_buttons.cancel()
PAGE_SIZE = 5  # each suggestion brings its reasons: a page stays short on a phone
UNMATCHED_SHOWN = 10  # `frizon match` lists every one
NEWEST_OFFER = "match_newest_offer"  # chat_data: the message id of the newest suggestions


async def start_matching(update: Update, context: FrizonContext) -> None:
    """Ask which programme (if several), then show the first page of suggestions."""
    member = await coordinator_or_explain(update, context)
    if member is not None:
        await ask_programme_then(
            update, context, member, match_buttons.suggestions, _page, cancel=CANCEL
        )


async def on_button(update: Update, context: FrizonContext) -> None:
    """mx:p:programme:page, mx:a:programme:student:mentor (accept one), mx:all:programme
    (accept every suggestion the pressed message offers)."""
    message = update.callback_query.message if update.callback_query else None
    shown = _shown_on(message)
    stale = bool(shown) and not _newest_offer(context, message)

    async def answered(step: Awaitable[Step]) -> Step:
        shown_step = await step
        shown_step.new_message = shown_step.new_message or stale
        return shown_step

    await on_coordinator_button(
        update,
        context,
        buttons=BUTTONS,
        steps={
            "p": lambda c, m, ids: answered(_page(c, m, ids[0], ids[1])),
            "a": lambda c, m, ids: answered(_accept(c, m, ids[0], [(ids[1], ids[2])])),
            "all": lambda c, m, ids: answered(_accept(c, m, ids[0], shown.get(ids[0], []))),
        },
    )


class OfferStep(Step):
    """A page of suggestions, shown by editing the pressed message or in a new one; the
    chat remembers it as the newest."""

    async def show(self, update: Update, context: FrizonContext, locale: str) -> None:
        query = update.callback_query
        if query is not None and not self.new_message:
            await super().show(update, context, locale)
            _remember_offer(context, query.message)
            return
        note_menu(context, waiting=self.keyboard is not None)
        sent = await reply(
            update, context, self.template, locale=locale, keyboard=self.keyboard, **self.variables
        )
        _remember_offer(context, sent)


def _remember_offer(context: FrizonContext, message: object) -> None:
    if context.chat_data is not None and isinstance(message, Message):
        context.chat_data[NEWEST_OFFER] = message.message_id


def _newest_offer(context: FrizonContext, message: object) -> bool:
    """Whether the pressed message holds the newest suggestions this chat was shown."""
    newest = context.chat_data.get(NEWEST_OFFER) if context.chat_data is not None else None
    return isinstance(message, Message) and message.message_id == newest


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
            now=services.clock.now(),
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
    return OfferStep(
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
                callback_data=match_buttons.accept(programme_id, s.student_id, s.mentor_id),
            )
        ]
        for s in shown
    ]
    if len(shown) > 1:
        label = texts.render_plain("matching/accept_all_button", locale, count=len(shown))
        rows.append(
            [InlineKeyboardButton(label, callback_data=match_buttons.accept_all(programme_id))]
        )
    navigation = []
    if page > 0:
        label = texts.render_plain("buttons/previous", locale)
        navigation.append(
            InlineKeyboardButton(
                label, callback_data=match_buttons.suggestions(programme_id, page - 1)
            )
        )
    if page < pages - 1:
        label = texts.render_plain("buttons/next", locale)
        navigation.append(
            InlineKeyboardButton(
                label, callback_data=match_buttons.suggestions(programme_id, page + 1)
            )
        )
    if navigation:
        rows.append(navigation)
    return InlineKeyboardMarkup(rows)
