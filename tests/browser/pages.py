"""Finding things on the sandbox page (a person's panel and the bot's messages in it),
and the steps many tours start with: saying something, enrolling, pairing."""

from __future__ import annotations

from playwright.async_api import Locator, Page, expect

# A clock control answers once everything that fell due in its week has happened and
# been sent (the demo cohort's too): seconds, more on a loaded machine.
CONTROL_TIMEOUT = 30_000  # milliseconds


def panel(page: Page, title: str) -> Locator:
    return page.locator(f'[data-panel="{title}"]')


def bot_messages(page: Page, title: str) -> Locator:
    return panel(page, title).locator('[data-role="message"][data-sender="bot"]')


async def says(page: Page, title: str, text: str) -> None:
    """Words typed into a person's chat and sent."""
    who = panel(page, title)
    await who.locator('[data-role="input"]').fill(text)
    await who.locator('[data-role="send"]').click()


async def enrol_the_programme(page: Page) -> None:
    """The coordinator, the mentor and the student each press Start and are greeted."""
    for title, greeting in [
        ("coordinator", "You are a coordinator"),
        ("mentor", "sounding board"),
        ("student", "This is your free zone"),
    ]:
        await panel(page, title).locator('[data-role="suggestion"]').click()
        await expect(bot_messages(page, title).filter(has_text=greeting)).to_have_count(1)


async def pair_ana_with_lars(page: Page) -> None:
    """/match, and the coordinator accepts its suggestion: the student hears of the mentor."""
    await says(page, "coordinator", "/match")
    await expect(bot_messages(page, "coordinator").last).to_contain_text("Ana Berg → Lars Ek")
    accept = panel(page, "coordinator").locator('[data-role="button"]', has_text="Accept: Ana Berg")
    await accept.click()
    await expect(bot_messages(page, "coordinator").last).to_contain_text("is paired with")
    await expect(bot_messages(page, "student").last).to_contain_text("You have a mentor")
