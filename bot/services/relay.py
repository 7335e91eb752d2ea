"""Student and mentor writing to each other through the bot.

A member opens a conversation with their partner (a student with `/mentor`, a mentor by
choosing a mentee or replying to a relayed message); what they send is copied to the
partner until `/done` or until the conversation has been quiet for a while. Only ids are
kept: which pair a conversation belongs to, and which copy came from which message, so
that a reply to a copy reaches the right person. Never the content.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from bot.services.errors import Refused
from bot.services.partners import active_pairs_of, other_side
from db.models import MemberStatus, Pair, PairStatus, RelayConversation, RelayLink


@dataclass(frozen=True)
class Route:
    """Where a member's message goes: the pair, and the partner on its other side."""

    pair_id: int
    sender_id: int
    sender_name: str
    partner_id: int
    partner_name: str
    partner_chat_id: int
    partner_locale: str
    partner_left: bool
    sender_is_student: bool


async def open_conversation(
    session: AsyncSession, *, member_id: int, now: datetime, pair_id: int | None = None
) -> Route:
    """Start (or move) the member's conversation to a pair they are in. Without a pair id,
    their only partner; refused when they have none, or several and must choose."""
    pairs = await active_pairs_of(session, member_id)
    if pair_id is not None:
        pairs = [pair for pair in pairs if pair.id == pair_id]
        if not pairs:
            raise Refused("not_your_pair")
    if not pairs:
        raise Refused("no_partner")
    if len(pairs) > 1:
        raise Refused("choose_partner")
    pair = pairs[0]
    conversation = await session.get(RelayConversation, member_id)
    if conversation is None:
        session.add(
            RelayConversation(member_id=member_id, pair_id=pair.id, opened_at=now, last_at=now)
        )
    else:
        conversation.pair_id, conversation.opened_at, conversation.last_at = pair.id, now, now
    return _route(pair, member_id)


async def close_conversation(session: AsyncSession, *, member_id: int) -> str | None:
    """End the member's conversation; the partner's name, or None if none was open."""
    conversation = await session.get(RelayConversation, member_id)
    if conversation is None:
        return None
    pair = await _pair(session, conversation.pair_id)
    await session.delete(conversation)
    return other_side(pair, member_id).display_name if pair else None


async def route_message(
    session: AsyncSession,
    *,
    member_id: int,
    chat_id: int,
    reply_to_message_id: int | None,
    now: datetime,
    idle: timedelta,
) -> Route | None:
    """Where this message goes, or None when it is not for the partner (no conversation).

    A reply to a relayed copy goes back to that copy's sender, and (re)opens the
    conversation with them. Otherwise the open conversation decides; one quiet for
    longer than `idle`, or whose pair has ended, is closed and refused with a reason.
    """
    if reply_to_message_id is not None:
        link = await session.scalar(
            select(RelayLink).where(
                RelayLink.target_chat_id == chat_id,
                RelayLink.target_message_id == reply_to_message_id,
            )
        )
        if link is not None:
            pair = await _pair(session, link.pair_id)
            if pair is None or pair.status != PairStatus.ACTIVE:
                raise Refused("pair_ended")
            if member_id not in (pair.student_id, pair.mentor_id):
                raise Refused("not_your_pair")
            return await open_conversation(session, member_id=member_id, now=now, pair_id=pair.id)
    conversation = await session.get(RelayConversation, member_id)
    if conversation is None:
        return None
    pair = await _pair(session, conversation.pair_id)
    if pair is None or pair.status != PairStatus.ACTIVE:
        await session.delete(conversation)
        raise Refused("pair_ended")
    if now - conversation.last_at > idle:
        await session.delete(conversation)
        raise Refused(
            "conversation_ended", partner=other_side(pair, member_id).display_name, pair_id=pair.id
        )
    return _route(pair, member_id)


async def already_relayed(session: AsyncSession, *, chat_id: int, message_id: int) -> bool:
    """Telegram delivered this message before and its copy went out: do not copy it twice."""
    found = await session.scalar(
        select(RelayLink.id).where(
            RelayLink.origin_chat_id == chat_id, RelayLink.origin_message_id == message_id
        )
    )
    return found is not None


async def record_relay(
    session: AsyncSession,
    *,
    route: Route,
    origin_chat_id: int,
    origin_message_id: int,
    target_message_id: int,
    header_message_id: int | None = None,
    now: datetime,
) -> None:
    """The copy went out: link it to its origin, so that a reply to it reaches the sender
    and a redelivered origin is not copied twice.

    A header sent as a message of its own (the words did not fit beside it) is linked
    too, so that a reply to it is routed as well. It is its own origin: a bot's message,
    which never arrives as an update, so the origin's one link, the mark that it was
    relayed, stays one.
    """
    targets = [(origin_chat_id, origin_message_id, target_message_id)]
    if header_message_id is not None:
        targets.append((route.partner_chat_id, header_message_id, header_message_id))
    session.add_all(
        RelayLink(
            pair_id=route.pair_id,
            sender_id=route.sender_id,
            origin_chat_id=origin_chat,
            origin_message_id=origin_message,
            target_chat_id=route.partner_chat_id,
            target_message_id=target_message,
            created_at=now,
        )
        for origin_chat, origin_message, target_message in targets
    )
    conversation = await session.get(RelayConversation, route.sender_id)
    if conversation is not None and conversation.pair_id == route.pair_id:
        conversation.last_at = now


async def forget_conversations_of_pair(session: AsyncSession, *, pair_id: int) -> None:
    """A pair ended: nobody is writing to anybody through it any more."""
    await session.execute(delete(RelayConversation).where(RelayConversation.pair_id == pair_id))


async def _pair(session: AsyncSession, pair_id: int) -> Pair | None:
    return await session.scalar(
        select(Pair)
        .where(Pair.id == pair_id)
        .options(selectinload(Pair.student), selectinload(Pair.mentor))
    )


def _route(pair: Pair, member_id: int) -> Route:
    sender = pair.student if member_id == pair.student_id else pair.mentor
    partner = other_side(pair, member_id)
    return Route(
        pair_id=pair.id,
        sender_id=member_id,
        sender_name=sender.display_name,
        partner_id=partner.id,
        partner_name=partner.display_name,
        partner_chat_id=partner.telegram_user_id,
        partner_locale=partner.language or "en",
        partner_left=partner.status == MemberStatus.LEFT,
        sender_is_student=member_id == pair.student_id,
    )
