"""Voice notes with real bytes: what the sandbox reads from audio, the page's upload, its
limits, and the Telegram ``voice`` the bot receives and downloads."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator

import aiohttp
import pytest
from telegram import Bot

from bot.sandbox import SandboxServer, SandboxUser
from bot.sandbox.audio import NOT_AUDIO, audio_seconds, audio_type, voice_duration
from bot.sandbox.web.media import MAX_VOICE_SIZE
from tests.sounds import ogg_opus, ogg_page, wav_tone

from .conftest import TOKEN

WEBM = b"\x1a\x45\xdf\xa3" + b"\x00" * 3000  # what Chromium records starts so


@pytest.fixture
async def files_bot(sandbox: SandboxServer) -> AsyncIterator[Bot]:
    async with Bot(
        TOKEN, base_url=sandbox.bot_api_base_url, base_file_url=sandbox.file_base_url
    ) as bot:
        yield bot


def voice_form(content: bytes, name: str = "voice.webm", **fields: str) -> aiohttp.FormData:
    form = aiohttp.FormData()
    form.add_field("file", io.BytesIO(content), filename=name, content_type="audio/webm")
    for field, value in fields.items():
        form.add_field(field, value)
    return form


# What the bytes say -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "kind"),
    [
        (ogg_opus(1.0), "audio/ogg"),
        (WEBM, "audio/webm"),
        (wav_tone(0.1), "audio/wav"),
        (b"ID3\x04\x00" + bytes(20), "audio/mpeg"),
        (b"\xff\xfb\x90\x64" + bytes(20), "audio/mpeg"),
        (b"\x00\x00\x00\x20ftypM4A " + bytes(20), "audio/mp4"),
        (b"fLaC" + bytes(20), "audio/flac"),
        (b"name,role\nAna,student\n", None),
        (b"%PDF-1.4", None),
        (b"\x89PNG\r\n\x1a\n", None),
        (b"", None),
    ],
)
def test_the_bytes_say_whether_and_what_audio_they_are(content: bytes, kind: str | None) -> None:
    assert audio_type(content) == kind


def test_wav_and_ogg_say_how_long_they_play() -> None:
    assert audio_seconds(wav_tone(1.5)) == pytest.approx(1.5)
    assert audio_seconds(ogg_opus(7.25)) == pytest.approx(7.25)  # less Opus's pre-skip
    vorbis_head = b"\x01vorbis" + bytes(5) + (44_100).to_bytes(4, "little") + bytes(14)
    vorbis = ogg_page(vorbis_head, 0, first=True) + ogg_page(b"x" * 9, 3 * 44_100)
    assert audio_seconds(vorbis) == pytest.approx(3.0)
    assert audio_seconds(WEBM) is None  # MediaRecorder's WebM names no duration
    assert audio_seconds(b"OggS" + bytes(40)) is None  # no Opus or Vorbis header
    assert audio_seconds(b"RIFF\x00\x00\x00\x00WAVEjunk") is None


def test_the_duration_is_the_bytes_then_the_pages_then_an_estimate() -> None:
    assert voice_duration(ogg_opus(7.25), measured=30.0) == 8  # the bytes win
    assert voice_duration(wav_tone(2.0), measured=None) == 2
    assert voice_duration(WEBM, measured=3.4) == 4
    assert voice_duration(WEBM, measured=2.02) == 2  # a stop a moment late is not a second
    assert voice_duration(bytes(WEBM[:4]) + bytes(9996), measured=None) == 5  # 16 kbit/s
    for unbelievable in (0.0, -3.0, 90_000.0):
        assert voice_duration(WEBM, measured=unbelievable) == 2
    assert voice_duration(WEBM[:10], measured=None) == 1  # never 0


# The state and the bot -----------------------------------------------------------------


async def test_a_voice_note_with_bytes_is_a_telegram_voice_the_bot_downloads(
    files_bot: Bot, sandbox: SandboxServer, alice: SandboxUser
) -> None:
    tone = wav_tone(3.0)
    update = sandbox.state.user_sends_voice(alice.id, content=tone, caption="Week 3")
    voice = update["message"]["voice"]
    assert set(voice) == {"file_id", "file_unique_id", "duration", "mime_type", "file_size"}
    assert (voice["duration"], voice["mime_type"], voice["file_size"]) == (
        3,
        "audio/wav",
        len(tone),
    )
    [received] = await files_bot.get_updates()
    assert received.message is not None and received.message.voice is not None
    assert received.message.caption == "Week 3"
    file = await files_bot.get_file(received.message.voice.file_id)
    assert file.file_path is not None and file.file_path.endswith(".oga")
    assert await file.download_as_bytearray() == bytearray(tone)


async def test_a_sample_voice_note_is_still_ogg_of_a_made_up_length(
    sandbox: SandboxServer, alice: SandboxUser
) -> None:
    voice = sandbox.state.user_sends_voice(alice.id)["message"]["voice"]
    assert voice["mime_type"] == "audio/ogg"
    assert voice["duration"] == max(1, voice["file_size"] // 2000)
    [shown] = sandbox.state.messages(alice.id)
    assert (shown["media"], shown["duration"]) == ("voice", voice["duration"])


async def test_the_bot_resending_or_copying_a_voice_note_keeps_its_bytes(
    files_bot: Bot, sandbox: SandboxServer, alice: SandboxUser
) -> None:
    tone = wav_tone(1.0)
    update = sandbox.state.user_sends_voice(alice.id, content=tone)
    file_id = update["message"]["voice"]["file_id"]
    resent = await files_bot.send_voice(alice.id, file_id)
    copied = await files_bot.copy_message(alice.id, alice.id, update["message"]["message_id"])
    assert resent.voice is not None and resent.voice.mime_type == "audio/wav"
    copy = sandbox.state.messages(alice.id)[-1]
    assert copy["message_id"] == copied.message_id and copy["file_id"] == file_id
    assert sandbox.state.file_content(file_id) == tone


async def test_the_bots_own_voice_upload_is_typed_and_timed_by_its_bytes(
    files_bot: Bot, alice: SandboxUser
) -> None:
    sent = await files_bot.send_voice(alice.id, ogg_opus(4.0))
    assert sent.voice is not None
    assert (sent.voice.mime_type, sent.voice.duration.total_seconds()) == ("audio/ogg", 4)


def test_the_state_refuses_a_voice_note_that_is_not_audio(
    sandbox: SandboxServer, alice: SandboxUser
) -> None:
    with pytest.raises(ValueError, match="not a sound recording"):
        sandbox.state.user_sends_voice(alice.id, content=b"%PDF-1.4")
    with pytest.raises(ValueError, match="empty"):
        sandbox.state.user_sends_voice(alice.id, content=b"")
    assert sandbox.state.messages(alice.id) == []


# The page's upload ---------------------------------------------------------------------


async def test_the_page_sends_a_recording_with_the_duration_it_measured(
    files_bot: Bot, sandbox: SandboxServer, alice: SandboxUser, page: aiohttp.ClientSession
) -> None:
    form = voice_form(WEBM, duration="6.3", caption="On the ward")
    async with page.post(f"/sandbox/api/chats/{alice.id}/voice", data=form) as reply:
        assert reply.status == 201
    [update] = await files_bot.get_updates()
    message = update.message
    assert message is not None and message.voice is not None
    assert message.caption == "On the ward"
    voice = message.voice
    assert (voice.mime_type, voice.file_size) == ("audio/webm", len(WEBM))
    assert voice.duration.total_seconds() == 7
    file = await files_bot.get_file(voice.file_id)
    assert await file.download_as_bytearray() == bytearray(WEBM)

    [shown] = sandbox.state.messages(alice.id)
    async with page.get(f"/sandbox/api/chats/{alice.id}/messages") as reply:
        [on_the_page] = (await reply.json())["messages"]
    assert on_the_page["file_url"] == f"/sandbox/api/files/{shown['file_id']}"
    assert on_the_page["duration"] == 7
    async with page.get(on_the_page["file_url"]) as played:
        assert (played.status, played.content_type) == (200, "audio/webm")
        assert "Content-Disposition" not in played.headers  # played in the page, not saved
        assert await played.read() == WEBM


async def test_the_pages_duration_is_ignored_when_it_is_no_number(
    files_bot: Bot, alice: SandboxUser, page: aiohttp.ClientSession
) -> None:
    for duration in ("soon", "NaN", "inf"):
        form = voice_form(WEBM, duration=duration)
        async with page.post(f"/sandbox/api/chats/{alice.id}/voice", data=form) as reply:
            assert reply.status == 201
    durations = {u.message.voice.duration.total_seconds() for u in await files_bot.get_updates()}
    assert durations == {2}  # 3004 bytes at a voice note's 16 kbit/s


@pytest.mark.parametrize(
    ("content", "error"),
    [
        (b"name,role\nAna,student\n", NOT_AUDIO),
        (b"", "a voice note must not be empty"),
        (b"OggS" + bytes(MAX_VOICE_SIZE - 3), "at most 20 MB, the most a bot can download"),
    ],
)
async def test_the_page_refuses_a_voice_note_it_cannot_send(
    sandbox: SandboxServer,
    alice: SandboxUser,
    page: aiohttp.ClientSession,
    content: bytes,
    error: str,
) -> None:
    async with page.post(f"/sandbox/api/chats/{alice.id}/voice", data=voice_form(content)) as reply:
        assert reply.status == 400
        assert error in (await reply.json())["error"]
    assert sandbox.state.messages(alice.id) == []
    assert sandbox.state.updates.pending == []


async def test_a_voice_note_of_exactly_20_mb_goes(
    sandbox: SandboxServer, alice: SandboxUser, page: aiohttp.ClientSession
) -> None:
    content = b"OggS" + bytes(MAX_VOICE_SIZE - 4)
    async with page.post(f"/sandbox/api/chats/{alice.id}/voice", data=voice_form(content)) as reply:
        assert reply.status == 201
    [shown] = sandbox.state.messages(alice.id)
    assert shown["file_size"] == MAX_VOICE_SIZE


async def test_the_page_voice_upload_must_be_multipart_with_a_file(
    alice: SandboxUser, page: aiohttp.ClientSession
) -> None:
    url = f"/sandbox/api/chats/{alice.id}/voice"
    async with page.post(url, json={"kind": "voice"}) as reply:
        assert (reply.status, await reply.json()) == (
            400,
            {"error": "send the file as multipart/form-data"},
        )
    form = aiohttp.FormData(default_to_multipart=True)
    form.add_field("duration", "3")
    async with page.post(url, data=form) as reply:
        assert (reply.status, await reply.json()) == (400, {"error": "'file' must be a file"})


async def test_the_page_player_can_ask_for_part_of_a_voice_note_to_seek(
    sandbox: SandboxServer, alice: SandboxUser, page: aiohttp.ClientSession
) -> None:
    tone = wav_tone(1.0)
    file_id = sandbox.state.user_sends_voice(alice.id, content=tone)["message"]["voice"]["file_id"]
    url = f"/sandbox/api/files/{file_id}"
    async with page.get(url) as whole:
        assert (whole.status, whole.headers["Accept-Ranges"]) == (200, "bytes")
    async with page.get(url, headers={"Range": "bytes=100-199"}) as part:
        assert (part.status, part.headers["Content-Range"]) == (206, f"bytes 100-199/{len(tone)}")
        assert (part.content_type, await part.read()) == ("audio/wav", tone[100:200])
    async with page.get(url, headers={"Range": "bytes=-10"}) as tail:
        assert (tail.status, await tail.read()) == (206, tone[-10:])
    async with page.get(url, headers={"Range": f"bytes={len(tone)}-"}) as beyond:
        assert (beyond.status, beyond.headers["Content-Range"]) == (416, f"bytes */{len(tone)}")
    async with page.get(url, headers={"Range": "pages=1"}) as odd:
        assert (odd.status, await odd.read()) == (200, tone)
