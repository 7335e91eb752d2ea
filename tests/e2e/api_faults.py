"""Telegram's bad moments during a storm: at random moments a burst of faults from the
sandbox's Bot API — 429s with retry_after 1–3 s, 5xx answers, dropped connections, and
answers slower than the bot's read time-out — on the calls that send and answer. A burst
hits whichever calls come next: the leader's outbox sends and the instances' direct
replies to updates alike. The sandbox counts the faults as they fire.
"""

from __future__ import annotations

import asyncio
import random
import re
from collections import Counter

from bot.sandbox.faults import FaultKind, Faults
from bot.transport.http import READ_TIMEOUT

# The calls a storm makes: a reply or a prompt, buttons taken off, a press acknowledged.
METHODS = ("sendMessage", "editMessageText", "editMessageReplyMarkup", "answerCallbackQuery")
KINDS: tuple[FaultKind, ...] = ("too_many_requests", "server_error", "reset", "slow")
BURST = (1, 3)  # calls each burst spoils
RETRY_AFTER = (1, 3)  # seconds a 429 asks for
SLOW = READ_TIMEOUT + 1.0  # carried out, but answered after the bot gave up waiting
# The sender's own line when a send timed out: it sends again, so it may arrive twice.
TIMED_OUT_SEND = re.compile(r"delivery \d+: Timed out")


async def inject_faults(faults: Faults, rng: random.Random, every: tuple[float, float]) -> None:
    """Until cancelled: wait a random while (`every`, seconds), then a burst."""
    while True:
        await asyncio.sleep(rng.uniform(*every))
        kind = rng.choice(KINDS)
        seconds = rng.randint(*RETRY_AFTER) if kind == "too_many_requests" else SLOW
        faults.inject(rng.choice(METHODS), kind, count=rng.randint(*BURST), seconds=seconds)


def fired_by_kind(faults: Faults) -> Counter[str]:
    counts: Counter[str] = Counter()
    for (_, kind), times in faults.fired.items():
        counts[kind] += times
    return counts


def fired_by_method(faults: Faults) -> Counter[str]:
    counts: Counter[str] = Counter()
    for (method, _), times in faults.fired.items():
        counts[method] += times
    return counts


def describe(faults: Faults) -> str:
    """One line of the report: the faults fired, by kind and by method."""

    def table(counts: Counter[str]) -> str:
        return ", ".join(f"{name} {n}" for name, n in sorted(counts.items())) or "none"

    total = sum(faults.fired.values())
    return (
        f"  Bot API faults fired {total}: {table(fired_by_kind(faults))} "
        f"(on {table(fired_by_method(faults))})"
    )
