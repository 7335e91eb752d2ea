"""Members as the rest of the bot sees them: who someone is and which roles they hold."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload, selectinload

from bot.texts.templates import DEFAULT_LOCALE, locale_for
from db.models import Member, Membership, MemberStatus, Pair, PairStatus, Role


@dataclass(frozen=True)
class Person:
    """Who sent an update, as Telegram describes them."""

    telegram_user_id: int
    display_name: str
    language_code: str | None


@dataclass(frozen=True)
class RoleInProgramme:
    programme_id: int
    programme_name: str
    role: Role
    programme_timezone: str


@dataclass(frozen=True)
class MemberView:
    id: int
    telegram_user_id: int
    display_name: str
    locale: str
    roles: tuple[RoleInProgramme, ...]
    own_timezone: str | None = None

    @property
    def timezone(self) -> str:
        """The member's own zone, else their (first) programme's, else UTC."""
        if self.own_timezone:
            return self.own_timezone
        return self.roles[0].programme_timezone if self.roles else "UTC"

    def has_role(self, role: Role) -> bool:
        return any(held.role == role for held in self.roles)

    def programmes_as(self, role: Role) -> list[RoleInProgramme]:
        return [held for held in self.roles if held.role == role]

    def coordinates(self, programme_id: int) -> bool:
        return any(
            held.programme_id == programme_id for held in self.programmes_as(Role.COORDINATOR)
        )


@dataclass(frozen=True)
class MemberRow:
    """One line of `frizon members`: a member's role in a programme and their partner."""

    member_id: int
    display_name: str
    role: Role
    capacity: int | None
    partners: tuple[str, ...]
    status: MemberStatus


async def find_member(session: AsyncSession, telegram_user_id: int) -> MemberView | None:
    # One joined query, not three: this runs for nearly every update.
    found = await session.scalars(
        select(Member)
        .where(Member.telegram_user_id == telegram_user_id)
        .options(joinedload(Member.memberships).joinedload(Membership.programme))
    )
    member = found.unique().one_or_none()
    return None if member is None else view_of(member)


def view_of(member: Member) -> MemberView:
    roles = tuple(
        RoleInProgramme(m.programme_id, m.programme.name, m.role, m.programme.timezone)
        for m in sorted(member.memberships, key=lambda m: (m.programme_id, m.role.value))
    )
    locale = member.language if member.language else DEFAULT_LOCALE
    return MemberView(
        member.id, member.telegram_user_id, member.display_name, locale, roles, member.timezone
    )


def locale_of(person: Person) -> str:
    return locale_for(person.language_code)


async def list_members(session: AsyncSession, *, programme_id: int) -> list[MemberRow]:
    """Every member of a programme with role, capacity and active partners, by id."""
    memberships = (
        await session.scalars(
            select(Membership)
            .where(Membership.programme_id == programme_id)
            .options(selectinload(Membership.member))
            .order_by(Membership.member_id, Membership.role)
        )
    ).all()
    pairs = (
        await session.scalars(
            select(Pair)
            .where(Pair.programme_id == programme_id, Pair.status == PairStatus.ACTIVE)
            .options(selectinload(Pair.student), selectinload(Pair.mentor))
        )
    ).all()
    partners: dict[tuple[int, Role], list[str]] = {}
    for pair in pairs:
        partners.setdefault((pair.student_id, Role.STUDENT), []).append(pair.mentor.display_name)
        partners.setdefault((pair.mentor_id, Role.MENTOR), []).append(pair.student.display_name)
    return [
        MemberRow(
            member_id=m.member_id,
            display_name=m.member.display_name,
            role=m.role,
            capacity=m.capacity,
            partners=tuple(partners.get((m.member_id, m.role), [])),
            status=m.member.status,
        )
        for m in memberships
    ]
