"""Photos, voice notes and documents, and copyMessage, through the real PTB Bot."""

from __future__ import annotations

import datetime as dtm

import aiohttp
import pytest
from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    Message,
    MessageId,
)
from telegram.error import BadRequest, Forbidden, RetryAfter

from bot.sandbox import Limits, SandboxServer, SandboxState, SandboxUser

from .conftest import TOKEN, StartSandbox, started

ANSWER = InlineKeyboardMarkup([[InlineKeyboardButton("Answer", callback_data="rl:o:1")]])


@pytest.fixture
def bob(sandbox: SandboxServer) -> SandboxUser:
    return started(sandbox.state, "Bob", username="bob")


# The user's side ------------------------------------------------------------------------


async def test_a_users_photo_arrives_with_sizes_and_caption(
    bot: Bot, sandbox: SandboxServer, alice: SandboxUser
) -> None:
    sandbox.state.user_sends_photo(alice.id, caption="My desk today")
    [update] = await bot.get_updates()
    message = update.message
    assert message is not None and message.text is None
    assert message.caption == "My desk today"
    small, large = message.photo
    assert large.width > small.width and large.file_id != small.file_id
    [recorded] = sandbox.state.messages(alice.id)
    assert (recorded["media"], recorded["file_id"], recorded["caption"]) == (
        "photo",
        large.file_id,
        "My desk today",
    )


async def test_a_users_voice_note_arrives_without_a_caption(
    bot: Bot, sandbox: SandboxServer, alice: SandboxUser
) -> None:
    sandbox.state.user_sends_voice(alice.id)
    [update] = await bot.get_updates()
    message = update.message
    assert message is not None and message.voice is not None
    assert message.voice.mime_type == "audio/ogg"
    duration = message.voice.duration
    assert isinstance(duration, dtm.timedelta) and duration >= dtm.timedelta(seconds=1)
    assert message.caption is None
    assert sandbox.state.messages(alice.id)[0]["caption"] == ""


async def test_a_users_document_arrives_with_its_name_and_type(
    bot: Bot, sandbox: SandboxServer, alice: SandboxUser
) -> None:
    sandbox.state.user_sends_document(alice.id, "thesis draft.pdf", caption="/help me read it")
    [update] = await bot.get_updates()
    message = update.message
    assert message is not None and message.document is not None
    assert (message.document.file_name, message.document.mime_type) == (
        "thesis draft.pdf",
        "application/pdf",
    )
    assert message.caption == "/help me read it"
    # A caption's command is marked in caption_entities; the text entities stay empty.
    assert message.caption_entities[0].type == "bot_command" and message.entities == ()


async def test_every_file_gets_its_own_ids(sandbox: SandboxServer, alice: SandboxUser) -> None:
    for _ in range(3):
        sandbox.state.user_sends_photo(alice.id)
    messages = sandbox.state.messages(alice.id)
    assert len({m["file_id"] for m in messages}) == 3


async def test_a_users_photo_can_reply_to_a_bot_message(
    bot: Bot, sandbox: SandboxServer, alice: SandboxUser
) -> None:
    sent = await bot.send_message(alice.id, "Show me your notes")
    sandbox.state.user_sends_photo(alice.id, reply_to_message_id=sent.message_id)
    [update] = await bot.get_updates()
    assert update.message is not None and update.message.reply_to_message is not None
    assert update.message.reply_to_message.text == "Show me your notes"


def test_a_caption_over_1024_utf16_units_is_refused() -> None:
    state = SandboxState()
    user = started(state, "Ana")
    state.user_sends_photo(user.id, caption="😀" * 512)  # exactly 1024 units
    with pytest.raises(ValueError, match="caption"):
        state.user_sends_photo(user.id, caption="😀" * 512 + "!")
    with pytest.raises(ValueError, match="caption"):
        state.user_sends_document(user.id, "a.txt", caption="x" * 1025)
    assert len(state.messages(user.id)) == 1


def test_media_to_a_missing_reply_or_from_a_blocked_user_is_refused() -> None:
    state = SandboxState()
    user = started(state, "Ana")
    with pytest.raises(ValueError, match="no message 9"):
        state.user_sends_voice(user.id, reply_to_message_id=9)
    with pytest.raises(ValueError, match="file_name"):
        state.user_sends_document(user.id, "  ")
    state.block(user.id)
    with pytest.raises(ValueError, match="blocked"):
        state.user_sends_photo(user.id)


def test_to_dict_and_to_telegram_shapes() -> None:
    state = SandboxState()
    user = started(state, "Ana")
    update = state.user_sends_document(user.id, "notes.txt", file_size=1234)
    document = update["message"]["document"]
    assert set(document) == {"file_id", "file_unique_id", "file_name", "mime_type", "file_size"}
    assert (document["mime_type"], document["file_size"]) == ("text/plain", 1234)
    assert "caption" not in update["message"] and "text" not in update["message"]
    state.user_sends_text(user.id, "plain")
    as_document, as_text = state.messages(user.id)
    assert {k: as_document[k] for k in ("media", "file_name", "file_size", "caption", "text")} == {
        "media": "document",
        "file_name": "notes.txt",
        "file_size": 1234,
        "caption": "",
        "text": "",
    }
    assert (as_text["media"], as_text["file_id"], as_text["caption"]) == (None, None, None)


# copyMessage ----------------------------------------------------------------------------


async def test_copying_a_photo_keeps_the_file_and_takes_the_new_html_caption(
    bot: Bot, sandbox: SandboxServer, alice: SandboxUser, bob: SandboxUser
) -> None:
    sandbox.state.user_sends_photo(alice.id, caption="see <this> & that")
    [update] = await bot.get_updates()
    original = update.message
    assert original is not None
    copied = await bot.copy_message(
        bob.id,
        alice.id,
        original.message_id,
        caption=f"<b>Alice</b>\n{original.caption_html}",
        parse_mode="HTML",
        reply_markup=ANSWER,
    )
    assert isinstance(copied, MessageId)
    [copy] = sandbox.state.messages(bob.id)
    assert (copy["message_id"], copy["sender"], copy["media"]) == (
        copied.message_id,
        "bot",
        "photo",
    )
    assert copy["file_id"] == original.photo[-1].file_id
    assert copy["caption"] == copy["text"] == "Alice\nsee <this> & that"
    assert copy["entities"] == [{"type": "bold", "offset": 0, "length": 5}]
    assert copy["inline_keyboard"] == ANSWER.to_dict()["inline_keyboard"]


async def test_copying_without_a_caption_keeps_the_original_one(
    bot: Bot, sandbox: SandboxServer, alice: SandboxUser, bob: SandboxUser
) -> None:
    sandbox.state.user_sends_document(alice.id, "plan.pdf", caption="My plan")
    await bot.copy_message(bob.id, alice.id, 1)
    [copy] = sandbox.state.messages(bob.id)
    assert (copy["media"], copy["file_name"], copy["caption"]) == (
        "document",
        "plan.pdf",
        "My plan",
    )


async def test_the_copy_reaches_the_recipient_as_the_same_file(
    bot: Bot, sandbox: SandboxServer, alice: SandboxUser, bob: SandboxUser
) -> None:
    """What Bob's client would show: the copy as a Telegram message, e.g. when he presses."""
    sandbox.state.user_sends_voice(alice.id)
    [from_alice] = await bot.get_updates()
    copied = await bot.copy_message(bob.id, alice.id, 1, caption="From Alice", reply_markup=ANSWER)
    sandbox.state.user_presses_button(bob.id, copied.message_id, "rl:o:1")
    updates = await bot.get_updates(offset=from_alice.update_id + 1)
    query = updates[0].callback_query
    assert query is not None and isinstance(query.message, Message)
    shown = query.message
    assert from_alice.message is not None and from_alice.message.voice is not None
    assert shown.voice is not None and shown.voice.file_id == from_alice.message.voice.file_id
    assert shown.caption == "From Alice"


async def test_copying_a_text_stays_a_text_and_ignores_a_caption(
    bot: Bot, sandbox: SandboxServer, alice: SandboxUser, bob: SandboxUser
) -> None:
    sandbox.state.user_sends_text(alice.id, "/start is what I typed")
    await bot.copy_message(bob.id, alice.id, 1, caption="ignored")
    [copy] = sandbox.state.messages(bob.id)
    assert (copy["media"], copy["text"], copy["caption"]) == (None, "/start is what I typed", None)
    assert copy["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]


async def test_copying_can_reply_in_the_target_chat(
    bot: Bot, sandbox: SandboxServer, alice: SandboxUser, bob: SandboxUser
) -> None:
    sandbox.state.user_sends_photo(alice.id)
    sandbox.state.user_sends_text(bob.id, "Send me the photo")
    await bot.copy_message(bob.id, alice.id, 1, reply_to_message_id=1)
    assert sandbox.state.messages(bob.id)[-1]["reply_to_message_id"] == 1
    with pytest.raises(BadRequest, match="Message to be replied not found"):
        await bot.copy_message(bob.id, alice.id, 1, reply_to_message_id=99)


async def test_copying_a_missing_message_is_a_bad_request(
    bot: Bot, alice: SandboxUser, bob: SandboxUser
) -> None:
    with pytest.raises(BadRequest) as error:
        await bot.copy_message(bob.id, alice.id, 7)
    assert error.value.message == "Message to copy not found"


async def test_copying_from_an_unknown_chat_is_chat_not_found(bot: Bot, bob: SandboxUser) -> None:
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.copy_message(bob.id, 424242, 1)


async def test_copying_to_a_user_who_blocked_the_bot_is_forbidden(
    bot: Bot, sandbox: SandboxServer, alice: SandboxUser, bob: SandboxUser
) -> None:
    sandbox.state.user_sends_photo(alice.id)
    sandbox.state.block(bob.id)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.copy_message(bob.id, alice.id, 1)
    assert sandbox.state.messages(bob.id) == []


async def test_a_bot_caption_over_1024_is_too_long(
    bot: Bot, sandbox: SandboxServer, alice: SandboxUser, bob: SandboxUser
) -> None:
    sandbox.state.user_sends_photo(alice.id)
    with pytest.raises(BadRequest) as error:
        await bot.copy_message(bob.id, alice.id, 1, caption="<b>x</b>" * 1025, parse_mode="HTML")
    assert error.value.message == "Message caption is too long"


async def test_copies_count_against_the_rate_limits(start_sandbox: StartSandbox) -> None:
    server = await start_sandbox(Limits(per_chat_per_second=0.1, per_chat_burst=1))
    ana, bo = started(server.state, "Ana"), started(server.state, "Bo")
    server.state.user_sends_photo(ana.id)
    async with Bot(TOKEN, base_url=server.bot_api_base_url) as bot:
        await bot.send_message(bo.id, "one")
        with pytest.raises(RetryAfter):
            await bot.copy_message(bo.id, ana.id, 1)
    assert len(server.state.messages(bo.id)) == 1


async def test_injected_faults_apply_to_copies(
    bot: Bot, sandbox: SandboxServer, alice: SandboxUser, bob: SandboxUser
) -> None:
    sandbox.state.user_sends_photo(alice.id)
    sandbox.state.faults.inject("copyMessage", "too_many_requests", seconds=3)
    with pytest.raises(RetryAfter):
        await bot.copy_message(bob.id, alice.id, 1)
    assert await bot.copy_message(bob.id, alice.id, 1)


# sendPhoto / sendDocument ---------------------------------------------------------------


async def test_send_document_uploads_a_file(
    bot: Bot, sandbox: SandboxServer, alice: SandboxUser
) -> None:
    content = b"name,entries\nAna,3\n"
    sent = await bot.send_document(
        alice.id,
        InputFile(content, filename="export.csv"),
        caption="<i>Your export</i>",
        parse_mode="HTML",
    )
    assert sent.document is not None
    assert (sent.document.file_name, sent.document.file_size) == ("export.csv", len(content))
    assert sent.document.mime_type == "text/csv"
    assert sent.caption == "Your export" and sent.caption_entities[0].type == "italic"
    [recorded] = sandbox.state.messages(alice.id)
    assert (recorded["media"], recorded["html"]) == ("document", "<i>Your export</i>")
    assert sandbox.state.file_content(sent.document.file_id) == content


async def test_an_upload_may_be_attached_by_name(
    sandbox: SandboxServer, alice: SandboxUser, page: aiohttp.ClientSession
) -> None:
    form = aiohttp.FormData()
    form.add_field("chat_id", str(alice.id))
    form.add_field("document", "attach://report")
    form.add_field("report", b"x" * 10, filename="report.txt")
    async with page.post(f"/bot{TOKEN}/sendDocument", data=form) as reply:
        body = await reply.json()
    assert body["result"]["document"]["file_name"] == "report.txt"
    assert body["result"]["document"]["mime_type"] == "text/plain"


async def test_send_photo_and_document_by_file_id(
    bot: Bot, sandbox: SandboxServer, alice: SandboxUser, bob: SandboxUser
) -> None:
    sandbox.state.user_sends_photo(alice.id)
    sandbox.state.user_sends_document(alice.id, "cv.pdf")
    photo, document = (u.message for u in await bot.get_updates())
    assert photo is not None and document is not None and document.document is not None
    sent_photo = await bot.send_photo(bob.id, photo.photo[-1].file_id, caption="Look")
    sent_document = await bot.send_document(bob.id, document.document.file_id)
    assert sent_photo.photo[-1].file_id == photo.photo[-1].file_id
    assert sent_photo.caption == "Look"
    assert sent_document.document is not None and sent_document.document.file_name == "cv.pdf"
    assert [m["media"] for m in sandbox.state.messages(bob.id)] == ["photo", "document"]


async def test_unknown_or_mismatched_file_ids_are_bad_requests(
    bot: Bot, sandbox: SandboxServer, alice: SandboxUser
) -> None:
    with pytest.raises(BadRequest, match="Wrong file identifier/http url specified"):
        await bot.send_photo(alice.id, "AgACnot-a-real-id")
    sandbox.state.user_sends_voice(alice.id)
    [update] = await bot.get_updates()
    assert update.message is not None and update.message.voice is not None
    with pytest.raises(BadRequest, match="Type of file mismatch"):
        await bot.send_photo(alice.id, update.message.voice.file_id)


async def test_a_media_message_has_no_text_to_edit(
    bot: Bot, sandbox: SandboxServer, alice: SandboxUser
) -> None:
    sent = await bot.send_document(alice.id, InputFile(b"1", filename="a.csv"), reply_markup=ANSWER)
    with pytest.raises(BadRequest, match="There is no text in the message to edit"):
        await bot.edit_message_text("x", chat_id=alice.id, message_id=sent.message_id)
    # The keyboard can still change, as on Telegram.
    await bot.edit_message_reply_markup(alice.id, sent.message_id, reply_markup=None)
    assert sandbox.state.messages(alice.id)[0]["media"] == "document"


# The page's endpoint --------------------------------------------------------------------


async def test_the_page_sends_placeholder_media_with_a_caption(
    bot: Bot, alice: SandboxUser, page: aiohttp.ClientSession
) -> None:
    url = f"/sandbox/api/chats/{alice.id}/media"
    async with page.post(url, json={"kind": "photo", "caption": "hi"}) as reply:
        assert reply.status == 201
    body = {"kind": "document", "file_name": "a.pdf", "file_size": 2048}
    async with page.post(url, json=body) as reply:
        assert reply.status == 201
    photo, document = (u.message for u in await bot.get_updates())
    assert photo is not None and photo.caption == "hi" and photo.photo
    assert document is not None and document.document is not None
    assert (document.document.file_name, document.document.file_size) == ("a.pdf", 2048)


async def test_the_page_refuses_an_unknown_kind(
    alice: SandboxUser, page: aiohttp.ClientSession
) -> None:
    url = f"/sandbox/api/chats/{alice.id}/media"
    async with page.post(url, json={"kind": "sticker"}) as reply:
        assert (reply.status, await reply.json()) == (
            400,
            {"error": "'kind' must be photo, voice or document"},
        )
