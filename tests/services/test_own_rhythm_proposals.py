"""/mydata includes the meeting rhythms proposed in the member's pairs, by either side,
and what became of them: the agreement is part of what frizon keeps about them."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.clock import ManualClock
from bot.services.meetings import choose_rhythm
from bot.services.own_data import own_data
from tests.services.data_rights_cast import a_cast, cipher


async def test_the_rhythm_proposals_of_the_members_pairs_are_in_their_data(
    session: AsyncSession, clock: ManualClock
) -> None:
    cast = await a_cast(session, clock)
    for member_id, weeks in ((cast.ana, 2), (cast.lars, 6), (cast.ana, 6)):
        await choose_rhythm(
            session, member_id=member_id, pair_id=cast.pair_id, weeks=weeks, now=clock.now()
        )

    ana = await own_data(
        session, member_id=cast.ana, cipher=cipher, now=clock.now(), erased_name="gone"
    )
    lars = await own_data(
        session, member_id=cast.lars, cipher=cipher, now=clock.now(), erased_name="gone"
    )

    def seen(data: dict[str, object]) -> list[tuple[object, ...]]:
        proposals = data["rhythm_proposals"]
        assert isinstance(proposals, list)
        return [(p["partner"], p["weeks"], p["proposed_by"], p["status"]) for p in proposals]

    assert seen(ana) == [
        ("Lars Ek", 2, "you", "superseded"),
        ("Lars Ek", 6, "partner", "accepted"),  # Ana tapped Lars's 6: she accepted it
    ]
    assert [row[2] for row in seen(lars)] == ["partner", "you"]
    assert ana["pairs"][0]["agreed_meeting_weeks"] == 6
