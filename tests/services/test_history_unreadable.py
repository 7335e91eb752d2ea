"""An entry whose key is lost still shows in /history: its mood and date, a line saying
the words can't be read any more, and nothing to share or play."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.clock import ManualClock
from bot.core.crypto import ReflectionCipher, new_key
from bot.domain.catalogue import Catalogue
from bot.outbox.purposes import Purpose
from bot.sending.composer import CannotCompose, ComposeContext
from bot.sending.registry import Composers
from bot.services.history import entry_at, set_shared
from bot.texts.templates import Texts
from db.models import Delivery
from tests.services.data_rights_cast import SECRET_TEXT, a_cast, an_entry, cipher


async def test_an_entry_no_key_can_read_is_shown_as_unreadable(
    session: AsyncSession, clock: ManualClock
) -> None:
    cast = await a_cast(session, clock)
    await an_entry(session, clock, cast.programme, cast.ana, mood=3, text=SECRET_TEXT)

    readable = await entry_at(session, member_id=cast.ana, position=0, cipher=cipher)
    lost = await entry_at(
        session, member_id=cast.ana, position=0, cipher=ReflectionCipher(new_key())
    )

    assert readable is not None and lost is not None
    assert (readable.text, readable.unreadable) == (SECRET_TEXT, False)
    assert (lost.text, lost.voice_notes, lost.unreadable, lost.mood) == ("", 0, True, 3)


async def test_a_shared_entry_no_key_can_read_is_not_sent_and_says_why(
    session: AsyncSession, clock: ManualClock
) -> None:
    cast = await a_cast(session, clock)
    entry = await an_entry(session, clock, cast.programme, cast.ana, mood=3, text=SECRET_TEXT)
    await set_shared(session, now=clock.now(), member_id=cast.ana, checkin_id=entry, share=True)
    delivery = await session.scalar(
        select(Delivery).where(Delivery.purpose == Purpose.SHARED_ENTRY)
    )
    assert delivery is not None
    lost = ComposeContext(Texts(), ReflectionCipher(new_key()), Catalogue.load())

    with pytest.raises(CannotCompose, match="the key that wrote them is lost"):
        await Composers().compose(session, delivery, lost)
