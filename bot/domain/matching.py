"""Matching suggestions: an optimal assignment of unpaired students to mentors with room.

Pure: plain values in, plain values out, no database. The objective is lexicographic,
in this order of importance:

1. as many students as possible get a mentor (a cohort-wide choice: a student who fits
   only one mentor keeps that mentor even if another student asked for them);
2. as many students as possible get the mentor they asked for;
3. as many shared tag values as possible (campus=Lund on both; tag values with ";" are
   lists, e.g. interests=surgery;paediatrics, and each shared item counts);
4. spread load: a mentor's next place is worth the room they still have then, so
   mentors with more room are preferred.

A suggestion never crosses languages (student and mentor must share one) and never
repeats a pair that ended. The weights below make each level outweigh everything under
it, so the assignment scipy finds is optimal for that order; the sums stay exact in a
float while n·(n+1)·(n·T+1)·(n·R+1) < 2^53 (n students, T most shared tags, R most
room), that is for cohorts up to about a thousand students.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field

LIST_SEPARATOR = ";"
INTEREST_KEYS = frozenset({"interest", "interests"})


@dataclass(frozen=True)
class Student:
    id: int
    name: str
    languages: frozenset[str]
    tags: Mapping[str, str] = field(default_factory=dict)
    asked_for: str | None = None  # a mentor's name, as the roster wrote it


@dataclass(frozen=True)
class Mentor:
    id: int
    name: str
    languages: frozenset[str]
    room: int  # how many more mentees fit
    tags: Mapping[str, str] = field(default_factory=dict)
    # Other names the roster may use for them (their roster name, if it differs).
    also_known_as: tuple[str, ...] = ()


@dataclass(frozen=True)
class Reason:
    """Why a suggestion fits: kind is asked_for, same (tag), shared_item (list tag), speaks."""

    kind: str
    value: str
    key: str = ""

    def __str__(self) -> str:
        if self.kind == "asked_for":
            return f"asked for {self.value}"
        if self.kind == "speaks":
            return f"speaks {self.value}"
        if self.key in INTEREST_KEYS:
            return f"both interested in {self.value}"
        if self.kind == "shared_item":
            return f"both {self.key}: {self.value}"
        return f"both {self.key} {self.value}"


@dataclass(frozen=True)
class Suggestion:
    student_id: int
    student_name: str
    mentor_id: int
    mentor_name: str
    reasons: tuple[Reason, ...]


# Why a student got no suggestion, from the most to the least fundamental.
NO_MENTOR_WITH_ROOM = "no_mentor_with_room"
NO_SHARED_LANGUAGE = "no_shared_language"
ONLY_ENDED_PAIRS = "only_ended_pairs"
PLACES_TAKEN = "places_taken"
NOT_REACHABLE = "not_reachable"  # blocked the bot or left (bot/services/matching.py)


@dataclass(frozen=True)
class Unmatched:
    student_id: int
    student_name: str
    why: str


@dataclass(frozen=True)
class Proposal:
    suggestions: tuple[Suggestion, ...]
    unmatched: tuple[Unmatched, ...]


@dataclass(frozen=True)
class Fit:
    """How well one student fits one mentor (only for allowed combinations)."""

    asked_for: bool
    shared_tags: int
    reasons: tuple[Reason, ...]


def allowed(student: Student, mentor: Mentor, ended: Collection[tuple[int, int]]) -> bool:
    """A student may be suggested to a mentor: a shared language, and no ended pair."""
    return (
        student.id != mentor.id
        and bool(student.languages & mentor.languages)
        and (student.id, mentor.id) not in ended
    )


def fit(student: Student, mentor: Mentor) -> Fit:
    """The preference, shared tags and shared languages of an allowed combination."""
    reasons: list[Reason] = []
    asked = student.asked_for is not None and _name_key(student.asked_for) in {
        _name_key(name) for name in (mentor.name, *mentor.also_known_as)
    }
    if asked:
        reasons.append(Reason("asked_for", student.asked_for or mentor.name))
    shared = 0
    mentor_tags = {key.casefold(): value for key, value in mentor.tags.items()}
    for key in sorted(student.tags, key=str.casefold):
        theirs = mentor_tags.get(key.casefold())
        if theirs is None:
            continue
        mine_items, their_items = _items(student.tags[key]), _items(theirs)
        their_keys = {_name_key(item) for item in their_items}
        common = [item for item in mine_items if _name_key(item) in their_keys]
        is_list = len(mine_items) > 1 or len(their_items) > 1
        kind = "shared_item" if is_list else "same"
        reasons += [Reason(kind, item, key.casefold()) for item in common]
        shared += len(common)
    reasons += [
        Reason("speaks", language) for language in sorted(student.languages & mentor.languages)
    ]
    return Fit(asked, shared, tuple(reasons))


def suggest(
    students: Iterable[Student],
    mentors: Iterable[Mentor],
    ended: Collection[tuple[int, int]] = (),
) -> Proposal:
    """The best assignment over the whole cohort; `ended` holds (student, mentor) ids."""
    people = sorted(students, key=lambda s: (s.name.casefold(), s.id))
    with_room = sorted((m for m in mentors if m.room > 0), key=lambda m: (m.name.casefold(), m.id))
    fits = {
        (row, column): fit(student, mentor)
        for row, student in enumerate(people)
        for column, mentor in enumerate(with_room)
        if allowed(student, mentor, ended)
    }
    chosen: dict[int, int] = {}  # row → mentor column
    if fits:
        chosen = _assign(people, with_room, fits)
    suggestions = tuple(
        Suggestion(
            student.id,
            student.name,
            with_room[chosen[row]].id,
            with_room[chosen[row]].name,
            fits[row, chosen[row]].reasons,
        )
        for row, student in enumerate(people)
        if row in chosen
    )
    unmatched = tuple(
        Unmatched(student.id, student.name, _why_unmatched(student, with_room, ended))
        for row, student in enumerate(people)
        if row not in chosen
    )
    return Proposal(suggestions, unmatched)


def _assign(
    people: list[Student], with_room: list[Mentor], fits: dict[tuple[int, int], Fit]
) -> dict[int, int]:
    """Rows to mentor columns, by linear_sum_assignment over one column per place."""
    # Imported here: scipy takes half a second to load, and every `frizon` command
    # would pay it.
    import numpy as np
    from scipy.optimize import linear_sum_assignment

    n = len(people)
    # A mentor never needs more places than there are students.
    places = [min(mentor.room, n) for mentor in with_room]
    most_room = max(mentor.room for mentor in with_room)
    most_tags = max(f.shared_tags for f in fits.values())
    unit_tag = n * most_room + 1  # more than any total of load bonuses
    unit_asked = (n * most_tags + 1) * unit_tag  # more than any total of tags and load
    unit_match = (n + 1) * unit_asked  # more than any total of everything below
    per_mentor = np.zeros((n, len(with_room)))  # 0: not allowed, never a match
    for (row, column), found in fits.items():
        per_mentor[row, column] = (
            unit_match + unit_asked * found.asked_for + unit_tag * found.shared_tags
        )
    slot_mentor = np.repeat(np.arange(len(with_room)), places)
    # The k-th place of a mentor with room r is worth r - k: filling the roomiest first.
    slot_bonus = np.concatenate(
        [np.arange(m.room, m.room - count, -1) for m, count in zip(with_room, places, strict=True)]
    )
    allowed_slots = per_mentor[:, slot_mentor] > 0
    scores = np.where(allowed_slots, per_mentor[:, slot_mentor] + slot_bonus, 0.0)
    rows, columns = linear_sum_assignment(scores, maximize=True)
    return {
        int(row): int(slot_mentor[column])
        for row, column in zip(rows, columns, strict=True)
        if allowed_slots[row, column]
    }


def _why_unmatched(
    student: Student, with_room: list[Mentor], ended: Collection[tuple[int, int]]
) -> str:
    if not with_room:
        return NO_MENTOR_WITH_ROOM
    speaking = [m for m in with_room if student.languages & m.languages and m.id != student.id]
    if not speaking:
        return NO_SHARED_LANGUAGE
    if all((student.id, m.id) in ended for m in speaking):
        return ONLY_ENDED_PAIRS
    return PLACES_TAKEN


def _items(value: str) -> list[str]:
    """A tag value's items: "surgery; paediatrics" is a list, "Lund" a list of one."""
    unique: dict[str, str] = {}
    for item in value.split(LIST_SEPARATOR):
        if item.strip():
            unique.setdefault(_name_key(item), item.strip())
    return list(unique.values())


def _name_key(name: str) -> str:
    return " ".join(name.casefold().split())
