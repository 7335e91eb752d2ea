"""A coordinator's tour of the sandbox page, in real headless Chromium against `frizon
run`: match suggestions accepted with a button, statistics with the chart shown in the
chat, and an export downloaded from it."""

from __future__ import annotations

from playwright.async_api import Browser, expect

from tests.browser.pages import bot_messages, enrol_the_programme, pair_ana_with_lars, panel, says


async def test_a_coordinator_accepts_a_match_reads_the_chart_and_downloads_an_export(
    browser: Browser, sandbox_url: str
) -> None:
    page = await browser.new_page()
    await page.goto(sandbox_url)
    await enrol_the_programme(page)
    coordinator = panel(page, "coordinator")

    await pair_ana_with_lars(page)

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
