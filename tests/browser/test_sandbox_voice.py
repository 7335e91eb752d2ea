"""Voice notes on the sandbox page, in headless Chromium against a bare sandbox: recorded
from Chromium's fake microphone or picked from disk, sent to the bot with their bytes, and
played back when the bot sends or copies a voice note."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Browser, Locator, Page, expect
from telegram import Bot, InputFile, Message

from bot.sandbox import Panel, SandboxServer
from tests.sounds import wav_tone

TOKEN = "123456:sandbox-voice-token"
WAV_SECONDS = 2


@pytest.fixture
async def sandbox(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[SandboxServer]:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    server = SandboxServer(token=TOKEN, port=0)
    student = server.state.add_user("Ana", last_name="Berg", started=True)
    mentor = server.state.add_user("Lars", last_name="Ek", started=True)
    server.set_panels([Panel("Student", student.id), Panel("Mentor", mentor.id)])
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def bot(sandbox: SandboxServer) -> AsyncIterator[Bot]:
    async with Bot(
        TOKEN, base_url=sandbox.bot_api_base_url, base_file_url=sandbox.file_base_url
    ) as real_bot:
        yield real_bot


@pytest.fixture
async def page(browser: Browser, sandbox: SandboxServer) -> Page:
    opened = await browser.new_page()
    await opened.goto(sandbox.url)
    await expect(opened.locator('[data-panel="mentor"]')).to_be_visible()
    return opened


def panel(page: Page, title: str) -> Locator:
    return page.locator(f'[data-panel="{title}"]')


async def pick_audio(page: Page, title: str, name: str, mime_type: str, content: bytes) -> None:
    async with page.expect_file_chooser() as chooser:
        await panel(page, title).locator('[data-role="send-audio"]').click()
    await (await chooser.value).set_files({"name": name, "mimeType": mime_type, "buffer": content})


async def voice_messages(bot: Bot) -> list[Message]:
    return [u.message for u in await bot.get_updates() if u.message and u.message.voice]


async def plays(page: Page, player: Locator) -> None:
    """The player's source answers 200 with an audio type, and the browser can play it."""
    src = await player.evaluate("audio => audio.src")  # absolute, as the browser loads it
    reply = await page.request.get(src)
    assert reply.status == 200
    assert reply.headers["content-type"].startswith("audio/")
    ready = await player.evaluate(
        """audio => audio.readyState > 0 || new Promise((resolve) => {
            audio.addEventListener("loadedmetadata", () => resolve(true));
            audio.addEventListener("error", () => resolve(false));
            audio.load();
        })"""
    )
    assert ready is True
    assert await player.evaluate("audio => audio.error === null && audio.readyState > 0")


async def test_a_picked_audio_file_goes_as_a_voice_note_the_bot_downloads_exactly(
    page: Page, sandbox: SandboxServer, bot: Bot
) -> None:
    tone = wav_tone(WAV_SECONDS)
    student = panel(page, "student")
    await student.locator('[data-role="input"]').fill("My reflection")
    await pick_audio(page, "student", "reflection.wav", "audio/wav", tone)

    sent = student.locator('[data-role="message"][data-sender="user"]')
    await expect(sent).to_have_count(1)
    await expect(sent).to_contain_text("🎤 Voice note")
    await expect(sent).to_contain_text("0:02")
    await expect(sent).to_contain_text("My reflection")
    await expect(student.locator('[data-role="input"]')).to_have_value("")
    player = sent.locator('audio[data-role="voice-player"]')
    await plays(page, player)
    assert await player.evaluate("audio => audio.duration") == pytest.approx(WAV_SECONDS, abs=0.1)

    [message] = await voice_messages(bot)
    assert message.voice is not None and message.caption == "My reflection"
    voice = message.voice
    assert (voice.mime_type, voice.file_size, voice.duration.total_seconds()) == (
        "audio/wav",
        len(tone),
        WAV_SECONDS,
    )
    file = await bot.get_file(voice.file_id)
    assert await file.download_as_bytearray() == bytearray(tone)


async def test_the_page_records_from_the_microphone_and_sends_once(
    page: Page, sandbox: SandboxServer, bot: Bot
) -> None:
    student = panel(page, "student")
    recorder = student.locator('[data-role="recorder"]')
    await expect(recorder).to_be_hidden()
    await student.locator('[data-role="send-voice"]').dblclick()  # an eager double press
    await expect(recorder).to_contain_text("Recording")
    await expect(student.locator('[data-role="send-photo"]')).to_be_disabled()
    await expect(student.locator('[data-role="recording-time"]')).to_have_text("0:02")
    await student.locator('[data-role="recording-send"]').dblclick()  # two fast presses

    sent = student.locator('[data-role="message"][data-sender="user"]')
    await expect(sent).to_have_count(1)
    await expect(recorder).to_be_hidden()
    await expect(student.locator('[data-role="send-voice"]')).to_be_enabled()
    await plays(page, sent.locator('audio[data-role="voice-player"]'))
    await page.wait_for_timeout(300)  # time for a second upload, were there one
    await expect(sent).to_have_count(1)

    [message] = await voice_messages(bot)
    assert message.voice is not None
    assert message.voice.mime_type == "audio/webm"  # Chromium records Opus in WebM
    assert 2 <= message.voice.duration.total_seconds() <= 4
    content = await (await bot.get_file(message.voice.file_id)).download_as_bytearray()
    assert len(content) == message.voice.file_size > 1000
    assert content.startswith(b"\x1a\x45\xdf\xa3")
    assert sandbox.state.file_content(message.voice.file_id) == bytes(content)


async def test_a_cancelled_recording_sends_nothing_and_the_next_one_goes(
    page: Page, sandbox: SandboxServer, bot: Bot
) -> None:
    student = panel(page, "student")
    await student.locator('[data-role="send-voice"]').click()
    await expect(student.locator('[data-role="recording-send"]')).to_be_enabled()
    await student.locator('[data-role="recording-cancel"]').click()
    await expect(page.locator('[data-role="toast"]')).to_contain_text("nothing was sent")
    await expect(student.locator('[data-role="recorder"]')).to_be_hidden()

    # Pressed at once again, and cancelled while the microphone starts: still nothing.
    await student.locator('[data-role="send-voice"]').click()
    await student.locator('[data-role="recording-cancel"]').click()
    await expect(student.locator('[data-role="recorder"]')).to_be_hidden()
    await page.wait_for_timeout(300)
    assert sandbox.state.messages(sandbox.state.users[0].id) == []

    await student.locator('[data-role="send-voice"]').click()
    await expect(student.locator('[data-role="recording-time"]')).to_have_text("0:01")
    await student.locator('[data-role="recording-send"]').click()
    await expect(student.locator('[data-role="message"][data-sender="user"]')).to_have_count(1)
    assert len(await voice_messages(bot)) == 1


@pytest.mark.parametrize(
    ("name", "mime_type", "content", "says"),
    [
        ("notes.txt", "text/plain", b"not a sound", "is not a sound recording"),
        # Named and typed as audio, but the bytes are not: the sandbox reads them.
        ("fake.ogg", "audio/ogg", b"name,role\nAna,student\n", "is not a sound recording"),
        ("empty.wav", "audio/wav", b"", "empty"),
        ("long.ogg", "audio/ogg", b"OggS" + bytes(21 * 1024 * 1024), "at most 20 MB"),
    ],
)
async def test_a_file_that_cannot_go_as_a_voice_note_is_refused_kindly(
    page: Page, sandbox: SandboxServer, name: str, mime_type: str, content: bytes, says: str
) -> None:
    await pick_audio(page, "student", name, mime_type, content)
    await expect(page.locator('[data-role="toast"]')).to_contain_text(says)
    await expect(panel(page, "student").locator('[data-role="send-audio"]')).to_be_enabled()
    assert sandbox.state.messages(sandbox.state.users[0].id) == []


async def test_voice_notes_the_bot_sends_or_copies_play_in_the_chat(
    page: Page, sandbox: SandboxServer, bot: Bot
) -> None:
    student, mentor = sandbox.state.users
    tone = wav_tone(WAV_SECONDS)
    await pick_audio(page, "student", "reflection.wav", "audio/wav", tone)
    sent = panel(page, "student").locator('[data-role="message"][data-sender="user"]')
    await expect(sent).to_have_count(1)
    [message] = await voice_messages(bot)
    assert message.voice is not None

    await bot.copy_message(mentor.id, student.id, message.message_id)  # as a relay does
    await bot.send_voice(mentor.id, message.voice.file_id, caption="Shared reflection")
    await bot.send_voice(mentor.id, InputFile(tone, filename="tone.wav"))  # the bot's upload

    received = panel(page, "mentor").locator('[data-role="message"][data-sender="bot"]')
    await expect(received).to_have_count(3)
    await expect(received.nth(1)).to_contain_text("Shared reflection")
    for index in range(3):
        await expect(received.nth(index)).to_contain_text("🎤 Voice note")
        await expect(received.nth(index)).to_contain_text("0:02")
        await plays(page, received.nth(index).locator('audio[data-role="voice-player"]'))


async def test_a_sample_voice_note_says_it_has_no_sound(page: Page, sandbox: SandboxServer) -> None:
    student = sandbox.state.users[0]
    sandbox.state.user_sends_voice(student.id)  # as tests and scripts send one
    sent = panel(page, "student").locator('[data-role="message"][data-sender="user"]')
    await expect(sent).to_contain_text("🎤 Voice note")
    await expect(sent).to_contain_text("sample, no sound")
    await expect(sent.locator("audio")).to_have_count(0)


async def test_where_the_browser_cannot_record_the_page_says_what_to_do_instead(
    browser: Browser, sandbox: SandboxServer
) -> None:
    # A page opened over plain http from another machine has no navigator.mediaDevices.
    opened = await browser.new_page()
    await opened.add_init_script(
        "Object.defineProperty(navigator, 'mediaDevices', { value: undefined })"
    )
    await opened.goto(sandbox.url)
    student = panel(opened, "student")
    await student.locator('[data-role="send-voice"]').click()
    toast = opened.locator('[data-role="toast"]')
    await expect(toast).to_contain_text("localhost or https")
    await expect(toast).to_contain_text("“Audio”")
    await expect(student.locator('[data-role="recorder"]')).to_be_hidden()
    await expect(student.locator('[data-role="send-audio"]')).to_be_enabled()
    assert sandbox.state.messages(sandbox.state.users[0].id) == []
