"""Every purpose's composer, one each: a registry built with one missing (or twice) fails
when it is built — when the sender, and so the application, is — not at send time."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.ext.asyncio import AsyncSession

from bot.outbox.purposes import Purpose
from bot.sending.composer import CannotCompose, ComposeContext, Composer
from bot.sending.composers import (
    digests,
    meetings,
    nudges,
    pairs,
    prompts,
    retention,
    rhythms,
    shared_entries,
)
from bot.sending.outgoing import Outgoing
from db.models import Delivery, Member

COMPOSERS: tuple[Composer, ...] = (
    prompts.PROMPT,
    pairs.INTRO,
    pairs.PAIR_ENDED,
    meetings.MEETING_LOGGED,
    meetings.DID_YOU_MEET,
    rhythms.RHYTHM_PROPOSED,
    rhythms.RHYTHM_AGREED,
    nudges.NUDGE,
    digests.DIGEST,
    shared_entries.SHARED_ENTRY,
    retention.RETENTION_NOTICE,
)


class RegistryError(Exception):
    """A purpose without a composer, or with two."""


class Composers:
    """The composer of each purpose, complete."""

    def __init__(self, composers: Iterable[Composer] = COMPOSERS) -> None:
        self._by_purpose: dict[Purpose, Composer] = {}
        for composer in composers:
            if composer.purpose in self._by_purpose:
                raise RegistryError(f"two composers for the purpose {composer.purpose.value!r}")
            self._by_purpose[composer.purpose] = composer
        missing = [purpose.value for purpose in Purpose if purpose not in self._by_purpose]
        if missing:
            raise RegistryError(f"no composer for the purpose(s) {', '.join(missing)}")

    def get(self, purpose: str) -> Composer | None:
        """The composer of a stored purpose; None for one this version does not know."""
        try:
            return self._by_purpose[Purpose(purpose)]
        except ValueError:
            return None

    async def compose(
        self, session: AsyncSession, delivery: Delivery, context: ComposeContext
    ) -> Outgoing:
        """The delivery rendered for its recipient; CannotCompose if it no longer can be."""
        member = await session.get_one(Member, delivery.member_id)
        composer = self.get(delivery.purpose)
        if delivery.subject_id is None or composer is None:
            raise CannotCompose(delivery.purpose)
        return await composer.compose(session, delivery, member, context)
