"""A new user's first minute, in real headless Chromium: `frizon run` without a token,
the sandbox page, three people enrol, the coordinator pairs them, both are introduced."""

from __future__ import annotations

from playwright.async_api import Browser, Locator, Page, expect

from tests.browser.pages import CONTROL_TIMEOUT, bot_messages, panel


async def enrol_and_pair(page: Page) -> None:
    for title, greeting in [
        ("coordinator", "You are a coordinator"),
        ("mentor", "sounding board"),
        ("student", "This is your free zone"),
    ]:
        await panel(page, title).locator('[data-role="suggestion"]').click()
        await expect(bot_messages(page, title).filter(has_text=greeting)).to_have_count(1)

    coordinator = panel(page, "coordinator")
    await coordinator.locator('[data-role="input"]').fill("/pair")
    await coordinator.locator('[data-role="send"]').click()
    await expect(bot_messages(page, "coordinator").last).to_contain_text("which student")
    await coordinator.locator('[data-role="button"]', has_text="Ana Berg").click()
    await expect(bot_messages(page, "coordinator").last).to_contain_text("who should mentor")
    await coordinator.locator('[data-role="button"]', has_text="Lars Ek").click()
    await expect(bot_messages(page, "coordinator").last).to_contain_text("Done")

    await expect(bot_messages(page, "student").last).to_contain_text(
        "You have a mentor in Demo programme: Lars Ek"
    )
    await expect(
        bot_messages(page, "mentor").filter(
            has_text="You have a new mentee in Demo programme: Ana Berg"
        )
    ).to_have_count(1)


async def test_a_new_user_enrols_three_people_and_pairs_them(
    browser: Browser, sandbox_url: str
) -> None:
    page = await browser.new_page()
    await page.goto(sandbox_url)
    await enrol_and_pair(page)


async def test_after_advance_the_student_answers_a_prompt_and_the_mentor_sees_what_was_shared(
    browser: Browser, sandbox_url: str
) -> None:
    page = await browser.new_page()
    await page.goto(sandbox_url)
    await enrol_and_pair(page)
    student = panel(page, "student")

    await page.locator('[data-role="control"][data-control="next-prompt"]').click()
    await expect(page.locator('[data-role="control-result"]')).to_contain_text(
        "the prompt is on its way", timeout=CONTROL_TIMEOUT
    )
    await expect(bot_messages(page, "student").last).to_contain_text("Start with how you are doing")
    await student.locator('[data-role="button"]', has_text="Good").click()
    await expect(bot_messages(page, "student").last).to_contain_text("write a few lines")
    await student.locator('[data-role="input"]').fill("Today I felt like part of the team.")
    await student.locator('[data-role="send"]').click()
    await expect(bot_messages(page, "student").last).to_contain_text("share this entry")
    await student.locator('[data-role="button"]', has_text="Share with Lars Ek").click()

    await expect(bot_messages(page, "student").last).to_contain_text("Shared with Lars Ek")
    # Filtered, not .last: the mentor's weekly digest may arrive in between.
    await expect(
        bot_messages(page, "mentor").filter(has_text="Today I felt like part of the team.")
    ).to_have_count(1)
    await expect(
        bot_messages(page, "mentor").filter(
            has_text="Ana Berg shared an entry with you. Mood: Good."
        )
    ).to_have_count(1)


async def test_the_pair_chats_meets_and_the_mentor_is_nudged_and_gets_a_digest(
    browser: Browser, sandbox_url: str
) -> None:
    page = await browser.new_page()
    await page.goto(sandbox_url)
    await enrol_and_pair(page)
    student, mentor = panel(page, "student"), panel(page, "mentor")

    async def say(chat: Locator, text: str) -> None:
        await chat.locator('[data-role="input"]').fill(text)
        await chat.locator('[data-role="send"]').click()

    await say(student, "/mentor")
    await expect(bot_messages(page, "student").last).to_contain_text("You are writing to Lars Ek")
    await say(student, "Hello from the ward")
    await expect(bot_messages(page, "mentor").filter(has_text="Hello from the ward")).to_have_count(
        1
    )
    await student.locator('[data-role="input"]').fill("Night shift view")
    await student.locator('[data-role="send-photo"]').click()
    photo = bot_messages(page, "mentor").filter(has_text="Night shift view")
    await expect(photo.locator('[data-role="media"][data-kind="photo"]')).to_have_count(1)

    await photo.locator('[data-role="button"]', has_text="Reply to Ana Berg").click()
    await expect(bot_messages(page, "mentor").last).to_contain_text("You are writing to Ana Berg")
    await say(mentor, "Lovely light")
    await expect(bot_messages(page, "student").filter(has_text="Lovely light")).to_have_count(1)

    await say(student, "/met")
    await student.locator('[data-role="button"]', has_text="We met today").click()
    confirm = bot_messages(page, "mentor").filter(has_text="noted that you met")
    await confirm.locator('[data-role="button"]', has_text="Yes").click()
    await expect(bot_messages(page, "mentor").last).to_contain_text("is confirmed")

    week = page.locator('[data-role="control"][data-control="next-week"]')
    result = page.locator('[data-role="control-result"]')
    for _ in range(6):  # past the 4-week rhythm and its week of grace
        before = await result.inner_text()
        await week.click()
        await expect(result).to_contain_text("a week has passed", timeout=CONTROL_TIMEOUT)
        await expect(result).not_to_have_text(before, timeout=CONTROL_TIMEOUT)
    # One digest a week and the nudge queue up for the mentor, one message a second.
    await expect(
        bot_messages(page, "mentor").filter(has_text="have not logged a meeting")
    ).to_have_count(1, timeout=20_000)
    await expect(
        bot_messages(page, "mentor").filter(has_text="Your week with your mentees").first
    ).to_contain_text("Ana Berg")
