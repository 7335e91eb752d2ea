"""Reading a roster CSV: every problem found at once, with its row; nothing half-read."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.roster import read_roster
from db.models import Role

GOOD = (
    "name,role,language,mentor,capacity,campus\n"
    "Lars Ek,mentor,sv,,2,Solna\n"
    "Ana Berg,student,en,Lars Ek,,Solna\n"
    "Ben Olsson,student,,lars ek,,Huddinge\n"
    "Maja Holm,coordinator,,,,\n"
)


def test_a_good_roster_is_read_with_its_tags() -> None:
    roster = read_roster(GOOD.encode())

    assert roster.problems == ()
    assert [(r.row, r.name, r.role, r.mentor, r.capacity) for r in roster.rows] == [
        (2, "Lars Ek", Role.MENTOR, None, 2),
        (3, "Ana Berg", Role.STUDENT, "Lars Ek", None),
        (4, "Ben Olsson", Role.STUDENT, "lars ek", None),
        (5, "Maja Holm", Role.COORDINATOR, None, None),
    ]
    assert roster.rows[0].tags == {"campus": "Solna"} and roster.rows[0].language == "sv"


@pytest.mark.parametrize(
    "encoded",
    [
        GOOD.encode("utf-8-sig"),  # Excel's "CSV UTF-8" starts with a BOM
        GOOD.replace(",", ";").encode(),  # Swedish Excel separates with semicolons
        GOOD.replace("\n", "\r\n").encode(),
    ],
)
def test_bom_semicolons_and_windows_line_ends_are_all_fine(encoded: bytes) -> None:
    roster = read_roster(encoded)
    assert roster.problems == () and len(roster.rows) == 4


def test_every_problem_is_listed_with_its_row() -> None:
    bad = (
        "Name,Role,Language,Mentor,Capacity\n"
        "Lars Ek,mentor,sv,,1\n"
        ",student,,,\n"  # 3: no name
        "Ana Berg,pupil,,,\n"  # 4: unknown role
        "Ben Olsson,student,fi,,\n"  # 5: unknown language
        "Cia Dahl,student,,Nobody,\n"  # 6: mentor not in the file
        "Dan Ek,mentor,,,lots\n"  # 7: capacity not a number
        "Eva Fors,student,,,3\n"  # 8: capacity for a student
        "Lars Ek,coordinator,,,\n"  # 9: the same name twice
        "Gus Holm,student,,Lars Ek,\n"  # fine
        "Ida Ek,student,,Lars Ek,\n"  # 11: over Lars's capacity of 1
        "\n"
    )
    roster = read_roster(bad.encode())

    assert [p.row for p in roster.problems] == [3, 4, 5, 6, 7, 8, 9, 11]
    assert "role 'pupil' is not student, mentor or coordinator" in str(roster.problems[1])
    assert [r.name for r in roster.rows] == ["Lars Ek", "Gus Holm"]


def test_a_broken_file_is_one_clear_problem() -> None:
    assert "not UTF-8" in str(read_roster("namn;roll\nÅsa;student".encode("latin-1")).problems[0])
    assert "missing column(s): role" in str(read_roster(b"name,campus\nAna,Solna\n").problems[0])
    assert "empty" in str(read_roster(b"").problems[0])
    assert "named twice" in str(read_roster(b"name,role,name\n").problems[0])


@given(st.binary(max_size=400))
def test_any_bytes_give_rows_or_problems_never_an_exception(data: bytes) -> None:
    roster = read_roster(data)
    assert all(row.name for row in roster.rows)
