"""Faults on demand, so tests can see the bot survive what Telegram's servers sometimes do:
a 5xx, a 429 with retry_after, a connection dropped before the request was carried out,
or an answer so slow that the client gives up even though the request was carried out."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Literal

FaultKind = Literal["server_error", "too_many_requests", "reset", "slow"]


@dataclass
class Fault:
    method: str  # lower-case Bot API method name, e.g. "sendmessage"
    kind: FaultKind
    remaining: int
    seconds: float  # retry_after for too_many_requests, the delay for slow
    skip: int = 0  # calls to let through before the fault fires
    # Only calls about this chat; None: any call. A call naming no chat (answerCallbackQuery)
    # is reached only by faults for any call.
    chat_id: int | None = None


class Faults:
    """Faults waiting for the next calls of a method; each fires `count` times."""

    def __init__(self) -> None:
        self._waiting: list[Fault] = []
        self.fired: Counter[tuple[str, FaultKind]] = Counter()  # (method, kind) -> times

    def inject(
        self,
        method: str,
        kind: FaultKind,
        *,
        count: int = 1,
        seconds: float = 1.0,
        skip: int = 0,
        chat_id: int | None = None,
    ) -> None:
        self._waiting.append(Fault(method.lower(), kind, count, seconds, skip, chat_id))

    def next_for(self, method: str, *, chat_id: int | None = None) -> Fault | None:
        """The fault to apply to this call (about `chat_id`), if any; count it as used."""
        for fault in self._waiting:
            if fault.chat_id is not None and fault.chat_id != chat_id:
                continue
            if fault.method == method.lower() and fault.remaining > 0:
                if fault.skip > 0:
                    fault.skip -= 1
                    return None
                fault.remaining -= 1
                self.fired[fault.method, fault.kind] += 1
                return fault
        return None

    def unfired(self) -> int:
        """How many injected faults have yet to fire: a test can check its fault happened."""
        return sum(fault.remaining for fault in self._waiting)

    def clear(self) -> None:
        """Drop the faults yet to fire: the bad moment is over."""
        self._waiting.clear()
