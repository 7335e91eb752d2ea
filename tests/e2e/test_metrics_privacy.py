"""/metrics after real flows (enrolment, pairing, a prompt answered and shared, a relayed
message): the expected series moved, and no name, Telegram id or written word is in any
label or value."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Update

from bot.core.clock import ManualClock
from bot.core.config import HealthConfig
from bot.core.metrics import HANDLER_BUCKETS, PROMPT_DELAY_BUCKETS, SEND_OUTCOMES
from bot.outbox.purposes import Purpose
from bot.services.prompts import queue_prompt_now
from db.models import Programme, Role
from tests.e2e.harness import RunningBot, running_bot

PROGRAMME = "Marigold Wards Mentoring"
# Distinctive names, ids and words: any of them in the page came from a person.
PEOPLE = {
    "student": ("Zebediah", "Pomfrey", 7391058264),
    "mentor": ("Quillon", "Ashgrove", 6284017359),
}
REFLECTION = "Periwinkle thunderclouds over the sluice room"
RELAYED = "Saffron lighthouse bicycle tomorrow"
DISTINCTIVE = ("Periwinkle", "thunderclouds", "sluice", "Saffron", "lighthouse", "bicycle")


@pytest.fixture
async def bot(
    database_url: str, sessionmaker: async_sessionmaker[AsyncSession], clock: ManualClock
) -> AsyncIterator[RunningBot]:
    health = HealthConfig(enabled=True, port=0)
    async with running_bot(database_url, sessionmaker, clock, health=health) as running:
        yield running


async def scrape(bot: RunningBot) -> str:
    port = bot.application.bot_data.health_port
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"http://127.0.0.1:{port}/metrics") as page,
    ):
        assert page.status == 200
        return await page.text()


async def scrape_once_handled(bot: RunningBot, *, updates: int) -> str:
    """The page once `updates` were counted: an update is counted once it is remembered as
    handled, a moment after its reply has arrived."""
    deadline = asyncio.get_running_loop().time() + 5
    while True:
        page = await scrape(bot)
        counted = sum(
            sample.value
            for family in text_string_to_metric_families(page)
            if family.name == "frizon_updates_handled"
            for sample in family.samples
            if sample.name == "frizon_updates_handled_total"
        )
        if counted >= updates or asyncio.get_running_loop().time() > deadline:
            return page
        await asyncio.sleep(0.05)


async def a_check_in_and_a_relayed_message(bot: RunningBot) -> None:
    programme = await bot.programme(PROGRAMME)
    people = {}
    for role, (first, last, telegram_id) in PEOPLE.items():
        user = bot.sandbox.state.add_user(first, last_name=last, user_id=telegram_id)
        bot.says(user, f"/start {await bot.invite(programme, Role(role))}")
        await bot.hears(user, "/timezone")
        people[role] = user
    student, mentor = people["student"], people["mentor"]
    await bot.pair(programme, student, mentor)

    services = bot.application.bot_data.services
    async with bot.sessionmaker() as session, session.begin():
        await queue_prompt_now(
            session,
            now=bot.clock.now(),
            catalogue=services.catalogue,
            programme=await session.get_one(Programme, programme.id),
            actor="test",
        )
    services.wake_sender()
    await bot.presses(student, await bot.hears(student, "Start with how you are doing"), "Low")
    await bot.hears(student, "write a few lines")
    bot.says(student, REFLECTION)
    await bot.presses(student, await bot.hears(student, "share this entry"), "Share with")
    await bot.hears(mentor, "Periwinkle")

    bot.says(student, "/mentor")
    await bot.hears(student, "You are writing to Quillon")
    bot.says(student, RELAYED)
    await bot.hears(mentor, "Saffron")
    await bot.outbox_settled()


# Every label's values come from a closed set: nothing a person chose can be one.
CLOSED_SETS = {
    "kind": {*Update.ALL_TYPES, "other"},
    "outcome": {*SEND_OUTCOMES, "handled", "failed", "retry", "given_up", "duplicate"},
    "purpose": {*Purpose, "other"},
    "state": {"due", "later", "sending"},
    "le": {*(str(bound) for bound in HANDLER_BUCKETS + PROMPT_DELAY_BUCKETS), "+Inf"},
}


def in_closed_set(label: str, value: str) -> bool:
    if label == "error":  # an exception's class
        return re.fullmatch(r"[A-Z][A-Za-z]+", value) is not None
    return value in CLOSED_SETS.get(label, set())


async def test_metrics_move_with_the_flows_and_carry_nothing_anyone_wrote(bot: RunningBot) -> None:
    await a_check_in_and_a_relayed_message(bot)
    page = await scrape_once_handled(bot, updates=7)

    forbidden_words = {PROGRAMME, "Marigold", *DISTINCTIVE}
    for first, last, _ in PEOPLE.values():
        forbidden_words |= {first, last}
    telegram_ids = {telegram_id for *_, telegram_id in PEOPLE.values()}
    for word in forbidden_words:
        assert word.lower() not in page.lower(), f"{word!r} is in /metrics"
    for telegram_id in telegram_ids:
        assert str(telegram_id) not in page
    families = list(text_string_to_metric_families(page))
    for family in families:
        for sample in family.samples:
            for label, value in sample.labels.items():
                assert in_closed_set(label, value), f"{label}={value!r} in {sample.name}"
            assert sample.value not in telegram_ids

    samples = {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in families
        for sample in family.samples
    }

    def value(name: str, **labels: str) -> float:
        return samples.get((name, tuple(sorted(labels.items()))), 0.0)

    # /start twice, /mentor, the words twice: messages; the mood and Share: button presses.
    assert value("frizon_updates_handled_total", kind="message", outcome="handled") >= 5
    assert value("frizon_updates_handled_total", kind="callback_query", outcome="handled") >= 2
    assert value("frizon_handler_seconds_count") >= 7
    # From the outbox: two introductions, the prompt, the shared entry's header and words
    # (the relayed copy is a reply, sent at once).
    assert value("frizon_sends_total", outcome="sent") == 5
    assert value("frizon_prompt_due_to_sent_seconds_count") == 1
    assert value("frizon_leader") == 1
    assert value("frizon_bot_api_last_answer_timestamp_seconds") > 0
    assert value("frizon_database_errors_total", error="OperationalError") == 0
