"""Telegram's flood limits, enforced by the sandbox so the bot's pacing is exercised."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Limits:
    """Send rates the sandbox allows; ``None`` switches a limit off."""

    overall_per_second: float | None = 30.0
    per_chat_per_second: float | None = None
    per_chat_burst: int = 20


@dataclass
class _Bucket:
    """A token bucket: ``capacity`` sends at once, refilled at ``rate`` per second."""

    rate: float
    capacity: float
    tokens: float
    updated: float

    def refill(self, now: float) -> None:
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now

    def wait_seconds(self) -> float:
        """Seconds until one whole token is available (0 when one is)."""
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.rate


@dataclass
class RateLimiter:
    """Counts sends overall and per chat; says how long to wait when over the limit."""

    limits: Limits
    clock: Callable[[], float] = time.monotonic
    _overall: _Bucket | None = field(default=None, init=False)
    _chats: dict[Hashable, _Bucket] = field(default_factory=dict, init=False)
    # Refusals by the limit that refused them (both, when both would have).
    refused_overall: int = field(default=0, init=False)
    refused_per_chat: int = field(default=0, init=False)

    def acquire(self, chat_key: Hashable) -> int | None:
        """Record one send to ``chat_key``; return ``retry_after`` seconds if refused.

        A refused send is not counted, like Telegram, so a bot that waits
        ``retry_after`` and retries gets through.
        """
        now = self.clock()
        overall, chat = self._overall_bucket(now), self._chat_bucket(chat_key, now)
        buckets = [bucket for bucket in (overall, chat) if bucket is not None]
        for bucket in buckets:
            bucket.refill(now)
        wait = max((bucket.wait_seconds() for bucket in buckets), default=0.0)
        if wait > 0:
            self.refused_overall += bool(overall and overall.wait_seconds())
            self.refused_per_chat += bool(chat and chat.wait_seconds())
            # Telegram reports whole seconds and never 0.
            return max(1, math.ceil(wait))
        for bucket in buckets:
            bucket.tokens -= 1
        return None

    def _overall_bucket(self, now: float) -> _Bucket | None:
        rate = self.limits.overall_per_second
        if rate is None:
            return None
        if self._overall is None:
            # A one-second window: up to ``rate`` sends at once, then ``rate`` per second.
            capacity = max(1.0, rate)
            self._overall = _Bucket(rate=rate, capacity=capacity, tokens=capacity, updated=now)
        return self._overall

    def _chat_bucket(self, chat_key: Hashable, now: float) -> _Bucket | None:
        rate = self.limits.per_chat_per_second
        if rate is None:
            return None
        bucket = self._chats.get(chat_key)
        if bucket is None:
            capacity = float(max(1, self.limits.per_chat_burst))
            bucket = _Bucket(rate=rate, capacity=capacity, tokens=capacity, updated=now)
            self._chats[chat_key] = bucket
        return bucket
