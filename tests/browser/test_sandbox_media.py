"""The page's media buttons and media bubbles, in headless Chromium against a bare sandbox."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Browser, Page, expect
from telegram import Bot, InputFile

from bot.sandbox import Panel, SandboxServer

TOKEN = "123456:sandbox-media-token"


@pytest.fixture
async def sandbox(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[SandboxServer]:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    server = SandboxServer(token=TOKEN, port=0)
    user = server.state.add_user("Ana", last_name="Berg", started=True)
    server.set_panels([Panel("Student", user.id)])
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def page(browser: Browser, sandbox: SandboxServer) -> Page:
    opened = await browser.new_page()
    await opened.goto(sandbox.url)
    await expect(opened.locator('[data-panel="student"]')).to_be_visible()
    return opened


async def test_the_person_sends_a_photo_a_voice_note_and_a_document(
    page: Page, sandbox: SandboxServer
) -> None:
    student = page.locator('[data-panel="student"]')
    sent = student.locator('[data-role="message"][data-sender="user"]')

    await student.locator('[data-role="input"]').fill("My desk today")
    await student.locator('[data-role="send-photo"]').click()
    await expect(sent.last).to_contain_text("🖼 Photo")
    await expect(sent.last).to_contain_text("My desk today")
    await expect(student.locator('[data-role="input"]')).to_have_value("")

    await student.locator('[data-role="send-voice"]').click()
    await expect(student.locator('[data-role="recording-send"]')).to_be_enabled()
    await student.locator('[data-role="recording-send"]').click()
    await expect(sent.last).to_contain_text("🎤 Voice note")

    async with page.expect_file_chooser() as chooser:
        await student.locator('[data-role="send-document"]').click()
    await (await chooser.value).set_files(
        {"name": "notes.pdf", "mimeType": "application/pdf", "buffer": b"%PDF" * 512}
    )
    await expect(sent.last).to_contain_text("📄 notes.pdf")
    await expect(sent.last).to_contain_text("2 KB")

    async with Bot(TOKEN, base_url=sandbox.bot_api_base_url) as bot:
        photo, voice, document = (u.message for u in await bot.get_updates())
    assert photo is not None and photo.caption == "My desk today" and photo.photo
    assert voice is not None and voice.voice is not None
    assert document is not None and document.document is not None
    assert (document.document.file_name, document.document.file_size) == ("notes.pdf", 2048)


async def test_the_bots_document_shows_its_name_and_caption(
    page: Page, sandbox: SandboxServer
) -> None:
    user_id = sandbox.state.users[0].id
    async with Bot(TOKEN, base_url=sandbox.bot_api_base_url) as bot:
        await bot.send_document(
            user_id,
            InputFile(b"name,entries\n", filename="export.csv"),
            caption="<b>Your</b> export",
            parse_mode="HTML",
        )
    received = page.locator('[data-panel="student"] [data-role="message"][data-sender="bot"]')
    await expect(received.locator('[data-role="media"][data-kind="document"]')).to_contain_text(
        "📄 export.csv"
    )
    await expect(received.locator("b")).to_have_text("Your")
    await expect(received).to_contain_text("Your export")


async def test_the_media_buttons_say_in_words_what_they_send(page: Page) -> None:
    # A machine without an emoji font shows the icons as empty boxes: the words remain.
    student = page.locator('[data-panel="student"]')
    for role, word, title in [
        ("send-photo", "Photo", "Send a sample photo (the text becomes its caption)"),
        (
            "send-voice",
            "Voice",
            "Record a voice note with your microphone (the text becomes its caption)",
        ),
        (
            "send-audio",
            "Audio",
            "Send an audio file from your computer as a voice note (the text becomes its caption)",
        ),
        ("send-document", "File", "Send a file from your computer (the text becomes its caption)"),
    ]:
        button = student.locator(f'[data-role="{role}"]')
        await expect(button).to_be_visible()
        await expect(button).to_contain_text(word)
        await expect(button).to_have_attribute("aria-label", title)
        await expect(button).to_have_attribute("title", title)
        await expect(button.locator(".icon")).to_have_attribute("aria-hidden", "true")


async def test_a_text_over_4096_characters_goes_as_two_messages(
    page: Page, sandbox: SandboxServer
) -> None:
    student = page.locator('[data-panel="student"]')
    long_text = " ".join(["Night shift notes"] * 300)  # 5399 characters
    await student.locator('[data-role="input"]').fill(long_text)
    await student.locator('[data-role="send"]').click()
    sent = student.locator('[data-role="message"][data-sender="user"]')
    await expect(sent).to_have_count(2)
    await expect(student.locator('[data-role="input"]')).to_have_value("")
    await expect(page.locator(".toast")).to_have_count(0)
    first, second = (m["text"] for m in sandbox.state.messages(sandbox.state.users[0].id))
    # Split at the last space within 4096 characters, not inside a word.
    assert (len(first), first[-5:], second[:5]) == (4091, "Night", "shift")
    assert f"{first} {second}" == long_text
