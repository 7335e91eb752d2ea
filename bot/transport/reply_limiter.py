"""Pacing of the handlers' replies, and a way around it for the outbox.

PTB's AIORateLimiter paces every call the Application's bot makes and, on a 429, sleeps
and retries inside the call. The outbox sender paces itself (bot/sending/pacing.py) *before* it
claims a message, and then wants the call to go out at once: waiting or retrying inside
the call would happen while the message is claimed, widening the window in which a
crash leaves it in doubt. A 429 is the sender's to handle (it reschedules the message).

Every reply that carries a message is counted into the token's send budget
(bot/transport/send_budget.py), so the outbox makes room for it.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from telegram._utils.types import JSONDict
from telegram.ext import AIORateLimiter

from bot.transport.send_budget import SendBudget

# rate_limit_args of a call the outbox has paced already: straight through, no retries.
PACED_BY_OUTBOX = -1
# The calls Telegram counts against its message limits: those that put or change a
# message in a chat (answering a button press, getFile or getMe are not among them).
MESSAGE_CALLS = ("send", "edit", "copy", "forward")


class RepliesRateLimiter(AIORateLimiter):
    """AIORateLimiter for replies; calls marked PACED_BY_OUTBOX pass untouched."""

    def __init__(self, budget: SendBudget | None = None, *, max_retries: int = 0) -> None:
        super().__init__(max_retries=max_retries)
        self._budget = budget

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | JSONDict | list[JSONDict]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | JSONDict | list[JSONDict]:
        if rate_limit_args == PACED_BY_OUTBOX:
            return await callback(*args, **kwargs)
        if self._budget is not None and endpoint.startswith(MESSAGE_CALLS):
            self._budget.replied()
        return await super().process_request(
            callback, args, kwargs, endpoint, data, rate_limit_args
        )
