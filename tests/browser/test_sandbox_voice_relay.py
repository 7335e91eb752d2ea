"""A voice note between a pair, in real headless Chromium against `frizon run`: the student
records one on the page while writing to their mentor, and the mentor's chat plays it."""

from __future__ import annotations

from playwright.async_api import Browser, expect

from tests.browser.pages import bot_messages, panel


async def test_a_student_records_a_voice_note_for_the_mentor_who_plays_it(
    browser: Browser, sandbox_url: str
) -> None:
    page = await browser.new_page()
    await page.goto(sandbox_url)
    for title, greeting in [
        ("coordinator", "You are a coordinator"),
        ("mentor", "sounding board"),
        ("student", "This is your free zone"),
    ]:
        await panel(page, title).locator('[data-role="suggestion"]').click()
        await expect(bot_messages(page, title).filter(has_text=greeting)).to_have_count(1)
    coordinator, student = panel(page, "coordinator"), panel(page, "student")
    await coordinator.locator('[data-role="input"]').fill("/match")
    await coordinator.locator('[data-role="send"]').click()
    await coordinator.locator('[data-role="button"]', has_text="Accept: Ana Berg").click()
    await expect(bot_messages(page, "student").last).to_contain_text("You have a mentor")

    await student.locator('[data-role="input"]').fill("/mentor")
    await student.locator('[data-role="send"]').click()
    await expect(bot_messages(page, "student").last).to_contain_text("You are writing to Lars")
    await student.locator('[data-role="send-voice"]').click()
    await expect(student.locator('[data-role="recording-time"]')).to_have_text("0:02")
    await student.locator('[data-role="recording-send"]').click()

    copy = bot_messages(page, "mentor").filter(has=page.locator('[data-kind="voice"]'))
    await expect(copy).to_have_count(1)
    await expect(copy).to_contain_text("Ana Berg (your mentee)")  # the relay's header, as caption
    player = copy.locator('audio[data-role="voice-player"]')
    reply = await page.request.get(await player.evaluate("audio => audio.src"))
    assert (reply.status, reply.headers["content-type"]) == (200, "audio/webm")
    assert (await reply.body()).startswith(b"\x1a\x45\xdf\xa3")
    assert await player.evaluate(
        """audio => audio.readyState > 0 || new Promise((resolve) => {
            audio.addEventListener("loadedmetadata", () => resolve(true));
            audio.addEventListener("error", () => resolve(false));
        })"""
    )
