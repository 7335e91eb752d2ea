"""The sandbox page after a reload shows what it showed before; "Start over" erases it."""

from __future__ import annotations

from playwright.async_api import Browser, expect

from tests.browser.pages import bot_messages, panel

WELCOME = "You are a coordinator"


async def test_chats_added_chats_and_used_suggestions_survive_a_reload(
    browser: Browser, sandbox_url: str
) -> None:
    page = await browser.new_page()
    await page.goto(sandbox_url)
    await panel(page, "coordinator").locator('[data-role="suggestion"]').click()
    await expect(bot_messages(page, "coordinator").filter(has_text=WELCOME)).to_have_count(1)
    await page.locator('[data-role="add-user"] input[name="first_name"]').fill("Zoe")
    await page.locator('[data-role="add-user"] button').click()
    await expect(panel(page, "guest")).to_have_count(1)

    await page.reload()

    await expect(bot_messages(page, "coordinator").filter(has_text=WELCOME)).to_have_count(1)
    await expect(panel(page, "coordinator").locator('[data-role="suggestion"]')).to_have_count(0)
    guest = panel(page, "guest")
    await expect(guest.locator('[data-role="name"]')).to_have_text("Zoe")
    await expect(guest.locator('[data-role="suggestion"]')).to_have_text("/start")


async def test_start_over_asks_first_then_erases_the_chats_and_the_demo_database(
    browser: Browser, sandbox_url: str
) -> None:
    page = await browser.new_page()
    await page.goto(sandbox_url)
    await panel(page, "coordinator").locator('[data-role="suggestion"]').click()
    await expect(bot_messages(page, "coordinator").filter(has_text=WELCOME)).to_have_count(1)
    await page.locator('[data-role="add-user"] input[name="first_name"]').fill("Zoe")
    await page.locator('[data-role="add-user"] button').click()
    start_over = page.locator('[data-role="control"][data-control="start-over"]')
    await expect(start_over).to_have_count(1)

    await start_over.click()
    await expect(page.locator('[data-role="confirm"]')).to_contain_text("cannot be undone")
    await page.locator('[data-role="confirm-no"]').click()
    await expect(page.locator('[data-role="confirm"]')).to_have_count(0)
    await expect(bot_messages(page, "coordinator")).not_to_have_count(0)

    await start_over.click()
    async with page.expect_navigation(timeout=30_000):
        await page.locator('[data-role="confirm-yes"]').click()

    await expect(panel(page, "guest")).to_have_count(0)
    await expect(bot_messages(page, "coordinator")).to_have_count(0)
    suggestion = panel(page, "coordinator").locator('[data-role="suggestion"]')
    await expect(suggestion).to_contain_text("/start ")
    await suggestion.click()  # a fresh invite in a fresh database
    await expect(bot_messages(page, "coordinator").filter(has_text=WELCOME)).to_have_count(1)
