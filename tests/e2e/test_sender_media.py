"""Parts other than text: photos, voice notes and documents by Telegram's file_id, and
copies of messages, each sent with its own Bot API method, paced, claimed and settled
in the ledger, and retried as text is. No purpose sends media yet: a composer made here
for the digest stands in for the first that will."""

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.clock import ManualClock
from bot.outbox.keys.digests import digest_key
from bot.outbox.purposes import Purpose
from bot.outbox.queue import enqueue
from bot.sandbox import SandboxServer, SandboxUser
from bot.sending.composer import ComposeContext, Composer
from bot.sending.holds import Hold
from bot.sending.outgoing import Copy, Media, MediaKind, Outgoing, Part, Text
from bot.sending.registry import COMPOSERS
from bot.texts.keyboards import Button
from db.models import Delivery, DeliveryStatus, Member, Role
from tests.e2e.sender_rig import (
    a_sender,
    enrolled,
    from_the_bot,
    sender_sandbox,  # noqa: F401 (the fixture `sandbox`)
    the_delivery,
)
from tests.factories import a_programme

REPLY = Button("Reply", "rl:o:1")


def sending(parts: tuple[Part, ...]) -> list[Composer]:
    """Every real composer, the digest's replaced by one that sends these parts."""

    async def compose(
        session: AsyncSession, delivery: Delivery, member: Member, context: ComposeContext
    ) -> Outgoing:
        return Outgoing(member.telegram_user_id, parts, keyboard=((REPLY,),))

    mine = Composer(Purpose.DIGEST, Hold.QUIET_HOURS, compose)
    return [c for c in COMPOSERS if c.purpose != Purpose.DIGEST] + [mine]


async def a_queued_delivery(
    sandbox: SandboxServer, sessionmaker: async_sessionmaker[AsyncSession], clock: ManualClock
) -> SandboxUser:
    """Lars, a mentor, with one delivery waiting for him."""
    async with sessionmaker() as session, session.begin():
        programme = await a_programme(session, clock.now())
        lars = await enrolled(session, sandbox, clock, programme, Role.MENTOR, "Lars")
        await enqueue(
            session,
            member_id=lars.member_id,
            purpose=Purpose.DIGEST,
            cycle=digest_key(2026, 48),
            subject_id=lars.member_id,
            due_at=clock.now(),
        )
    return lars.user


async def test_a_photo_and_a_voice_note_arrive_by_file_id_after_the_text(
    sandbox: SandboxServer, sessionmaker: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    ana = sandbox.state.add_user("Ana", started=True)
    sandbox.state.user_sends_photo(ana.id)
    sandbox.state.user_sends_voice(ana.id)
    photo, voice = (m["file_id"] for m in sandbox.state.messages(ana.id))
    assert isinstance(photo, str) and isinstance(voice, str)
    lars = await a_queued_delivery(sandbox, sessionmaker, clock)
    parts = (
        Text("<b>Ana</b> sent you these"),
        Media(MediaKind.PHOTO, photo, caption="Her <i>desk</i>"),
        Media(MediaKind.VOICE, voice),
    )

    async with a_sender(sandbox, sessionmaker, clock, composers=sending(parts)) as sender:
        assert await sender.drain() == 1

    words, picture, note = from_the_bot(sandbox, lars.id)
    assert (words["media"], words["text"]) == (None, "Ana sent you these")
    assert (picture["media"], picture["file_id"], picture["caption"]) == (
        "photo",
        photo,
        "Her desk",
    )
    assert (note["media"], note["file_id"], note["caption"]) == ("voice", voice, "")
    # The keyboard sits under the last part only.
    assert not words["inline_keyboard"] and not picture["inline_keyboard"]
    assert note["inline_keyboard"] == [[{"text": "Reply", "callback_data": "rl:o:1"}]]
    done = await the_delivery(sessionmaker)
    assert (done.status, done.parts_sent, done.claimed_at) == (DeliveryStatus.SENT, 3, None)


async def test_a_failed_voice_note_is_retried_without_sending_the_photo_again(
    sandbox: SandboxServer, sessionmaker: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    photo = sandbox.state.files.add("photo")["file_id"]
    voice = sandbox.state.files.add("voice")["file_id"]
    lars = await a_queued_delivery(sandbox, sessionmaker, clock)
    parts = (Media(MediaKind.PHOTO, photo), Media(MediaKind.VOICE, voice))
    sandbox.state.faults.inject("sendVoice", "server_error")

    async with a_sender(sandbox, sessionmaker, clock, composers=sending(parts)) as sender:
        assert await sender.drain() == 0
        halfway = await the_delivery(sessionmaker)
        clock.advance(timedelta(seconds=5))
        assert await sender.drain() == 1

    assert (halfway.status, halfway.parts_sent, halfway.attempts) == (DeliveryStatus.PENDING, 1, 1)
    assert [m["media"] for m in from_the_bot(sandbox, lars.id)] == ["photo", "voice"]
    assert (await the_delivery(sessionmaker)).status == DeliveryStatus.SENT


async def test_a_document_goes_by_file_id_and_a_message_is_copied(
    sandbox: SandboxServer, sessionmaker: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    ana = sandbox.state.add_user("Ana", started=True)
    sandbox.state.user_sends_text(ana.id, "The notes from Tuesday")
    [said] = sandbox.state.messages(ana.id)
    document = sandbox.state.files.add("document", file_name="notes.pdf")["file_id"]
    lars = await a_queued_delivery(sandbox, sessionmaker, clock)
    parts = (
        Media(MediaKind.DOCUMENT, document, caption="Her notes"),
        Copy(ana.id, int(str(said["message_id"]))),
    )

    async with a_sender(sandbox, sessionmaker, clock, composers=sending(parts)) as sender:
        assert await sender.drain() == 1

    sent, copied = from_the_bot(sandbox, lars.id)
    assert (sent["media"], sent["file_id"], sent["file_name"]) == (
        "document",
        document,
        "notes.pdf",
    )
    assert sent["caption"] == "Her notes"
    assert (copied["media"], copied["text"]) == (None, "The notes from Tuesday")


async def test_a_file_id_telegram_never_issued_fails_the_delivery(
    sandbox: SandboxServer, sessionmaker: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    lars = await a_queued_delivery(sandbox, sessionmaker, clock)
    parts: tuple[Part, ...] = (Media(MediaKind.PHOTO, "AgACAgIAAxkBAAInever"),)

    async with a_sender(sandbox, sessionmaker, clock, composers=sending(parts)) as sender:
        assert await sender.drain() == 0

    failed = await the_delivery(sessionmaker)
    assert failed.status == DeliveryStatus.FAILED
    assert failed.reason is not None and failed.reason.startswith("rejected: ")
    assert from_the_bot(sandbox, lars.id) == []


async def test_a_copy_refused_with_429_goes_after_retry_after_and_the_document_not_again(
    sandbox: SandboxServer, sessionmaker: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    ana = sandbox.state.add_user("Ana", started=True)
    sandbox.state.user_sends_text(ana.id, "The notes from Tuesday")
    [said] = sandbox.state.messages(ana.id)
    document = sandbox.state.files.add("document", file_name="notes.pdf")["file_id"]
    lars = await a_queued_delivery(sandbox, sessionmaker, clock)
    parts = (Media(MediaKind.DOCUMENT, document), Copy(ana.id, int(str(said["message_id"]))))
    sandbox.state.faults.inject("copyMessage", "too_many_requests", seconds=4)

    async with a_sender(sandbox, sessionmaker, clock, composers=sending(parts)) as sender:
        assert await sender.drain() == 0
        waiting = await the_delivery(sessionmaker)
        clock.advance(timedelta(seconds=4))
        assert await sender.drain() == 1

    assert (waiting.status, waiting.parts_sent, waiting.attempts) == (DeliveryStatus.PENDING, 1, 0)
    assert waiting.next_attempt_at == clock.now()
    assert [m["media"] for m in from_the_bot(sandbox, lars.id)] == ["document", None]
    assert (await the_delivery(sessionmaker)).status == DeliveryStatus.SENT
