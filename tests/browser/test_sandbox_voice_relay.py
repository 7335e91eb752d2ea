"""Voice notes between a pair, in real headless Chromium against `frizon run`: the student
records one on the page — while writing to their mentor, or as the answer to a check-in
they share — and the mentor's chat plays it."""

from __future__ import annotations

from playwright.async_api import Browser, Locator, Page, expect

from tests.browser.pages import bot_messages, enrol_the_programme, pair_ana_with_lars, panel, says


async def _paired(browser: Browser, sandbox_url: str) -> Page:
    page = await browser.new_page()
    await page.goto(sandbox_url)
    await enrol_the_programme(page)
    await pair_ana_with_lars(page)
    return page


async def _record_two_seconds(page: Page) -> None:
    student = panel(page, "student")
    await student.locator('[data-role="send-voice"]').click()
    await expect(student.locator('[data-role="recording-time"]')).to_have_text("0:02")
    await student.locator('[data-role="recording-send"]').click()


async def _plays(page: Page, message: Locator) -> None:
    """The message's player loads the recorded bytes (WebM, as Chromium records)."""
    player = message.locator('audio[data-role="voice-player"]')
    reply = await page.request.get(await player.evaluate("audio => audio.src"))
    assert (reply.status, reply.headers["content-type"]) == (200, "audio/webm")
    assert (await reply.body()).startswith(b"\x1a\x45\xdf\xa3")
    assert await player.evaluate(
        """audio => audio.readyState > 0 || new Promise((resolve) => {
            audio.addEventListener("loadedmetadata", () => resolve(true));
            audio.addEventListener("error", () => resolve(false));
        })"""
    )


async def test_a_student_records_a_voice_note_for_the_mentor_who_plays_it(
    browser: Browser, sandbox_url: str
) -> None:
    page = await _paired(browser, sandbox_url)
    await says(page, "student", "/mentor")
    await expect(bot_messages(page, "student").last).to_contain_text("You are writing to Lars")
    await _record_two_seconds(page)

    copy = bot_messages(page, "mentor").filter(has=page.locator('[data-kind="voice"]'))
    await expect(copy).to_have_count(1)
    await expect(copy).to_contain_text("Ana Berg (your mentee)")  # the relay's header, as caption
    await _plays(page, copy)


async def test_a_student_answers_a_check_in_by_voice_shares_it_and_the_mentor_hears_it(
    browser: Browser, sandbox_url: str
) -> None:
    page = await _paired(browser, sandbox_url)
    student = panel(page, "student")
    await says(page, "student", "/checkin")
    await student.locator('[data-role="button"]', has_text="Good").last.click()
    await expect(bot_messages(page, "student").last).to_contain_text("send a voice note")
    await _record_two_seconds(page)
    await expect(bot_messages(page, "student").last).to_contain_text("share this entry")
    await student.locator('[data-role="button"]', has_text="Share with Lars").last.click()
    await expect(bot_messages(page, "student").last).to_contain_text("Shared with Lars")

    mentor = bot_messages(page, "mentor")
    await expect(mentor.filter(has_text="Ana Berg shared an entry with you")).to_have_count(1)
    await expect(mentor.filter(has_text="With a voice note, below.")).to_have_count(1)
    heard = mentor.filter(has=page.locator('[data-kind="voice"]'))
    await expect(heard).to_have_count(1)
    await _plays(page, heard)
