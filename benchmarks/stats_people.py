"""The generated programme's people: students, mentors and coordinators, their
memberships, and their invites (one used each, and about 5% never used)."""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from benchmarks.bulk_writer import Writer
from benchmarks.stats_sizes import Sizes

COORDINATORS = 3


@dataclass
class Person:
    id: int
    joined: datetime
    status: str  # active, blocked or left
    gone_week: int | None  # the week from which a blocked or left member gets no prompts
    capacity: int | None  # a mentor's


async def write_members(
    writer: Writer,
    rng: random.Random,
    sizes: Sizes,
    programme_id: int,
    first: dict[str, int],
    prompt_times: list[datetime],
    now: datetime,
) -> tuple[list[Person], list[Person]]:
    """Members, their memberships and invites (one used each, and about 5% never used)."""
    member_id, membership_id, invite_id = first["member"], first["membership"], first["invite"]
    telegram_base = 7_000_000_000 + programme_id * 10_000_000
    start = prompt_times[0]
    weeks = len(prompt_times)
    students: list[Person] = []
    mentors: list[Person] = []
    roles = (
        [("student", n) for n in range(sizes.students)]
        + [("mentor", n) for n in range(sizes.mentors)]
        + [("coordinator", n) for n in range(COORDINATORS)]
    )
    for role, n in roles:
        # Most joined in the weeks before the first prompt; coordinators before everyone.
        joined = start - timedelta(
            days=40 if role == "coordinator" else rng.uniform(1, 21),
            seconds=rng.randint(0, 86_399),
        )
        status, gone = "active", None
        if role != "coordinator":
            draw = rng.random()
            if draw < 0.03:
                status, gone = "blocked", rng.randrange(1, weeks)
            elif draw < 0.05:
                status, gone = "left", rng.randrange(1, weeks)
        language = "sv" if rng.random() < 0.4 else "en"
        name = f"{role.title()} {n + 1}"
        await writer.add(
            "member",
            (member_id, telegram_base + member_id, name, language, status, joined),
        )
        capacity = rng.choice((5, 6)) if role == "mentor" else None
        await writer.add(
            "membership", (membership_id, programme_id, member_id, role, capacity, joined)
        )
        issued = joined - timedelta(days=rng.uniform(1, 10))
        tags = {"campus": rng.choice(("north", "south", "east"))} if role != "coordinator" else None
        await writer.add(
            "invite",
            (
                invite_id,
                programme_id,
                role,
                _token_hash(programme_id, invite_id),
                name,
                language,
                capacity,
                tags,
                issued,
                issued + timedelta(days=30),
                joined,
                member_id,
            ),
        )
        person = Person(member_id, joined, status, gone, capacity)
        if role == "student":
            students.append(person)
        elif role == "mentor":
            mentors.append(person)
        member_id, membership_id, invite_id = member_id + 1, membership_id + 1, invite_id + 1
    for n in range(round(0.05 * (sizes.students + sizes.mentors))):
        # Never used: some still valid, most expired.
        role = "student" if n % 6 else "mentor"
        issued = now - timedelta(days=rng.uniform(1, 7 * weeks))
        await writer.add(
            "invite",
            (
                invite_id,
                programme_id,
                role,
                _token_hash(programme_id, invite_id),
                f"Invited {role} {n + 1}",
                "en",
                rng.choice((5, 6)) if role == "mentor" else None,
                None,
                issued,
                issued + timedelta(days=30),
                None,
                None,
            ),
        )
        invite_id += 1
    return students, mentors


def _token_hash(programme_id: int, invite_id: int) -> str:
    return hashlib.sha256(f"bench:{programme_id}:{invite_id}".encode()).hexdigest()
