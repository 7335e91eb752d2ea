"""The generated programme's weekly prompts (and the mentors' digests) in the order the
bot sent them, and the check-ins that answer them or came from /checkin on its own."""

from __future__ import annotations

import math
import random
from datetime import date, datetime, timedelta

from benchmarks.bulk_writer import Writer
from benchmarks.stats_people import Person
from benchmarks.stats_sizes import Sizes
from bot.core.crypto import ReflectionCipher, new_key
from bot.outbox.keys.digests import digest_key
from bot.outbox.keys.prompts import cycle_key
from bot.outbox.purposes import Purpose

LINKED_SHARE = 0.96  # check-ins answering a prompt; the rest were started with /checkin
MOODS = (1, 2, 3, 4, 5)
MOOD_WEIGHTS = (5, 12, 30, 35, 18)
PROMPT_KEYS = tuple(f"bench-prompt-{n:02d}" for n in range(40))
THEMES = ("ward", "team", "patient", "self", "learning", None)


def _allocate(rng: random.Random, total: int, room: list[int], weights: list[float]) -> list[int]:
    """Split `total` over people in proportion to `weights`, at most room[i] each."""
    if total > sum(room):
        raise ValueError(f"cannot place {total} in room for {sum(room)}")
    weight = sum(w for w, r in zip(weights, room, strict=True) if r) or 1.0
    shares = [min(r, math.floor(total * w / weight)) for w, r in zip(weights, room, strict=True)]
    left = total - sum(shares)
    while left > 0:
        for index in rng.sample(range(len(room)), len(room)):
            if left and shares[index] < room[index]:
                shares[index] += 1
                left -= 1
    return shares


async def write_prompts_and_checkins(
    writer: Writer,
    rng: random.Random,
    sizes: Sizes,
    programme_id: int,
    first: dict[str, int],
    students: list[Person],
    mentors: list[Person],
    mondays: list[date],
    prompt_times: list[datetime],
    now: datetime,
) -> None:
    """Weekly prompts (and mentors' digests) in the order the bot sent them; check-ins
    answer most of the sent prompts, a few come from /checkin on its own."""
    weeks = len(mondays)
    # Each student's prompts: sent mostly; missed, skipped or failed now and then; failed
    # from the week they blocked the bot; none from the week they left.
    plans: list[list[str | None]] = []
    for student in students:
        first_week = next((w for w, t in enumerate(prompt_times) if t > student.joined), weeks)
        plan: list[str | None] = []
        for week in range(weeks):
            if week < first_week or (student.status == "left" and week >= (student.gone_week or 0)):
                plan.append(None)
            elif student.status == "blocked" and week >= (student.gone_week or 0):
                plan.append("failed")
            else:
                draw = rng.random()
                plan.append(
                    "sent"
                    if draw < 0.94
                    else "missed"
                    if draw < 0.97
                    else "skipped"
                    if draw < 0.99
                    else "failed"
                )
        plans.append(plan)
    sent = [plan.count("sent") for plan in plans]
    linked = min(round(LINKED_SHARE * sizes.checkins), sum(sent))
    propensity = [rng.betavariate(6, 1.5) for _ in students]
    answered_counts = _allocate(
        rng, linked, sent, [p * s for p, s in zip(propensity, sent, strict=True)]
    )
    answered: list[set[int]] = []
    for plan, count in zip(plans, answered_counts, strict=True):
        sent_weeks = [week for week, status in enumerate(plan) if status == "sent"]
        answered.append(set(rng.sample(sent_weeks, count)))
    free_total = sizes.checkins - sum(answered_counts)
    # Started with /checkin: in weeks the student was still there, at most two a week.
    present = [[week for week, status in enumerate(plan) if status is not None] for plan in plans]
    free_counts = _allocate(rng, free_total, [2 * len(p) for p in present], propensity)
    free: list[dict[int, int]] = []
    for count, weeks_there in zip(free_counts, present, strict=True):
        chosen: dict[int, int] = {}
        for _ in range(count):
            week = rng.choice(weeks_there)
            while chosen.get(week, 0) == 2:
                week = rng.choice(weeks_there)
            chosen[week] = chosen.get(week, 0) + 1
        free.append(chosen)

    cipher = ReflectionCipher(new_key())
    reflection = cipher.encrypt(
        "A long day on the ward; the handover went better than last week. " * 3,
        bound_to="checkin:0",
    )
    delivery_id, checkin_id = first["delivery"], first["checkin"]
    latest = now - timedelta(minutes=1)
    for week, (monday, due) in enumerate(zip(mondays, prompt_times, strict=True)):
        cycle = cycle_key(programme_id, monday)
        for index, student in enumerate(students):
            status = plans[index][week]
            if status is not None:
                prompt_key = rng.choice(PROMPT_KEYS)
                finished = due + timedelta(seconds=rng.uniform(1, 400))
                reason = {
                    "missed": "the bot was not running at its time",
                    "skipped": "held back past the next cycle",
                    "failed": "Forbidden: bot was blocked by the user",
                }.get(status)
                await writer.add(
                    "delivery",
                    (
                        delivery_id,
                        student.id,
                        Purpose.PROMPT,
                        cycle,
                        programme_id,
                        prompt_key if status == "sent" else None,
                        status,
                        due,
                        due,
                        finished,
                        1 if status in ("sent", "failed") else 0,
                        reason,
                    ),
                )
                if week in answered[index]:
                    created = min(latest, finished + timedelta(hours=rng.expovariate(1 / 5)))
                    await _checkin(
                        writer,
                        rng,
                        (checkin_id, programme_id, student.id, delivery_id, prompt_key),
                        created,
                        reflection,
                        f"callback:{programme_id}:{checkin_id}",
                    )
                    checkin_id += 1
                delivery_id += 1
            for _ in range(free[index].get(week, 0)):
                created = min(latest, due + timedelta(days=rng.uniform(0.5, 6.5)))
                await _checkin(
                    writer,
                    rng,
                    (checkin_id, programme_id, student.id, None, None),
                    created,
                    reflection,
                    None,
                )
                checkin_id += 1
        # The mentors' weekly digest, another purpose in the same table.
        year, iso_week, _ = monday.isocalendar()
        for mentor in mentors:
            if mentor.joined < due and (mentor.gone_week is None or week < mentor.gone_week):
                digest_at = due - timedelta(hours=10)
                await writer.add(
                    "delivery",
                    (
                        delivery_id,
                        mentor.id,
                        Purpose.DIGEST,
                        digest_key(year, iso_week),
                        mentor.id,
                        None,
                        "sent",
                        digest_at,
                        digest_at,
                        digest_at + timedelta(seconds=rng.uniform(1, 120)),
                        1,
                        None,
                    ),
                )
                delivery_id += 1
        # Deliveries first: check-ins refer to them.
        await writer.flush("delivery")
        await writer.flush("checkin")


async def _checkin(
    writer: Writer,
    rng: random.Random,
    head: tuple[int, int, int, int | None, str | None],
    created: datetime,
    reflection: bytes,
    source: str | None,
) -> None:
    wrote = rng.random() < 0.55
    theme = rng.choice(THEMES) if head[4] else None
    await writer.add(
        "checkin",
        (
            *head,
            theme,
            source,
            rng.choices(MOODS, MOOD_WEIGHTS)[0],
            reflection if wrote else None,
            rng.randint(1, 2_000_000) if wrote else None,
            wrote and rng.random() < 0.35,
            "done",
            created,
            created + timedelta(seconds=rng.uniform(20, 900)),
        ),
    )
