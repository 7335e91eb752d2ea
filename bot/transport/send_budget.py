"""One bot token, one send budget: `sending.rate` messages a second for everything the bot
sends — the replies every instance makes to updates, and the leader's outbox.

Replies go first: a person is waiting on each. The outbox takes what they leave,
measured over the last few seconds: this instance's replies as they are made, other
instances' as they report them (bot/transport/reply_reports.py). Telegram tolerates a short
burst above its limit (about 30 a second), which covers the moment between a burst of
replies and the outbox slowing down for it; `sending.rate` below that limit is the
margin.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

# Seconds of replies the outbox makes room for: long enough to smooth one check-in's
# few replies, short enough to speed up again soon after a burst.
WINDOW = 3.0
# The outbox never stops altogether, however busy the replies: a prompt still goes out.
FLOOR = 1.0


class SendBudget:
    """The token's budget shared between replies and the outbox."""

    def __init__(
        self,
        rate: float | None,
        *,
        window: float = WINDOW,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.rate = rate
        self._window = window
        self._clock = clock
        self._replies: deque[tuple[float, int]] = deque()  # (when, how many)
        self._unreported = 0
        self.replies = 0  # this instance's, since it started

    def replied(self, count: int = 1) -> None:
        """This instance made `count` replies now."""
        self._add(count)
        self._unreported += count
        self.replies += count

    def replied_elsewhere(self, count: int) -> None:
        """Another instance reports `count` replies made since its last report."""
        self._add(count)

    def take_unreported(self) -> int:
        """This instance's replies since the last call, for the leader to hear of."""
        count, self._unreported = self._unreported, 0
        return count

    def replies_per_second(self) -> float:
        self._forget_before(self._clock() - self._window)
        return sum(count for _, count in self._replies) / self._window

    def outbox_rate(self) -> float | None:
        """Messages a second the outbox may send now; None when there is no limit."""
        if self.rate is None:
            return None
        return max(FLOOR, self.rate - self.replies_per_second())

    def _add(self, count: int) -> None:
        if count > 0:
            self._replies.append((self._clock(), count))

    def _forget_before(self, moment: float) -> None:
        while self._replies and self._replies[0][0] < moment:
            self._replies.popleft()
