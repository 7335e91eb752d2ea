"""A coordinator sends the roster CSV to the real bot and gets the invite CSV back."""

from __future__ import annotations

import asyncio
import csv
import io
from typing import Any

from sqlalchemy import delete, func, select

from bot.sandbox import SandboxUser
from bot.services.members import find_member
from db.models import AuditEvent, Invite, Member, ProcessedUpdate, Programme, Role
from handlers.roster_upload import MAX_ROSTER_BYTES
from tests.e2e.harness import RunningBot

HEADER = "name,role,language,mentor,capacity,campus"
# Twenty planted mistakes on student rows, one problem each (row 1 is the header,
# mentors fill rows 2-21, students rows 22-201).
MISTAKES = {
    **{row: "Student {n:03d},studnet,en,,,Huddinge" for row in (30, 55, 80, 105)},
    **{row: "Student {n:03d},student,fi,Mentor {m:02d},,Huddinge" for row in (35, 60, 85, 110)},
    **{row: "Student {n:03d},student,en,Dr Nobody,,Huddinge" for row in (40, 65, 90, 115)},
    **{row: ",student,en,Mentor {m:02d},,Huddinge" for row in (45, 70, 95, 120)},
    **{row: "Student 000,student,en,Mentor {m:02d},,Huddinge" for row in (50, 75, 100, 125)},
}


def roster(*, mistakes: bool) -> bytes:
    """200 people: 20 mentors with room for 9, and 180 students, 9 for each mentor."""
    lines = [HEADER]
    lines += [f"Mentor {m:02d},mentor,sv,,9,Solna" for m in range(20)]
    for n in range(180):
        row, mentor = len(lines) + 1, n % 20
        line = f"Student {n:03d},student,en,Mentor {mentor:02d},,Huddinge"
        if mistakes and row in MISTAKES:
            line = MISTAKES[row].format(n=n, m=mentor)
        lines.append(line)
    return ("\n".join(lines) + "\n").encode()


def sends_file(
    bot: RunningBot, user: SandboxUser, name: str, content: bytes, caption: str | None = None
) -> dict[str, Any]:
    return bot.sandbox.state.user_sends_document(user.id, name, content=content, caption=caption)


async def invites_of(bot: RunningBot, programme: Programme | None = None) -> int:
    async with bot.sessionmaker() as session:
        query = select(func.count()).select_from(Invite).where(Invite.name.is_not(None))
        if programme is not None:
            query = query.where(Invite.programme_id == programme.id)
        return await session.scalar(query) or 0


def invite_rows(bot: RunningBot, message: dict[str, Any]) -> list[dict[str, str]]:
    assert message["media"] == "document" and message["file_name"] == "invites.csv"
    content = bot.sandbox.state.file_content(message["file_id"])
    assert content is not None
    text = content.decode("utf-8")
    assert text.startswith("\ufeffname"), text[:20]  # a BOM, for spreadsheets
    delimiter = text[len("\ufeffname")]  # as the roster was separated
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff")), delimiter=delimiter))


def separator_of(bot: RunningBot, message: dict[str, Any]) -> str:
    content = bot.sandbox.state.file_content(message["file_id"]) or b""
    return content.decode("utf-8-sig")[len("name")]


async def test_a_roster_with_mistakes_is_listed_by_row_and_nothing_is_imported(
    bot: RunningBot,
) -> None:
    programme = await bot.programme("Clinical mentoring")
    maja = await bot.enrolled(programme, Role.COORDINATOR, "Maja")

    sends_file(bot, maja, "roster.csv", roster(mistakes=True))

    listed = (await bot.hears(maja, "problems in roster.csv"))["text"]
    assert "I found 20 problems" in listed and "nothing was imported" in listed
    assert "row 30: role 'studnet' is not student, mentor or coordinator" in listed
    assert "row 35: language 'fi' is not one of en, sv" in listed
    assert "… and 5 more" in listed and "problems.txt" in listed
    assert len(listed) <= 4096
    attached = await bot.hears(maja)
    assert (attached["media"], attached["file_name"]) == ("document", "problems.txt")
    full = bot.sandbox.state.file_content(attached["file_id"])
    assert full is not None
    listed_rows = [line.split(":")[0] for line in full.decode().splitlines() if line[:4] == "row "]
    assert listed_rows == [f"row {row}" for row in sorted(MISTAKES)]
    assert "row 40: mentor 'Dr Nobody' is not a mentor in this file" in full.decode()
    assert "row 50: 'Student 000' is also on row 22" in full.decode()
    assert await invites_of(bot) == 0


async def test_the_fixed_roster_comes_back_as_invite_links_that_enrol(bot: RunningBot) -> None:
    programme = await bot.programme("Clinical mentoring")
    maja = await bot.enrolled(programme, Role.COORDINATOR, "Maja")
    sends_file(bot, maja, "roster.csv", roster(mistakes=True))
    await bot.hears(maja, "problems in roster.csv")

    sends_file(bot, maja, "roster.csv", roster(mistakes=False))

    returned = await bot.hears(maja, "invites.csv has one link per person")
    assert "Clinical mentoring: 200 invites (180 students, 20 mentors)" in returned["caption"]
    rows = invite_rows(bot, returned)
    assert len(rows) == 200 and list(rows[0]) == ["name", "role", "link"]
    assert rows[0]["name"] == "Mentor 00" and rows[20]["name"] == "Student 000"
    assert all(r["link"].startswith("https://t.me/frizon_sandbox_bot?start=") for r in rows)
    assert len({r["link"] for r in rows}) == 200
    assert await invites_of(bot, programme) == 200

    student = bot.user("Nils")
    bot.says(student, f"/start {rows[27]['link'].split('start=')[1]}")
    await bot.hears(student, "Clinical mentoring")
    async with bot.sessionmaker() as session:
        nils = await find_member(session, student.id)
        audit = await session.scalar(select(AuditEvent).where(AuditEvent.kind == "roster_imported"))
        coordinator = await session.scalar(select(Member).where(Member.display_name == "Maja"))
    assert nils is not None and coordinator is not None
    assert [(r.programme_id, r.role) for r in nils.roles] == [(programme.id, Role.STUDENT)]
    assert audit is not None and audit.actor == f"member:{coordinator.id}"
    assert (audit.programme_id, audit.details["invites"]) == (programme.id, 200)


async def test_the_same_message_delivered_again_is_imported_once(bot: RunningBot) -> None:
    programme = await bot.programme("Clinical mentoring")
    maja = await bot.enrolled(programme, Role.COORDINATOR, "Maja")
    update = sends_file(bot, maja, "roster.csv", b"name,role\nAna Berg,student\n")
    await bot.hears(maja, "invites.csv")

    # A crash after the import was committed but before the update was remembered as
    # handled: Telegram delivers it again, and the import itself must recognise it.
    # (The poller remembers an update just after its reply: wait for that, then forget.)
    for _ in range(200):
        async with bot.sessionmaker() as session:
            if await session.scalar(select(func.count()).select_from(ProcessedUpdate)) == 2:
                break
        await asyncio.sleep(0.02)
    async with bot.sessionmaker() as session, session.begin():
        await session.execute(delete(ProcessedUpdate))
    bot.sandbox.state.updates.put("message", update["message"])

    assert "already" in (await bot.hears(maja, "Clinical mentoring"))["text"]
    assert await invites_of(bot) == 1


async def test_a_coordinator_of_two_programmes_is_asked_which_one(bot: RunningBot) -> None:
    spring, autumn = await bot.programme("Spring"), await bot.programme("Autumn")
    maja = await bot.enrolled(spring, Role.COORDINATOR, "Maja")
    bot.says(maja, f"/start {await bot.invite(autumn, Role.COORDINATOR)}")
    await bot.hears(maja, "Autumn")
    content = b"name;role\nAna Berg;student\nDr Lars Ek;mentor\n"

    sends_file(bot, maja, "roster.csv", content)
    asked = (await bot.hears(maja, "more than one programme"))["text"]
    assert "• Spring" in asked and "• Autumn" in asked
    sends_file(bot, maja, "roster.csv", content, caption="Winter")
    assert "“Winter” is not one of them" in (await bot.hears(maja, "more than one"))["text"]
    assert await invites_of(bot) == 0

    sends_file(bot, maja, "roster.csv", content, caption="  autumn ")

    returned = await bot.hears(maja, "Autumn: 2 invites")
    assert [r["name"] for r in invite_rows(bot, returned)] == ["Ana Berg", "Dr Lars Ek"]
    assert separator_of(bot, returned) == ";"  # a semicolon file gets a semicolon file
    assert (await invites_of(bot, autumn), await invites_of(bot, spring)) == (2, 0)


async def test_a_students_csv_is_not_imported(bot: RunningBot) -> None:
    programme = await bot.programme("Clinical mentoring")
    ana = await bot.enrolled(programme, Role.STUDENT, "Ana")

    sends_file(bot, ana, "roster.csv", roster(mistakes=False))

    assert "I can only read text messages here" in (await bot.hears(ana))["text"]
    assert await invites_of(bot) == 0


async def test_a_csv_in_an_open_conversation_goes_to_the_partner(bot: RunningBot) -> None:
    programme, ana, lars = await bot.ana_and_lars()
    other = await bot.programme("Surgery")
    bot.says(lars, f"/start {await bot.invite(other, Role.COORDINATOR)}")
    await bot.hears(lars, "Surgery")
    bot.says(lars, "/mentee")
    await bot.hears(lars, "writing to Ana")

    sends_file(bot, lars, "reading list.csv", b"name,role\nAna Berg,student\n")

    copy = await bot.hears(ana, "Lars")
    assert (copy["media"], copy["file_name"]) == ("document", "reading list.csv")
    assert await invites_of(bot) == 0

    bot.says(lars, "/done")
    await bot.hears(lars)
    sends_file(bot, lars, "roster.csv", b"name,role\nAna Berg,student\n")
    await bot.hears(lars, "Surgery: 1 invite")
    assert (await invites_of(bot, other), await invites_of(bot, programme)) == (1, 0)


async def test_a_big_file_a_spreadsheet_and_an_empty_roster_are_refused_kindly(
    bot: RunningBot,
) -> None:
    programme = await bot.programme("Clinical mentoring")
    maja = await bot.enrolled(programme, Role.COORDINATOR, "Maja")

    bot.sandbox.state.user_sends_document(maja.id, "roster.csv", file_size=MAX_ROSTER_BYTES + 1)
    assert "1024 KB at most" in (await bot.hears(maja, "roster.csv"))["text"]
    bot.sandbox.state.user_sends_document(maja.id, "roster.xlsx", content=b"PK\x03\x04")
    assert "Save as → CSV UTF-8" in (await bot.hears(maja, "roster.xlsx"))["text"]
    sends_file(bot, maja, "roster.csv", b"name,role\n")
    assert "nobody in it yet" in (await bot.hears(maja, "roster.csv"))["text"]
    sends_file(bot, maja, "roster.csv", "name,role\nÅsa,student\n".encode("latin-1"))
    assert "not UTF-8" in (await bot.hears(maja, "problem in roster.csv"))["text"]
    assert await invites_of(bot) == 0
