"""Finding things on the sandbox page: a person's panel and the bot's messages in it."""

from __future__ import annotations

from playwright.async_api import Locator, Page

# A clock control answers once everything that fell due in its week has happened and
# been sent (the demo cohort's too): seconds, more on a loaded machine.
CONTROL_TIMEOUT = 30_000  # milliseconds


def panel(page: Page, title: str) -> Locator:
    return page.locator(f'[data-panel="{title}"]')


def bot_messages(page: Page, title: str) -> Locator:
    return panel(page, title).locator('[data-role="message"][data-sender="bot"]')
