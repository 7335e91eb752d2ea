"""Every purpose has exactly one composer, and a registry without one cannot be built:
the sender, and so the application, refuses to start rather than fail a row at send time."""

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Bot

from bot.core.clock import ManualClock
from bot.core.crypto import ReflectionCipher, new_key
from bot.domain.catalogue import Catalogue
from bot.outbox.purposes import Purpose
from bot.sending.holds import Hold
from bot.sending.registry import COMPOSERS, Composers, RegistryError
from bot.sending.sender import OutboxSender
from bot.texts.templates import Texts


@pytest.mark.parametrize("purpose", list(Purpose))
def test_every_purpose_has_one_composer(purpose: Purpose) -> None:
    assert [c.purpose for c in COMPOSERS].count(purpose) == 1
    composer = Composers().get(purpose.value)
    assert composer is not None and composer.purpose is purpose


def test_a_registry_missing_a_purpose_cannot_be_built() -> None:
    without_digest = [c for c in COMPOSERS if c.purpose != Purpose.DIGEST]
    with pytest.raises(RegistryError, match=r"no composer for the purpose\(s\) digest$"):
        Composers(without_digest)


def test_a_purpose_registered_twice_cannot_be_built() -> None:
    with pytest.raises(RegistryError, match="two composers for the purpose 'nudge'"):
        Composers([*COMPOSERS, next(c for c in COMPOSERS if c.purpose == Purpose.NUDGE)])


async def test_the_sender_is_not_built_with_a_purpose_missing(
    sessionmaker: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    with pytest.raises(RegistryError, match="prompt"):
        OutboxSender(
            sessionmaker=sessionmaker,
            bot=Bot("123:not-used"),
            texts=Texts(),
            clock=clock,
            cipher=ReflectionCipher(new_key()),
            catalogue=Catalogue.load(),
            composers=[c for c in COMPOSERS if c.purpose != Purpose.PROMPT],
        )


def test_a_purpose_this_version_does_not_know_has_no_composer() -> None:
    assert Composers().get("postcard") is None


def test_only_prompts_are_rechecked_against_their_schedule() -> None:
    """Everything else the bot sends on its own waits out quiet hours only."""
    held = {c.purpose: c.hold for c in COMPOSERS}
    assert held.pop(Purpose.PROMPT) is Hold.SCHEDULE
    assert set(held.values()) == {Hold.QUIET_HOURS}
