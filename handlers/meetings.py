"""/met, /meetings and the meeting buttons: log a meeting, confirm or correct one, agree
how often to meet, and answer "did you meet?"."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.buttons import meetings as meeting_buttons
from bot.buttons.data import day_of
from bot.sending.keyboards import rhythm_keyboard
from bot.sending.methods import markup
from bot.services import meetings
from bot.services.errors import Refused
from bot.services.members import MemberView
from bot.services.partners import partners_of
from db.models import Role
from handlers.buttons import offered, remove_buttons
from handlers.context import FrizonContext
from handlers.people import enrolled_member
from handlers.presses import pressed
from handlers.replies import reply

BUTTONS = meeting_buttons.BUTTONS
PATTERN = BUTTONS.pattern


async def log_meeting(update: Update, context: FrizonContext) -> None:
    """/met, or /met YYYY-MM-DD."""
    member = await enrolled_member(update, context)
    if member is None:
        return
    day: date | None = None
    if context.args:
        try:
            day = date.fromisoformat(context.args[0])
        except ValueError:
            await _refused(update, context, member, Refused("bad_date"))
            return
    async with context.services.sessionmaker() as session:
        partners = await partners_of(session, member.id)
    if not partners:
        await _refused(update, context, member, Refused("no_pair"))
        return
    if len(partners) > 1:
        buttons = [
            [InlineKeyboardButton(p.name, callback_data=meeting_buttons.which_pair(p.pair_id, day))]
            for p in partners
        ]
        await reply(
            update,
            context,
            "meetings/choose_pair",
            locale=member.locale,
            keyboard=InlineKeyboardMarkup(buttons),
        )
        return
    (partner,) = partners
    if day is None:
        await _ask_day(update, context, member, partner.pair_id, partner.name)
    else:
        await _log(update, context, member, partner.pair_id, day)


async def show_meetings(update: Update, context: FrizonContext) -> None:
    """/meetings: each pair's rhythm and logged meetings; the rhythm buttons beneath (for
    several pairs, a button per pair that brings its own)."""
    member = await enrolled_member(update, context)
    if member is None:
        return
    async with context.services.sessionmaker() as session:
        found = await meetings.meetings_of(session, member_id=member.id)
    texts = context.services.texts
    keyboard: InlineKeyboardMarkup | None = None
    if len(found) == 1:
        keyboard = markup(rhythm_keyboard(texts, member.locale, found[0].pair_id, found[0].rhythm))
    elif found:
        keyboard = InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(
                        texts.render_plain(
                            "meetings/rhythm_with_button", member.locale, partner=pair.partner
                        ),
                        callback_data=meeting_buttons.rhythm_menu(pair.pair_id),
                    )
                ]
                for pair in found
            ]
        )
    await reply(
        update,
        context,
        "meetings/list",
        locale=member.locale,
        keyboard=keyboard,
        pairs=[
            {
                "partner": pair.partner,
                "weeks": pair.rhythm.weeks,
                "agreed": pair.rhythm.agreed,
                "proposed": pair.rhythm.proposed or 0,
                "proposed_by_me": pair.rhythm.proposed_by_me,
                "meetings": [(day.isoformat(), confirmed) for day, confirmed in pair.meetings],
            }
            for pair in found
        ],
    )


async def on_button(update: Update, context: FrizonContext) -> None:
    """The meeting buttons; a pair or meeting that is not the presser's is refused first
    (by the services for the steps that change something, here for the others)."""
    press = await pressed(update, context, BUTTONS)
    if press is None:
        return
    member, verb, ids = press.member, press.verb, press.ids
    if member is None:
        await reply(update, context, "meetings/refused", locale=press.locale, reason="stale")
        return
    services = context.services
    try:
        if verb == "d":
            await _log(update, context, member, ids[0], _today(context, member) - timedelta(ids[1]))
        elif verb == "e":
            day = day_of(ids[1])
            assert day is not None  # DAY admits real days only
            await _log(update, context, member, ids[0], day)
        elif verb in ("c", "n"):
            async with services.sessionmaker() as session, session.begin():
                meeting = await meetings.answer_meeting(
                    session, member_id=member.id, meeting_id=ids[0], confirmed=verb == "c"
                )
            await _retire_buttons(press.query)
            await reply(
                update,
                context,
                "meetings/answered",
                locale=member.locale,
                confirmed=verb == "c",
                day=meeting.met_on.isoformat(),
            )
        elif verb in ("a", "y"):
            async with services.sessionmaker() as session, session.begin():
                if verb == "a":
                    answer = await meetings.choose_rhythm(
                        session,
                        member_id=member.id,
                        pair_id=ids[0],
                        weeks=ids[1],
                        now=services.clock.now(),
                    )
                else:
                    answer = await meetings.accept_rhythm(
                        session,
                        member_id=member.id,
                        pair_id=ids[0],
                        proposal_id=ids[1],
                        now=services.clock.now(),
                    )
            await _answer_rhythm(update, context, member, ids[0], answer)
        else:  # p, r, x, l: only the presser's own pairs
            async with services.sessionmaker() as session:
                partners = {p.pair_id: p.name for p in await partners_of(session, member.id)}
            if ids[0] not in partners:
                raise Refused("not_yours")
            if verb == "p":
                await _ask_day(update, context, member, ids[0], partners[ids[0]])
            elif verb == "r":
                await _show_rhythm(update, context, member, ids[0])
            elif verb == "l":
                await show_meetings(update, context)
            else:  # "x": not yet
                await _retire_buttons(press.query)
                await reply(
                    update,
                    context,
                    "meetings/not_yet",
                    locale=member.locale,
                    is_student=member.has_role(Role.STUDENT),
                )
    except Refused as refusal:
        await _refused(update, context, member, refusal)


async def _answer_rhythm(
    update: Update,
    context: FrizonContext,
    member: MemberView,
    pair_id: int,
    answer: meetings.RhythmAnswer,
) -> None:
    """Say what the tap did. A change takes the buttons off the pressed message and brings
    them anew, as they stand now; a tap that changed nothing leaves everything as it was."""
    keyboard = None
    if answer.changed:
        context.services.wake_sender()  # the other side is asked, or told
        query = update.callback_query
        if query is not None:
            await _retire_buttons(query)
        keyboard = markup(
            rhythm_keyboard(context.services.texts, member.locale, pair_id, answer.rhythm)
        )
    await reply(
        update,
        context,
        "meetings/rhythm_answer",
        locale=member.locale,
        keyboard=keyboard,
        outcome=answer.outcome,
        weeks=answer.weeks,
        partner=answer.partner,
        **_rhythm_variables(answer.rhythm),
    )


async def _show_rhythm(
    update: Update, context: FrizonContext, member: MemberView, pair_id: int
) -> None:
    async with context.services.sessionmaker() as session:
        (pair,) = [
            p
            for p in await meetings.meetings_of(session, member_id=member.id)
            if p.pair_id == pair_id
        ]
    keyboard = rhythm_keyboard(context.services.texts, member.locale, pair_id, pair.rhythm)
    await reply(
        update,
        context,
        "meetings/rhythm_menu",
        locale=member.locale,
        keyboard=markup(keyboard),
        partner=pair.partner,
        **_rhythm_variables(pair.rhythm),
    )


def _rhythm_variables(rhythm: meetings.Rhythm) -> dict[str, object]:
    return {
        "holds": rhythm.weeks,
        "agreed": rhythm.agreed,
        "proposed": rhythm.proposed or 0,
        "proposed_by_me": rhythm.proposed_by_me,
    }


async def _retire_buttons(query: CallbackQuery) -> None:
    """The question is answered: its buttons go, as the check-in's do. Only from a
    message that carries this very button (a press forged onto another is left alone)."""
    if offered(query):
        await remove_buttons(query)


async def _ask_day(
    update: Update, context: FrizonContext, member: MemberView, pair_id: int, partner: str
) -> None:
    texts = context.services.texts
    buttons = [
        [
            InlineKeyboardButton(
                texts.render_plain("meetings/today_button", member.locale),
                callback_data=meeting_buttons.met(pair_id, days_back=0),
            ),
            InlineKeyboardButton(
                texts.render_plain("meetings/yesterday_button", member.locale),
                callback_data=meeting_buttons.met(pair_id, days_back=1),
            ),
        ]
    ]
    await reply(
        update,
        context,
        "meetings/ask_day",
        locale=member.locale,
        keyboard=InlineKeyboardMarkup(buttons),
        partner=partner,
    )


async def _log(
    update: Update, context: FrizonContext, member: MemberView, pair_id: int, day: date
) -> None:
    services = context.services
    try:
        async with services.sessionmaker() as session, session.begin():
            await meetings.log_meeting(
                session,
                member_id=member.id,
                pair_id=pair_id,
                day=day,
                today=_today(context, member),
                now=services.clock.now(),
            )
            partners = {p.pair_id: p.name for p in await partners_of(session, member.id)}
    except Refused as refusal:
        await _refused(update, context, member, refusal)
        return
    services.wake_sender()
    if update.callback_query is not None:  # "We met today" or "yesterday": answered
        await _retire_buttons(update.callback_query)
    await reply(
        update,
        context,
        "meetings/logged",
        locale=member.locale,
        partner=partners.get(pair_id, ""),
        day=day.isoformat(),
    )


async def _refused(
    update: Update, context: FrizonContext, member: MemberView, refusal: Refused
) -> None:
    await reply(
        update,
        context,
        "meetings/refused",
        locale=member.locale,
        reason=refusal.reason,
        day=str(refusal.details.get("day", "")),
    )


def _today(context: FrizonContext, member: MemberView) -> date:
    return context.services.clock.now().astimezone(ZoneInfo(member.timezone)).date()
