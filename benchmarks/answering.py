"""Students who answer their prompt while the rest of the programme's prompts are still
going out, so the instances reply while the leader sends. Runs in the sandbox's process
(benchmarks/sandbox_process.py), where the users live."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.sandbox import SandboxServer

# Seconds a student takes before each step: after the prompt, and after each answer.
# At least a second, since Telegram allows one message a second to a chat and the next
# answer may come from another instance, which does not know of the last one.
FIRST_THOUGHT = (2.0, 8.0)
NEXT_THOUGHT = (1.2, 3.0)


@dataclass(frozen=True)
class Answered:
    replies: list[float]  # when each of the bot's replies arrived (monotonic clock)
    latencies: list[float]  # seconds from each step to its reply
    # When the sandbox's own event loop stood still longer than STALL (monotonic, seconds):
    # requests that arrived meanwhile are seen at once, as a burst Telegram would not see.
    stalls: list[tuple[float, float]]
    too_many_at: list[float]  # when the sandbox answered each 429


STALL = 0.3  # seconds


async def answering_crowd(
    server: SandboxServer, user_ids: list[int], within: float, seed: int
) -> Answered:
    """Each of these users waits for the bot's first message (the prompt), then checks in:
    /checkin, a mood, a few words, keep private."""
    rng = random.Random(seed)
    thoughts = [
        (rng.uniform(*FIRST_THOUGHT), [rng.uniform(*NEXT_THOUGHT) for _ in range(3)])
        for _ in user_ids
    ]
    stalls: list[tuple[float, float]] = []
    watching = asyncio.create_task(_watch_stalls(stalls))
    try:
        results = await asyncio.gather(
            *(
                _answer(server, user_id, first, later, within)
                for user_id, (first, later) in zip(user_ids, thoughts, strict=True)
            )
        )
    finally:
        watching.cancel()
    return Answered(
        replies=sorted(t for arrived, _ in results for t in arrived),
        latencies=[latency for _, latencies in results for latency in latencies],
        stalls=stalls,
        too_many_at=list(server.state.too_many_at),
    )


async def _watch_stalls(stalls: list[tuple[float, float]]) -> None:
    """Notes every time this event loop woke more than STALL late from a short sleep."""
    while True:
        before = time.monotonic()
        await asyncio.sleep(0.05)
        late = time.monotonic() - before - 0.05
        if late > STALL:
            stalls.append((before, late))


async def _answer(
    server: SandboxServer, user_id: int, first: float, later: list[float], within: float
) -> tuple[list[float], list[float]]:
    state = server.state
    await state.wait_for_bot_message(user_id, timeout=within)  # the prompt
    arrived: list[float] = []

    async def step(act: Callable[[], object], contains: str, thought: float) -> dict[str, Any]:
        await asyncio.sleep(thought)
        started = time.monotonic()
        act()
        message = await state.wait_for_bot_message(user_id, contains=contains, timeout=within)
        arrived.append(time.monotonic())
        latencies.append(arrived[-1] - started)
        return message

    latencies: list[float] = []
    ask = await step(lambda: state.user_sends_text(user_id, "/checkin"), "How are you", first)
    await step(
        lambda: state.user_presses_button(user_id, ask["message_id"], "ci:m:0:4"),
        "write a few lines",
        later[0],
    )
    question = await step(
        lambda: state.user_sends_text(user_id, "A long day on the ward."), "Saved", later[1]
    )
    keyboard = question["inline_keyboard"]
    await step(
        lambda: state.user_presses_button(
            user_id, question["message_id"], keyboard[0][-1]["callback_data"]
        ),
        "Thank you for writing",
        later[2],
    )
    return arrived, latencies
