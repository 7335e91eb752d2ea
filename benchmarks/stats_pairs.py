"""The generated programme's pairs (within each mentor's capacity, some ended) and the
meetings they logged."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from benchmarks.bulk_writer import Writer
from benchmarks.stats_people import Person
from benchmarks.stats_sizes import ZONE, Sizes

PAIR_RHYTHMS = (2, 4, 6, 8, None)  # weeks agreed by the pair; None: the programme's 4
PAIR_RHYTHM_WEIGHTS = (15, 35, 10, 10, 30)


@dataclass
class PairRow:
    id: int
    student: int
    mentor: int
    started: datetime
    ended: datetime | None
    rhythm: int | None


async def write_pairs(
    writer: Writer,
    rng: random.Random,
    programme_id: int,
    first_id: int,
    students: list[Person],
    mentors: list[Person],
    now: datetime,
) -> list[PairRow]:
    """About 98% of students in an active pair (within mentor capacity); about 5% had an
    earlier pair that ended."""
    if not students or not mentors:
        return []
    slots = [mentor.id for mentor in mentors for _ in range(mentor.capacity or 0)]
    rng.shuffle(slots)
    active = round(0.98 * len(students))
    if active > len(slots):
        raise ValueError(f"{len(mentors)} mentors cannot take {active} students")
    ended = round(0.05 * len(students))
    pairs: list[PairRow] = []
    pair_id = first_id
    order = list(range(len(students)))
    rng.shuffle(order)
    for rank, index in enumerate(order):
        student = students[index]
        started = student.joined + timedelta(days=rng.uniform(2, 14))
        if rank < ended:
            mentor = rng.choice(mentors).id
            finished = started + timedelta(days=rng.uniform(30, 300))
            pairs.append(PairRow(pair_id, student.id, mentor, started, finished, None))
            pair_id += 1
            started = finished + timedelta(days=rng.uniform(1, 20))
        if rank < active:
            mentor = slots[rank]
            if pairs and pairs[-1].student == student.id and pairs[-1].mentor == mentor:
                mentor = slots[(rank + 1) % len(slots)]
            rhythm = rng.choices(PAIR_RHYTHMS, PAIR_RHYTHM_WEIGHTS)[0]
            pairs.append(PairRow(pair_id, student.id, mentor, min(started, now), None, rhythm))
            pair_id += 1
    pairs.sort(key=lambda pair: pair.started)  # inserted in the order they were made
    for pair in pairs:
        await writer.add(
            "pair",
            (
                pair.id,
                programme_id,
                pair.student,
                pair.mentor,
                "ended" if pair.ended else "active",
                pair.started,
                pair.ended,
                pair.rhythm,
            ),
        )
    return pairs


async def write_meetings(
    writer: Writer,
    rng: random.Random,
    sizes: Sizes,
    first_id: int,
    pairs: list[PairRow],
    now: datetime,
) -> None:
    """Meetings spread over each pair's time together, more often for a faster rhythm;
    about 5% of pairs never met. Written in the order they were logged."""
    if not pairs or not sizes.meetings:
        return
    weights = [
        0.0
        if rng.random() < 0.05
        else ((pair.ended or now) - pair.started).total_seconds() / (pair.rhythm or 4)
        for pair in pairs
    ]
    chosen = rng.choices(pairs, weights, k=sizes.meetings)
    rows = []
    for pair in chosen:
        end = pair.ended or now
        met = pair.started + (end - pair.started) * rng.random()
        met_on = met.astimezone(ZONE).date()
        logged = min(now, met + timedelta(hours=rng.uniform(1, 60)))
        by_student = rng.random() < 0.5
        logged_by, other = (
            (pair.student, pair.mentor) if by_student else (pair.mentor, pair.student)
        )
        confirmed = other if rng.random() < 0.85 else None
        rows.append((met_on, logged_by, confirmed, rng.random() < 0.97, logged, pair.id))
    rows.sort(key=lambda row: row[4])
    for offset, (met_on, logged_by, confirmed, stands, logged, pair_id) in enumerate(rows):
        await writer.add(
            "meeting", (first_id + offset, pair_id, met_on, logged_by, confirmed, stands, logged)
        )
