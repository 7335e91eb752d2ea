"""What the coordinator button flows share: who may use them, choosing a programme, steps."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.buttons.data import CANCEL, Buttons
from bot.services.members import MemberView
from db.models import Role
from handlers.buttons import edit_to, with_cancel
from handlers.context import FrizonContext
from handlers.people import enrolled_member
from handlers.presses import pressed
from handlers.replies import reply

OPEN_MENU = "coordinator_menu_open"


def note_menu(context: FrizonContext, *, waiting: bool) -> None:
    """Remember whether a coordinator flow is waiting for a tap, so that text typed in the
    middle of it is answered with "tap a button above" rather than as stray text."""
    if context.user_data is None:
        return
    if waiting:
        context.user_data[OPEN_MENU] = True
    else:
        context.user_data.pop(OPEN_MENU, None)


def menu_waiting(context: FrizonContext) -> bool:
    return bool(context.user_data and context.user_data.get(OPEN_MENU))


class Step:
    """The next thing a button flow shows: by editing the pressed message, or in a new one."""

    def __init__(
        self,
        template: str,
        keyboard: InlineKeyboardMarkup | None = None,
        *,
        new_message: bool = False,
        **variables: Any,
    ) -> None:
        self.template = template
        self.keyboard = keyboard
        self.new_message = new_message
        self.variables = variables

    async def show(self, update: Update, context: FrizonContext, locale: str) -> None:
        note_menu(context, waiting=self.keyboard is not None)
        query = update.callback_query
        if query is None or self.new_message:
            await reply(
                update,
                context,
                self.template,
                locale=locale,
                keyboard=self.keyboard,
                **self.variables,
            )
        else:
            await edit_to(
                query, context, self.template, locale, keyboard=self.keyboard, **self.variables
            )


async def coordinator_or_explain(update: Update, context: FrizonContext) -> MemberView | None:
    """The member if they coordinate a programme; otherwise say why not and return None."""
    member = await enrolled_member(update, context)
    if member is None:
        return None
    if not member.programmes_as(Role.COORDINATOR):
        await reply(update, context, "errors/not_allowed", locale=member.locale)
        return None
    return member


async def ask_programme_then(
    update: Update,
    context: FrizonContext,
    member: MemberView,
    choose: Callable[[int], str],
    first_step: Callable[[FrizonContext, MemberView, int], Awaitable[Step]],
    *,
    cancel: str,
) -> None:
    """With one programme go straight to `first_step`; with several, ask which first:
    `choose` makes the data of a programme's button, `cancel` that of Cancel."""
    programmes = member.programmes_as(Role.COORDINATOR)
    if len(programmes) == 1:
        step = await first_step(context, member, programmes[0].programme_id)
        await step.show(update, context, member.locale)
        return
    rows = [
        [InlineKeyboardButton(held.programme_name, callback_data=choose(held.programme_id))]
        for held in programmes
    ]
    keyboard = with_cancel(rows, context, member.locale, cancel)
    note_menu(context, waiting=True)
    await reply(
        update, context, "pairing/choose_programme", locale=member.locale, keyboard=keyboard
    )


StepFor = Callable[[FrizonContext, MemberView, tuple[int, ...]], Awaitable[Step]]


async def on_coordinator_button(
    update: Update, context: FrizonContext, *, buttons: Buttons, steps: dict[str, StepFor]
) -> None:
    """The common path of a coordinator's button: acknowledge, parse the callback data
    strictly (`buttons`, with a verb "x" for Cancel), check the presser coordinates the
    programme it names (the first id), then show the step for its verb."""
    press = await pressed(update, context, buttons)
    if press is None:
        return
    member, locale, ids = press.member, press.locale, press.ids
    if press.verb == CANCEL:
        note_menu(context, waiting=False)
        await edit_to(press.query, context, "pairing/cancelled", locale)
        return
    if member is None or not member.coordinates(ids[0]):
        await reply(update, context, "errors/not_allowed", locale=locale)
        return
    step = await steps[press.verb](context, member, ids)
    await step.show(update, context, locale)
