"""A reflection prompt from the catalogue, with the mood buttons that answer it."""

from __future__ import annotations

from markupsafe import Markup
from sqlalchemy.ext.asyncio import AsyncSession

from bot.buttons.checkins import mood_keyboard
from bot.outbox.purposes import Purpose
from bot.sending.composer import CannotCompose, ComposeContext, Composer
from bot.sending.holds import Hold
from bot.sending.outgoing import Outgoing, text
from db.models import Delivery, Member


async def compose_prompt(
    session: AsyncSession, delivery: Delivery, member: Member, context: ComposeContext
) -> Outgoing:
    key = delivery.prompt_key or ""
    catalogue = context.catalogue
    # A mentor's own reflection prompts come from the mentor part of the catalogue.
    prompt = catalogue.get("student", key) or catalogue.get("mentor", key)
    if prompt is None:
        raise CannotCompose(f"prompt {delivery.prompt_key!r} is no longer in the catalogue")
    first_name = member.display_name.split()[0] if member.display_name.split() else ""
    # The catalogue renders (and escapes) the prompt; Markup keeps it from being escaped twice.
    words = Markup(catalogue.render(prompt, member.language, name=first_name))
    keyboard = mood_keyboard(context.texts, member.language, delivery_id=delivery.id)
    return text(
        member.telegram_user_id,
        context.texts.render("checkin/prompt", member.language, prompt=words),
        keyboard=keyboard,
    )


PROMPT = Composer(Purpose.PROMPT, Hold.SCHEDULE, compose_prompt)
