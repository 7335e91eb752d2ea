"""The page tells the sandbox's time: a clock line, and message times by the same clock
in the same zone (after "Advance one week" they read a week ahead of this computer)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from playwright.async_api import Browser, expect

from bot.demo.programme import DEMO_TIMEZONE
from tests.browser.pages import CONTROL_TIMEOUT, bot_messages, panel


async def test_after_a_week_the_clock_line_and_the_message_times_are_a_week_ahead(
    browser: Browser, sandbox_url: str
) -> None:
    page = await browser.new_page()
    await page.goto(sandbox_url)
    clock = page.locator('[data-role="clock"]')
    await expect(clock).to_contain_text(f"({DEMO_TIMEZONE})")

    await page.locator('[data-role="control"][data-control="next-week"]').click()
    await expect(page.locator('[data-role="control-result"]')).to_contain_text(
        "a week has passed", timeout=CONTROL_TIMEOUT
    )
    week_on = datetime.now(ZoneInfo(DEMO_TIMEZONE)) + timedelta(weeks=1)
    await expect(clock).to_contain_text(f"Sandbox clock: {week_on:%a %d %b %Y}")
    line = await clock.inner_text()
    hour_minute = re.search(r"(\d\d):(\d\d) \(", line)
    assert hour_minute is not None, line

    await panel(page, "coordinator").locator('[data-role="suggestion"]').click()
    welcome = bot_messages(page, "coordinator").first
    await expect(welcome).to_contain_text("You are a coordinator")
    meta = await welcome.locator(".meta").inner_text()
    assert meta.startswith(f"{week_on:%a %d %b}"), meta  # the sandbox's day, not today
    shown = datetime.strptime(meta.split()[-1], "%H:%M")
    on_clock = datetime.strptime(f"{hour_minute[1]}:{hour_minute[2]}", "%H:%M")
    assert abs(shown - on_clock) <= timedelta(minutes=2)  # the clock line's zone
