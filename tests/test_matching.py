"""Matching suggestions as a pure computation: the rules, the reasons, and optimality."""

from __future__ import annotations

import itertools
from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.matching import (
    NO_MENTOR_WITH_ROOM,
    NO_SHARED_LANGUAGE,
    ONLY_ENDED_PAIRS,
    PLACES_TAKEN,
    Mentor,
    Proposal,
    Student,
    allowed,
    fit,
    suggest,
)

SV, EN, BOTH = frozenset({"sv"}), frozenset({"en"}), frozenset({"sv", "en"})


def student(
    id_: int,
    name: str,
    languages: frozenset[str] = SV,
    asked_for: str | None = None,
    **tags: str,
) -> Student:
    return Student(id_, name, languages, tags, asked_for)


def mentor(
    id_: int, name: str, room: int = 1, languages: frozenset[str] = SV, **tags: str
) -> Mentor:
    return Mentor(id_, name, languages, room, tags)


def pairs(proposal: Proposal) -> list[tuple[str, str]]:
    return [(s.student_name, s.mentor_name) for s in proposal.suggestions]


def reasons(proposal: Proposal, student_name: str) -> list[str]:
    (found,) = [s for s in proposal.suggestions if s.student_name == student_name]
    return [str(reason) for reason in found.reasons]


def test_a_student_gets_the_mentor_they_asked_for() -> None:
    proposal = suggest(
        [student(1, "Ana", asked_for="dr  EK")],
        [mentor(10, "Dr Ek"), mentor(11, "Eva", room=5, campus="Lund")],
    )

    assert pairs(proposal) == [("Ana", "Dr Ek")]
    assert reasons(proposal, "Ana") == ["asked for dr  EK", "speaks sv"]


def test_a_preference_outweighs_any_number_of_shared_tags() -> None:
    tags = {"campus": "Lund", "interests": "surgery;gp;psychiatry", "year": "4"}
    proposal = suggest(
        [student(1, "Ana", asked_for="Dr Ek", **tags)],
        [mentor(10, "Dr Ek"), mentor(11, "Eva", **tags)],
    )

    assert pairs(proposal) == [("Ana", "Dr Ek")]


def test_shared_tags_are_reasons_and_lists_share_items() -> None:
    proposal = suggest(
        [student(1, "Ana", campus="Lund", interests="Surgery; paediatrics", year="4")],
        [mentor(10, "Eva", campus="lund", interests="psychiatry;surgery", year="5")],
    )

    assert reasons(proposal, "Ana") == [
        "both campus Lund",
        "both interested in Surgery",
        "speaks sv",
    ]


def test_other_list_tags_name_their_column() -> None:
    found = fit(student(1, "Ana", hobbies="choir;running"), mentor(10, "Eva", hobbies="running"))

    assert [str(reason) for reason in found.reasons] == ["both hobbies: running", "speaks sv"]
    assert found.shared_tags == 1


def test_the_mentor_sharing_more_tags_is_suggested() -> None:
    proposal = suggest(
        [student(1, "Ana", campus="Lund", interests="surgery")],
        [mentor(10, "Bo", campus="Lund"), mentor(11, "Eva", campus="Lund", interests="surgery")],
    )

    assert pairs(proposal) == [("Ana", "Eva")]


def test_load_is_spread_to_the_mentor_with_more_room() -> None:
    proposal = suggest(
        [student(1, "Ana"), student(2, "Bo"), student(3, "Cy")],
        [mentor(10, "Dr Ek", room=1), mentor(11, "Eva", room=3)],
    )

    assert Counter(s.mentor_name for s in proposal.suggestions) == {"Eva": 2, "Dr Ek": 1}


def test_room_counts_in_full_even_beyond_the_number_of_students() -> None:
    proposal = suggest(
        [student(1, "Ana")], [mentor(10, "Dr Ek", room=1), mentor(11, "Eva", room=2)]
    )

    assert pairs(proposal) == [("Ana", "Eva")]


def test_two_mentors_with_equal_room_take_one_each() -> None:
    proposal = suggest(
        [student(1, "Ana"), student(2, "Bo")],
        [mentor(10, "Dr Ek", room=2), mentor(11, "Eva", room=2)],
    )

    assert Counter(s.mentor_name for s in proposal.suggestions) == {"Eva": 1, "Dr Ek": 1}


def test_a_student_is_never_suggested_across_languages() -> None:
    proposal = suggest([student(1, "Ana", languages=EN)], [mentor(10, "Dr Ek", room=3)])

    assert proposal.suggestions == ()
    assert [(u.student_name, u.why) for u in proposal.unmatched] == [("Ana", NO_SHARED_LANGUAGE)]


def test_a_mentor_speaking_several_languages_takes_either() -> None:
    proposal = suggest(
        [student(1, "Ana", languages=EN), student(2, "Bo")],
        [mentor(10, "Dr Ek", room=2, languages=BOTH)],
    )

    assert pairs(proposal) == [("Ana", "Dr Ek"), ("Bo", "Dr Ek")]
    assert reasons(proposal, "Ana") == ["speaks en"]


def test_an_ended_pair_is_never_proposed_again() -> None:
    proposal = suggest([student(1, "Ana", asked_for="Dr Ek")], [mentor(10, "Dr Ek")], {(1, 10)})

    assert proposal.suggestions == ()
    assert [u.why for u in proposal.unmatched] == [ONLY_ENDED_PAIRS]


def test_covering_every_student_comes_before_a_preference() -> None:
    # Bo fits only Dr Ek (Eva and Bo ended); Ana asked for Dr Ek but also fits Eva.
    proposal = suggest(
        [student(1, "Ana", asked_for="Dr Ek"), student(2, "Bo")],
        [mentor(10, "Dr Ek"), mentor(11, "Eva")],
        {(2, 11)},
    )

    assert pairs(proposal) == [("Ana", "Eva"), ("Bo", "Dr Ek")]


def test_unmatched_students_are_told_why() -> None:
    nobody = suggest([student(1, "Ana")], [mentor(10, "Dr Ek", room=0)])
    full = suggest([student(1, "Ana"), student(2, "Bo")], [mentor(10, "Dr Ek")])

    assert [u.why for u in nobody.unmatched] == [NO_MENTOR_WITH_ROOM]
    assert [(u.student_name, u.why) for u in full.unmatched] == [("Bo", PLACES_TAKEN)]


def test_equal_scores_give_the_same_answer_every_time_in_name_order() -> None:
    students = [student(n, f"Student {n}") for n in range(6, 0, -1)]
    mentors = [mentor(10 + n, f"Mentor {n}", room=2) for n in range(3)]

    first = suggest(students, mentors)
    again = suggest(list(reversed(students)), list(reversed(mentors)))

    assert first == again
    assert [s.student_name for s in first.suggestions] == [f"Student {n}" for n in range(1, 7)]


def test_a_member_who_is_both_is_never_their_own_mentor() -> None:
    assert not allowed(student(7, "Ana"), mentor(7, "Ana"), ())


# Property tests on small random cohorts.

LANGUAGES = st.sampled_from([SV, EN, BOTH])
TAGS = st.fixed_dictionaries(
    {},
    optional={
        "campus": st.sampled_from(["Lund", "Malmö"]),
        "interests": st.sampled_from(["surgery", "gp", "surgery;gp", "psychiatry;gp"]),
    },
)
MENTOR_NAMES = ["Dr Ek", "Eva", "Olof"]


@st.composite
def cohorts(
    draw: st.DrawFn, max_students: int = 6, max_mentors: int = 3
) -> tuple[list[Student], list[Mentor], set[tuple[int, int]]]:
    mentor_count = draw(st.integers(0, max_mentors))
    mentors = [
        Mentor(100 + n, MENTOR_NAMES[n], draw(LANGUAGES), draw(st.integers(0, 3)), draw(TAGS))
        for n in range(mentor_count)
    ]
    students = [
        Student(
            n,
            draw(st.sampled_from(["Ana", "Bo", "Cy"])),  # equal names test the ordering
            draw(LANGUAGES),
            draw(TAGS),
            draw(st.none() | st.sampled_from(MENTOR_NAMES)),
        )
        for n in range(draw(st.integers(0, max_students)))
    ]
    possible = [(s.id, m.id) for s in students for m in mentors]
    ended = draw(st.sets(st.sampled_from(possible))) if possible else set()
    return students, mentors, ended


@given(cohorts())
@settings(max_examples=300, deadline=None)
def test_suggestions_respect_capacity_language_ended_pairs_and_uniqueness(
    cohort: tuple[list[Student], list[Mentor], set[tuple[int, int]]],
) -> None:
    students, mentors, ended = cohort
    by_id = {m.id: m for m in mentors}
    proposal = suggest(students, mentors, ended)

    load = Counter(s.mentor_id for s in proposal.suggestions)
    assert all(load[mentor_id] <= by_id[mentor_id].room for mentor_id in load)
    assert not {(s.student_id, s.mentor_id) for s in proposal.suggestions} & ended
    languages = {s.id: s.languages for s in students}
    assert all(languages[s.student_id] & by_id[s.mentor_id].languages for s in proposal.suggestions)
    placed = [s.student_id for s in proposal.suggestions] + [
        u.student_id for u in proposal.unmatched
    ]
    assert sorted(placed) == sorted(s.id for s in students)  # each exactly once


def quality(
    assignment: dict[int, int], students: list[Student], mentors: list[Mentor]
) -> tuple[int, int, int, int]:
    """The lexicographic objective, computed from scratch: matches, preferences honoured,
    shared tags, and load spread (a mentor's k-th new mentee is worth room - k)."""
    by_id = {m.id: m for m in mentors}
    people = {s.id: s for s in students}
    fits = [fit(people[s], by_id[m]) for s, m in assignment.items()]
    counts = Counter(assignment.values())
    spread = sum(by_id[m].room - k for m, taken in counts.items() for k in range(taken))
    return (
        len(assignment),
        sum(f.asked_for for f in fits),
        sum(f.shared_tags for f in fits),
        spread,
    )


def best_by_brute_force(
    students: list[Student], mentors: list[Mentor], ended: set[tuple[int, int]]
) -> tuple[int, int, int, int]:
    best = (0, 0, 0, 0)
    options = [None, *mentors]
    for choice in itertools.product(options, repeat=len(students)):
        assignment = {s.id: m.id for s, m in zip(students, choice, strict=True) if m is not None}
        counts = Counter(assignment.values())
        if any(counts[m.id] > m.room for m in mentors):
            continue
        if not all(
            allowed(s, m, ended) for s, m in zip(students, choice, strict=True) if m is not None
        ):
            continue
        best = max(best, quality(assignment, students, mentors))
    return best


@given(cohorts(max_students=5, max_mentors=3))
@settings(max_examples=200, deadline=None)
def test_suggestions_are_optimal_as_brute_force_finds(
    cohort: tuple[list[Student], list[Mentor], set[tuple[int, int]]],
) -> None:
    students, mentors, ended = cohort
    proposal = suggest(students, mentors, ended)

    found = {s.student_id: s.mentor_id for s in proposal.suggestions}
    assert quality(found, students, mentors) == best_by_brute_force(students, mentors, ended)
