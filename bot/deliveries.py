"""What a queued delivery says: its purpose and subject, rendered for its recipient."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from bot.texts import Texts
from db.models import Delivery, Member, Pair, Programme


@dataclass(frozen=True)
class Outgoing:
    chat_id: int
    text: str


class UnknownPurpose(Exception):
    """A delivery this version of frizon cannot compose; it is failed, never retried."""


async def compose(session: AsyncSession, delivery: Delivery, texts: Texts) -> Outgoing:
    member = await session.get_one(Member, delivery.member_id)
    if delivery.purpose in ("intro", "pair_ended") and delivery.subject_id is not None:
        text = await _about_pair(session, delivery, member, texts)
        return Outgoing(member.telegram_user_id, text)
    raise UnknownPurpose(delivery.purpose)


async def _about_pair(
    session: AsyncSession, delivery: Delivery, member: Member, texts: Texts
) -> str:
    pair = await session.get_one(Pair, delivery.subject_id)
    programme = await session.get_one(Programme, pair.programme_id)
    student = await session.get_one(Member, pair.student_id)
    mentor = await session.get_one(Member, pair.mentor_id)
    side = "student" if member.id == pair.student_id else "mentor"
    kind = "intro" if delivery.purpose == "intro" else "ended"
    return texts.render(
        f"pairing/{kind}_{side}",
        member.language,
        programme=programme.name,
        student=student.display_name,
        mentor=mentor.display_name,
    )
