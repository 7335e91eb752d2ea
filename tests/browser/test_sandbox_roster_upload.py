"""The demo coordinator uploads a roster CSV from disk on the sandbox page, in headless
Chromium against `frizon run`, and the invite CSV comes back into the chat."""

from __future__ import annotations

from pathlib import Path

from playwright.async_api import Browser, expect

from tests.browser.pages import bot_messages, panel

ROSTER_WITH_A_MISTAKE = """name,role,language,mentor,capacity,campus
Dr Sara Lind,mentor,sv,,2,Solna
Erik Nyström,studnet,sv,Dr Sara Lind,,Solna
Fatima Said,student,en,Dr Sara Lind,,Huddinge
"""


async def test_the_coordinator_uploads_a_roster_and_gets_the_invite_csv(
    browser: Browser,
    sandbox_url: str,
    tmp_path: Path,
) -> None:
    page = await browser.new_page()
    await page.goto(sandbox_url)
    coordinator = panel(page, "coordinator")
    await coordinator.locator('[data-role="suggestion"]').click()
    await expect(
        bot_messages(page, "coordinator").filter(has_text="You are a coordinator")
    ).to_have_count(1)
    roster = tmp_path / "roster.csv"
    roster.write_text(ROSTER_WITH_A_MISTAKE, encoding="utf-8")

    await coordinator.locator('[data-role="file-input"]').set_input_files(roster)

    sent = coordinator.locator('[data-role="message"][data-sender="user"]').last
    await expect(sent).to_contain_text("📄 roster.csv")
    problems = bot_messages(page, "coordinator").last
    await expect(problems).to_contain_text("I found 1 problem in roster.csv")
    await expect(problems).to_contain_text("row 3: role 'studnet'")

    roster.write_text(ROSTER_WITH_A_MISTAKE.replace("studnet", "student"), encoding="utf-8")
    await coordinator.locator('[data-role="file-input"]').set_input_files(roster)

    returned = bot_messages(page, "coordinator").last
    document = returned.locator('[data-role="media"][data-kind="document"]')
    await expect(document).to_contain_text("📄 invites.csv")
    await expect(returned).to_contain_text("3 invites (2 students, 1 mentor)")
    await expect(returned).to_contain_text("one link per person")
