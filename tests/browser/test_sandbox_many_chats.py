"""Eight chats open on one page, in real headless Chromium against `frizon run`: a browser
opens only six connections to a host, so the page must not hold one per chat."""

from __future__ import annotations

from playwright.async_api import Browser, expect

from tests.browser.pages import bot_messages, enrol_the_programme, pair_ana_with_lars, panel

GUESTS = ["Eva", "Farid", "Greta", "Hugo", "Ines"]


async def test_with_eight_chats_open_every_chat_hears_the_bot_at_once(
    browser: Browser, sandbox_url: str
) -> None:
    page = await browser.new_page()
    await page.goto(sandbox_url)
    await expect(panel(page, "student")).to_be_visible()
    guests = panel(page, "guest")
    for count, name in enumerate(GUESTS, start=1):
        await page.locator('[data-role="add-user"] input[name="first_name"]').fill(name)
        await page.locator('[data-role="add-user"] button[type="submit"]').click()
        await expect(guests).to_have_count(count)
    await expect(page.locator("[data-panel]")).to_have_count(3 + len(GUESTS))

    # The last chat first: a stranger's /start is answered in that chat.
    last = guests.last
    await expect(last.locator('[data-role="name"]')).to_have_text("Ines")
    await last.locator('[data-role="suggestion"]').click()
    await expect(last.locator('[data-role="message"][data-sender="bot"]')).to_contain_text(
        "you join one through a personal invite link"
    )

    # Then the programme's three people enrol and a pairing reaches all three chats.
    await enrol_the_programme(page)
    await pair_ana_with_lars(page)
    await expect(
        bot_messages(page, "mentor").filter(has_text="You have a new mentee")
    ).to_have_count(1)

    # Every guest is answered in its own chat, and nowhere else.
    for index in range(len(GUESTS) - 1):
        await guests.nth(index).locator('[data-role="suggestion"]').click()
    for index in range(len(GUESTS)):
        await expect(
            guests.nth(index).locator('[data-role="message"][data-sender="bot"]')
        ).to_have_count(1)
