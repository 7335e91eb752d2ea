"""Reading a programme's roster: a CSV a coordinator exported from a spreadsheet.

Columns: name, role, language, mentor (for students, the mentor's name), capacity (for
mentors), and any others as free tags (campus, interests). UTF-8 with or without a BOM,
comma or semicolon. The whole file is checked before anything is imported, and every
problem is reported with its row number (as a spreadsheet counts: the header is row 1).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from bot.texts.templates import LOCALES
from db.models import Role

REQUIRED = ("name", "role")
KNOWN = ("name", "role", "language", "mentor", "capacity")
ROLES = {"student": Role.STUDENT, "mentor": Role.MENTOR, "coordinator": Role.COORDINATOR}
MAX_CAPACITY = 50
MAX_ROWS = 5000
MAX_NAME = 120


@dataclass(frozen=True)
class RosterRow:
    row: int
    name: str
    role: Role
    language: str | None
    mentor: str | None
    capacity: int | None
    tags: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Problem:
    row: int
    message: str

    def __str__(self) -> str:
        return f"row {self.row}: {self.message}"


@dataclass(frozen=True)
class Roster:
    rows: tuple[RosterRow, ...]
    problems: tuple[Problem, ...]
    delimiter: str = ","  # the file's own, so the invites come back the same way


def read_roster(data: bytes) -> Roster:
    """Parse and check a roster; rows with problems are left out of `rows`."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return Roster((), (Problem(1, "the file is not UTF-8 text; save it as CSV UTF-8"),))
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        return Roster((), (Problem(1, "the file is empty; the first row names the columns"),))
    delimiter = ";" if lines[0].count(";") > lines[0].count(",") else ","
    # newline="": the csv module reads line ends itself (a lone \r, or one inside quotes).
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        records = list(reader)
    except csv.Error as error:  # e.g. a cell over the csv module's size limit
        return Roster((), (Problem(reader.line_num, f"this row cannot be read as CSV: {error}"),))
    header = [column.strip().lower() for column in (records[0] if records else [])]
    missing = [column for column in REQUIRED if column not in header]
    if missing:
        return Roster(
            (), (Problem(1, f"missing column(s): {', '.join(missing)} (the header is row 1)"),)
        )
    duplicated = sorted({column for column in header if header.count(column) > 1 and column})
    if duplicated:
        return Roster((), (Problem(1, f"column(s) named twice: {', '.join(duplicated)}"),))

    parsed: list[RosterRow] = []
    problems: list[Problem] = []
    for number, values in enumerate(records[1:], start=2):
        if not any(value.strip() for value in values):
            continue  # blank lines, as spreadsheets leave at the end
        if number - 1 > MAX_ROWS:
            problems.append(Problem(number, f"a roster has at most {MAX_ROWS} people"))
            break
        if len(values) > len(header):
            problems.append(Problem(number, f"{len(values)} cells, but {len(header)} columns"))
            continue
        cells = {column: value.strip() for column, value in zip(header, values, strict=False)}
        row, row_problems = _check(number, cells)
        problems += row_problems
        if row is not None:
            parsed.append(row)
    problems += _check_across(parsed)
    bad = {problem.row for problem in problems}
    in_order = sorted(problems, key=lambda problem: problem.row)  # stable: a row's own first
    return Roster(tuple(r for r in parsed if r.row not in bad), tuple(in_order), delimiter)


def _check(number: int, cells: dict[str, str]) -> tuple[RosterRow | None, list[Problem]]:
    problems = []
    name = cells.get("name", "")
    if not name:
        problems.append(Problem(number, "the name is empty"))
    elif len(name) > MAX_NAME:
        problems.append(Problem(number, f"the name is longer than {MAX_NAME} characters"))
    role = ROLES.get(cells.get("role", "").lower())
    if role is None:
        problems.append(
            Problem(number, f"role {cells.get('role', '')!r} is not student, mentor or coordinator")
        )
    language = cells.get("language", "").lower() or None
    if language is not None and language not in LOCALES:
        problems.append(
            Problem(number, f"language {language!r} is not one of {', '.join(sorted(LOCALES))}")
        )
    mentor = cells.get("mentor") or None
    if mentor is not None and role is not None and role is not Role.STUDENT:
        problems.append(Problem(number, "only a student can have a mentor"))
    capacity = None
    if cells.get("capacity") and role is not None:  # an unknown role is problem enough
        if role is not Role.MENTOR:
            problems.append(Problem(number, "only a mentor has a capacity"))
        elif not cells["capacity"].isdigit() or not 1 <= int(cells["capacity"]) <= MAX_CAPACITY:
            problems.append(
                Problem(number, f"capacity {cells['capacity']!r} is not a number from 1 to 50")
            )
        else:
            capacity = int(cells["capacity"])
    tags = {column: value for column, value in cells.items() if column not in KNOWN and value}
    if problems or role is None:
        return None, problems
    return RosterRow(number, name, role, language, mentor, capacity, tags), []


def _check_across(rows: list[RosterRow]) -> list[Problem]:
    """Names are how people refer to each other here, so they must be unique, and a
    student's mentor must be a mentor in the same file."""
    problems = []
    first_row: dict[str, int] = {}
    for row in rows:
        key = row.name.casefold()
        if key in first_row:
            problems.append(Problem(row.row, f"{row.name!r} is also on row {first_row[key]}"))
        else:
            first_row[key] = row.row
    mentors = {row.name.casefold(): row for row in rows if row.role is Role.MENTOR}
    wanted: dict[str, int] = {}
    for row in rows:
        if row.mentor is None:
            continue
        mentor = mentors.get(row.mentor.casefold())
        if mentor is None:
            problems.append(Problem(row.row, f"mentor {row.mentor!r} is not a mentor in this file"))
            continue
        wanted[mentor.name] = wanted.get(mentor.name, 0) + 1
        if mentor.capacity is not None and wanted[mentor.name] > mentor.capacity:
            problems.append(
                Problem(row.row, f"{mentor.name} has room for {mentor.capacity} students only")
            )
    return problems
