"""Faults on demand, so tests can see the bot survive what Telegram's servers sometimes do:
a 5xx, a 429 with retry_after, or an answer so slow that the client gives up even though
the request was carried out."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

FaultKind = Literal["server_error", "too_many_requests", "slow"]


@dataclass
class Fault:
    method: str  # lower-case Bot API method name, e.g. "sendmessage"
    kind: FaultKind
    remaining: int
    seconds: float  # retry_after for too_many_requests, the delay for slow
    skip: int = 0  # calls to let through before the fault fires


class Faults:
    """Faults waiting for the next calls of a method; each fires `count` times."""

    def __init__(self) -> None:
        self._waiting: list[Fault] = []

    def inject(
        self,
        method: str,
        kind: FaultKind,
        *,
        count: int = 1,
        seconds: float = 1.0,
        skip: int = 0,
    ) -> None:
        self._waiting.append(Fault(method.lower(), kind, count, seconds, skip))

    def next_for(self, method: str) -> Fault | None:
        """The fault to apply to this call, if any (and count it as used)."""
        for fault in self._waiting:
            if fault.method == method.lower() and fault.remaining > 0:
                if fault.skip > 0:
                    fault.skip -= 1
                    return None
                fault.remaining -= 1
                return fault
        return None
