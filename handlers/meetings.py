"""/met, /meetings and the meeting buttons: log a meeting, confirm or correct one, agree
how often to meet, and answer "did you meet?"."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.services import meetings
from bot.services.errors import Refused
from bot.services.members import MemberView
from bot.services.partners import partners_of
from db.models import Role
from handlers.callback_data import DAY, ID, Buttons, Number, day_of
from handlers.context import FrizonContext
from handlers.people import enrolled_member
from handlers.presses import pressed
from handlers.replies import reply

DAYS_BACK = Number("days back", 0, meetings.MAX_DAYS_BACK)
WEEKS = Number("weeks between meetings", min(meetings.RHYTHMS), max(meetings.RHYTHMS))
BUTTONS = Buttons(
    "mt",
    {
        "p": (ID,),  # which pair a meeting is for
        "d": (ID, DAYS_BACK),  # the pair met today (0) or yesterday (1)
        "e": (ID, DAY),  # the pair met on the day /met named
        "c": (ID,),  # yes, that meeting happened
        "n": (ID,),  # not that day
        "a": (ID, WEEKS),  # the pair's rhythm
        "x": (ID,),  # not met yet
        "l": (ID,),  # show the meetings
    },
)
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
        verb = f"e:{{}}:{day:%Y%m%d}" if day else "p:{}"
        buttons = [
            [InlineKeyboardButton(p.name, callback_data="mt:" + verb.format(p.pair_id))]
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
    """/meetings: each pair's rhythm and logged meetings."""
    member = await enrolled_member(update, context)
    if member is None:
        return
    async with context.services.sessionmaker() as session:
        found = await meetings.meetings_of(session, member_id=member.id)
    await reply(
        update,
        context,
        "meetings/list",
        locale=member.locale,
        pairs=[
            {
                "partner": pair.partner,
                "weeks": pair.weeks,
                "agreed": pair.agreed,
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
            await reply(
                update,
                context,
                "meetings/answered",
                locale=member.locale,
                confirmed=verb == "c",
                day=meeting.met_on.isoformat(),
            )
        elif verb == "a":
            async with services.sessionmaker() as session, session.begin():
                weeks = await meetings.agree_rhythm(
                    session, member_id=member.id, pair_id=ids[0], weeks=ids[1]
                )
            await reply(update, context, "meetings/rhythm_set", locale=member.locale, weeks=weeks)
        else:  # p, x, l: only the presser's own pairs
            async with services.sessionmaker() as session:
                partners = {p.pair_id: p.name for p in await partners_of(session, member.id)}
            if ids[0] not in partners:
                raise Refused("not_yours")
            if verb == "p":
                await _ask_day(update, context, member, ids[0], partners[ids[0]])
            elif verb == "l":
                await show_meetings(update, context)
            else:  # "x": not yet
                await reply(
                    update,
                    context,
                    "meetings/not_yet",
                    locale=member.locale,
                    is_student=member.has_role(Role.STUDENT),
                )
    except Refused as refusal:
        await _refused(update, context, member, refusal)


async def _ask_day(
    update: Update, context: FrizonContext, member: MemberView, pair_id: int, partner: str
) -> None:
    texts = context.services.texts
    buttons = [
        [
            InlineKeyboardButton(
                texts.render_plain("meetings/today_button", member.locale),
                callback_data=f"mt:d:{pair_id}:0",
            ),
            InlineKeyboardButton(
                texts.render_plain("meetings/yesterday_button", member.locale),
                callback_data=f"mt:d:{pair_id}:1",
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
