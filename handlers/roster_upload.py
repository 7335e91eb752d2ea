"""A coordinator sends a roster CSV as a document and gets the invite CSV back.

The same checks and import as `frizon roster import`: the whole file is checked first;
with any problem, every one is listed by row number and nothing is imported.

Routing (handlers/messages.py): a document that looks like a roster (a .csv, or a
spreadsheet that should have been saved as CSV) comes here when the sender coordinates a
programme and it is not for a partner right now (no open conversation, not a reply to a
relayed copy). Students' and mentors' files go on to the relay as any other message.
"""

from __future__ import annotations

import logging

from telegram import Document, InputFile, Message, Update
from telegram.error import BadRequest
from telegram.ext import filters

from bot.domain.roster import Problem, RosterRow, read_roster
from bot.services.audit import member_actor
from bot.services.members import MemberView, RoleInProgramme
from bot.services.programmes import get_programme
from bot.services.roster import (
    ROSTER_SOURCE_PREFIX,
    earlier_import,
    import_roster,
    invite_csv,
)
from db.models import Role
from handlers.context import FrizonContext
from handlers.replies import reply

log = logging.getLogger(__name__)

_CSV = filters.Document.FileExtension("csv") | filters.Document.MimeType("text/csv")
_SPREADSHEETS = (
    filters.Document.FileExtension("xlsx")
    | filters.Document.FileExtension("xls")
    | filters.Document.FileExtension("ods")
)
ROSTER_FILES = _CSV | _SPREADSHEETS
MAX_ROSTER_BYTES = 1024 * 1024  # 5,000 people with tags fit in a fraction of this
MAX_MESSAGE_LENGTH = 4096  # Telegram's limit, in UTF-16 code units
PROBLEMS_SHOWN = 15  # in the message; the rest go into problems.txt
PROBLEM_CHARS = 200  # one problem quotes a cell, which may be long
CAPTION_SHOWN = 60


async def take_roster(
    update: Update, context: FrizonContext, member: MemberView, message: Message
) -> None:
    """A roster from a coordinator: check it, import it, send the invite CSV back."""
    document = message.document
    if document is None:  # the router sends only documents here
        return
    file_name = document.file_name or "roster.csv"
    if not _CSV.check_update(update):
        await reply(update, context, "roster/not_csv", locale=member.locale, file_name=file_name)
        return
    held = _programme_for(member, message.caption)
    if held is None:
        await _ask_programme(update, context, member, message.caption)
        return
    data = await _download(context, document)
    if data is None:
        await reply(
            update,
            context,
            "roster/too_big",
            locale=member.locale,
            file_name=file_name,
            limit_kb=MAX_ROSTER_BYTES // 1024,
        )
        return
    checked = read_roster(data)
    if checked.problems:
        await _send_problems(update, context, member, file_name, checked.problems)
        return
    if not checked.rows:
        await reply(update, context, "roster/empty", locale=member.locale, file_name=file_name)
        return
    await _import(
        update, context, member, held, checked.rows, checked.delimiter, source=_source(message)
    )


def _programme_for(member: MemberView, caption: str | None) -> RoleInProgramme | None:
    """The only programme they coordinate, else the one the caption names (name or id)."""
    programmes = member.programmes_as(Role.COORDINATOR)
    if len(programmes) == 1:
        return programmes[0]
    wanted = " ".join((caption or "").split()).casefold()
    for held in programmes:
        if wanted in (held.programme_name.casefold(), str(held.programme_id)):
            return held
    return None


async def _ask_programme(
    update: Update, context: FrizonContext, member: MemberView, caption: str | None
) -> None:
    caption = " ".join((caption or "").split())
    if len(caption) > CAPTION_SHOWN:
        caption = caption[: CAPTION_SHOWN - 1] + "…"
    await reply(
        update,
        context,
        "roster/which_programme",
        locale=member.locale,
        caption=caption,
        programmes=[held.programme_name for held in member.programmes_as(Role.COORDINATOR)],
    )


async def _download(context: FrizonContext, document: Document) -> bytes | None:
    """The file's bytes, or None when it is over the roster limit (or Telegram's)."""
    if document.file_size is not None and document.file_size > MAX_ROSTER_BYTES:
        return None
    try:
        data = await (await context.bot.get_file(document.file_id)).download_as_bytearray()
    except BadRequest as error:  # "file is too big": over Telegram's 20 MB download limit
        log.info("a roster could not be downloaded: %s", error.message)
        return None
    return bytes(data) if len(data) <= MAX_ROSTER_BYTES else None


async def _send_problems(
    update: Update,
    context: FrizonContext,
    member: MemberView,
    file_name: str,
    problems: tuple[Problem, ...],
) -> None:
    """The first problems in the message, always under Telegram's 4096 characters; the
    whole list as problems.txt when they do not all fit."""
    texts = context.services.texts
    lines = [_shortened(str(problem)) for problem in problems]
    shown = lines[:PROBLEMS_SHOWN]

    def render(shown: list[str]) -> str:
        return texts.render(
            "roster/problems",
            member.locale,
            file_name=file_name,
            count=len(lines),
            problems=shown,
            more=len(lines) - len(shown),
            attached=len(shown) < len(lines),
        )

    text = render(shown)
    while _utf16_length(text) > MAX_MESSAGE_LENGTH and shown:
        shown = shown[:-1]
        text = render(shown)
    chat = update.effective_chat
    if chat is None:
        return
    await context.bot.send_message(chat.id, text, parse_mode="HTML")
    if len(shown) < len(lines):
        full = texts.render_plain(
            "roster/problems_file",
            member.locale,
            file_name=file_name,
            count=len(lines),
            problems=[str(problem) for problem in problems],
        )
        await context.bot.send_document(
            chat.id, InputFile(full.encode("utf-8") + b"\n", filename="problems.txt")
        )


async def _import(
    update: Update,
    context: FrizonContext,
    member: MemberView,
    held: RoleInProgramme,
    rows: tuple[RosterRow, ...],
    delimiter: str,
    *,
    source: str,
) -> None:
    services = context.services
    async with services.sessionmaker() as session, session.begin():
        earlier = await earlier_import(session, programme_id=held.programme_id, source=source)
        if earlier is None:
            issued = await import_roster(
                session,
                now=services.clock.now(),
                programme=await get_programme(session, held.programme_id),
                rows=rows,
                actor=member_actor(member.id),
                expires_in=services.config.invites.expires,
                source=source,
            )
    if earlier is not None:  # Telegram delivered this message again: import it once only
        await reply(
            update,
            context,
            "roster/already_imported",
            locale=member.locale,
            programme=held.programme_name,
            count=earlier,
        )
        return
    summary = services.texts.render(
        "roster/imported",
        member.locale,
        programme=held.programme_name,
        count=len(issued),
        students=sum(1 for invite in issued if invite.role is Role.STUDENT),
        mentors=sum(1 for invite in issued if invite.role is Role.MENTOR),
        coordinators=sum(1 for invite in issued if invite.role is Role.COORDINATOR),
        days=services.config.invites.expires.days,
    )
    invites = invite_csv(issued, bot_username=context.bot.username, delimiter=delimiter)
    chat = update.effective_chat
    if chat is not None:
        await context.bot.send_document(
            chat.id,
            # A byte-order mark, as the exports have, so spreadsheets read Malmö right.
            InputFile(invites.encode("utf-8-sig"), filename="invites.csv"),
            caption=summary,
            parse_mode="HTML",
        )


def _source(message: Message) -> str:
    """Where a roster came from, so the same message delivered twice is imported once."""
    return f"{ROSTER_SOURCE_PREFIX}{message.chat_id}:{message.message_id}"


def _shortened(line: str) -> str:
    return line if len(line) <= PROBLEM_CHARS else line[: PROBLEM_CHARS - 1] + "…"


def _utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2
