"""A coordinator's tour of the sandbox page, in real headless Chromium against `frizon
run`: match suggestions accepted with a button, statistics with the chart shown in the
chat, and an export downloaded from it."""

from __future__ import annotations

from playwright.async_api import Browser, Page, expect

from tests.browser.pages import bot_messages, panel


async def says(page: Page, title: str, text: str) -> None:
    who = panel(page, title)
    await who.locator('[data-role="input"]').fill(text)
    await who.locator('[data-role="send"]').click()


async def test_a_coordinator_accepts_a_match_reads_the_chart_and_downloads_an_export(
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
    coordinator = panel(page, "coordinator")

    await says(page, "coordinator", "/match")
    suggestions = bot_messages(page, "coordinator").last
    await expect(suggestions).to_contain_text("Ana Berg → Lars Ek")
    await coordinator.locator('[data-role="button"]', has_text="Accept: Ana Berg").click()
    await expect(bot_messages(page, "coordinator").last).to_contain_text("is paired with")
    await expect(bot_messages(page, "student").last).to_contain_text("You have a mentor")

    await says(page, "coordinator", "/stats")
    await expect(bot_messages(page, "coordinator").filter(has_text="statistics on")).to_have_count(
        1
    )
    chart = coordinator.locator('img[data-role="image"]')
    await expect(chart).to_have_count(1)
    await expect(chart).to_have_js_property("complete", True)
    assert await chart.evaluate("image => image.naturalWidth") == 900  # the PNG, decoded

    await says(page, "coordinator", "/export")
    await coordinator.locator('[data-role="button"]', has_text="Pairs").last.click()
    link = coordinator.locator('a[data-role="download"]').last
    await expect(link).to_contain_text("pairs")
    async with page.expect_download() as download_info:
        await link.click()
    download = await download_info.value
    content = (await download.path()).read_text(encoding="utf-8-sig")
    assert content.splitlines()[0].startswith("student,mentor,status")
    assert "Ana Berg,Lars Ek,active" in content
