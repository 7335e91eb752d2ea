"""getFile and the file download endpoint, through the real PTB Bot; the page's file upload."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
from telegram import Bot, InputFile
from telegram.error import BadRequest, InvalidToken

from bot.sandbox import SandboxServer, SandboxUser
from bot.sandbox.files import MAX_DOWNLOAD_SIZE

from .conftest import TOKEN

ROSTER = b"name,role\nAna Berg,student\n"


@pytest.fixture
async def files_bot(sandbox: SandboxServer) -> AsyncIterator[Bot]:
    """A bot that downloads from the sandbox, as the application's bot does."""
    async with Bot(
        TOKEN, base_url=sandbox.bot_api_base_url, base_file_url=sandbox.file_base_url
    ) as bot:
        yield bot


async def test_a_users_document_downloads_as_the_bytes_they_sent(
    files_bot: Bot, sandbox: SandboxServer, alice: SandboxUser
) -> None:
    sandbox.state.user_sends_document(alice.id, "roster.csv", content=ROSTER)
    [update] = await files_bot.get_updates()
    assert update.message is not None and update.message.document is not None
    document = update.message.document
    assert (document.file_size, document.mime_type) == (len(ROSTER), "text/csv")
    file = await files_bot.get_file(document.file_id)
    assert (file.file_id, file.file_unique_id) == (document.file_id, document.file_unique_id)
    assert file.file_size == len(ROSTER)
    assert file.file_path is not None and file.file_path.endswith(".csv")
    assert await file.download_as_bytearray() == bytearray(ROSTER)


async def test_get_file_gives_a_relative_path_under_documents(
    sandbox: SandboxServer, alice: SandboxUser, page: aiohttp.ClientSession
) -> None:
    update = sandbox.state.user_sends_document(alice.id, "roster.csv", content=ROSTER)
    file_id = update["message"]["document"]["file_id"]
    async with page.post(f"/bot{TOKEN}/getFile", data={"file_id": file_id}) as reply:
        body = await reply.json()
    assert body["ok"] is True
    assert set(body["result"]) == {"file_id", "file_unique_id", "file_size", "file_path"}
    path = body["result"]["file_path"]
    assert path.startswith("documents/file_") and path.endswith(".csv")
    async with page.get(f"/file/bot{TOKEN}/{path}") as download:
        assert (download.status, await download.read()) == (200, ROSTER)


async def test_an_unknown_file_id_is_a_bad_request(files_bot: Bot) -> None:
    with pytest.raises(BadRequest, match="Invalid file_id"):
        await files_bot.get_file("BQACAgIAAxkBAAInot-a-file")
    with pytest.raises(BadRequest, match="Invalid file_id"):
        await files_bot.get_file("")


async def test_a_file_over_20_mb_is_too_big_to_get(
    files_bot: Bot, sandbox: SandboxServer, alice: SandboxUser
) -> None:
    sandbox.state.user_sends_document(alice.id, "scan.pdf", file_size=MAX_DOWNLOAD_SIZE + 1)
    sandbox.state.user_sends_document(alice.id, "notes.pdf", file_size=MAX_DOWNLOAD_SIZE)
    big, fits = (u.message for u in await files_bot.get_updates())
    assert big is not None and big.document is not None
    assert fits is not None and fits.document is not None
    with pytest.raises(BadRequest, match="File is too big"):
        await files_bot.get_file(big.document.file_id)
    assert (await files_bot.get_file(fits.document.file_id)).file_size == MAX_DOWNLOAD_SIZE


async def test_a_wrong_token_or_an_unknown_path_is_not_found(
    sandbox: SandboxServer, alice: SandboxUser, page: aiohttp.ClientSession
) -> None:
    update = sandbox.state.user_sends_document(alice.id, "roster.csv", content=ROSTER)
    file_id = update["message"]["document"]["file_id"]
    async with page.post(f"/bot{TOKEN}/getFile", data={"file_id": file_id}) as reply:
        path = (await reply.json())["result"]["file_path"]
    for url in (f"/file/bot123456:wrong-token/{path}", f"/file/bot{TOKEN}/documents/file_999.csv"):
        async with page.get(url) as download:
            assert download.status == 404
            assert await download.json() == {
                "ok": False,
                "error_code": 404,
                "description": "Not Found",
            }


async def test_ptb_reports_a_download_with_a_wrong_token(
    sandbox: SandboxServer, alice: SandboxUser
) -> None:
    sandbox.state.user_sends_document(alice.id, "roster.csv", content=ROSTER)
    async with Bot(
        TOKEN,
        base_url=sandbox.bot_api_base_url,
        base_file_url=f"{sandbox.url}/file/bot123456:wrong-token",
    ) as bot:
        [update] = await bot.get_updates()
        assert update.message is not None and update.message.document is not None
        file = await bot.get_file(update.message.document.file_id)
        with pytest.raises(InvalidToken):
            await file.download_as_bytearray()


async def test_sample_files_download_as_filler_of_their_size(
    files_bot: Bot, sandbox: SandboxServer, alice: SandboxUser
) -> None:
    sandbox.state.user_sends_document(alice.id, "thesis.pdf", file_size=3000)
    sandbox.state.user_sends_photo(alice.id)
    sandbox.state.user_sends_voice(alice.id)
    document, photo, voice = (u.message for u in await files_bot.get_updates())
    assert document is not None and document.document is not None
    content = await (await files_bot.get_file(document.document.file_id)).download_as_bytearray()
    assert len(content) == 3000 and content.startswith(b"frizon sandbox sample file")
    assert photo is not None and voice is not None and voice.voice is not None
    small, large = photo.photo
    small_file, large_file = [await files_bot.get_file(size.file_id) for size in photo.photo]
    assert (small_file.file_size, large_file.file_size) == (small.file_size, large.file_size)
    assert small_file.file_path != large_file.file_path
    assert small_file.file_unique_id == small.file_unique_id
    assert len(await large_file.download_as_bytearray()) == large.file_size
    voice_file = await files_bot.get_file(voice.voice.file_id)
    assert voice_file.file_path is not None and voice_file.file_path.endswith(".oga")


async def test_a_file_the_bot_uploaded_can_be_downloaded_again(
    files_bot: Bot, alice: SandboxUser
) -> None:
    sent = await files_bot.send_document(alice.id, InputFile(ROSTER, filename="invites.csv"))
    assert sent.document is not None
    file = await files_bot.get_file(sent.document.file_id)
    assert await file.download_as_bytearray() == bytearray(ROSTER)


async def test_an_empty_upload_from_the_user_is_refused(
    sandbox: SandboxServer, alice: SandboxUser
) -> None:
    with pytest.raises(ValueError, match="empty"):
        sandbox.state.user_sends_document(alice.id, "roster.csv", content=b"")
    assert sandbox.state.messages(alice.id) == []


# The page's upload ------------------------------------------------------------------------


async def test_the_page_uploads_a_real_file_the_bot_can_download(
    files_bot: Bot, alice: SandboxUser, page: aiohttp.ClientSession
) -> None:
    form = aiohttp.FormData()
    form.add_field("file", ROSTER, filename="roster.csv", content_type="text/csv")
    form.add_field("caption", "Clinical mentoring")
    async with page.post(f"/sandbox/api/chats/{alice.id}/document", data=form) as reply:
        assert reply.status == 201
    [update] = await files_bot.get_updates()
    message = update.message
    assert message is not None and message.document is not None
    assert (message.document.file_name, message.document.mime_type) == ("roster.csv", "text/csv")
    assert message.caption == "Clinical mentoring"
    file = await files_bot.get_file(message.document.file_id)
    assert await file.download_as_bytearray() == bytearray(ROSTER)


async def test_the_page_guesses_the_type_when_the_browser_does_not_know_it(
    files_bot: Bot, alice: SandboxUser, page: aiohttp.ClientSession
) -> None:
    form = aiohttp.FormData()
    form.add_field("file", b"%PDF-1.4", filename="plan.pdf")  # sent as octet-stream
    async with page.post(f"/sandbox/api/chats/{alice.id}/document", data=form) as reply:
        assert reply.status == 201
    [update] = await files_bot.get_updates()
    assert update.message is not None and update.message.document is not None
    assert update.message.document.mime_type == "application/pdf"


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"caption": "no file"}, "'file' must be a file"),
        ({"file": ("empty.csv", b"")}, "a file must not be empty"),
        ({"file": ("a.csv", b"x"), "reply_to_message_id": "soon"}, "must be a number"),
        ({"file": ("a.csv", b"x"), "reply_to_message_id": "77"}, "no message 77"),
    ],
)
async def test_the_page_refuses_an_upload_it_cannot_send(
    alice: SandboxUser,
    page: aiohttp.ClientSession,
    sandbox: SandboxServer,
    fields: dict[str, object],
    error: str,
) -> None:
    form = aiohttp.FormData(default_to_multipart=True)
    for name, value in fields.items():
        if isinstance(value, tuple):
            form.add_field(name, value[1], filename=value[0])
        else:
            form.add_field(name, str(value))
    async with page.post(f"/sandbox/api/chats/{alice.id}/document", data=form) as reply:
        assert reply.status == 400
        assert error in (await reply.json())["error"]
    assert sandbox.state.messages(alice.id) == []


async def test_the_page_upload_must_be_multipart(
    alice: SandboxUser, page: aiohttp.ClientSession
) -> None:
    url = f"/sandbox/api/chats/{alice.id}/document"
    async with page.post(url, json={"file_name": "a.csv"}) as reply:
        assert (reply.status, await reply.json()) == (
            400,
            {"error": "send the file as multipart/form-data"},
        )
