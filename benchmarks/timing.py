"""Repeated runs' times, told as median and p95, and how two compare."""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field


@dataclass
class Timing:
    seconds: list[float] = field(default_factory=list)
    error: str | None = None

    @property
    def median_ms(self) -> float:
        return statistics.median(self.seconds) * 1000

    @property
    def p95_ms(self) -> float:
        ordered = sorted(self.seconds)
        return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)] * 1000

    def describe(self) -> str:
        if self.error:
            return f"failed: {self.error}"
        return f"median {self.median_ms:8.1f} ms, p95 {self.p95_ms:8.1f} ms"


def ratio(a: Timing, b: Timing) -> str:
    if a.error or b.error or not b.seconds or b.median_ms == 0:
        return "—"
    return f"{a.median_ms / b.median_ms:.1f}"


def verdict(milliseconds: float, goal: float) -> str:
    return "met" if milliseconds <= goal else "NOT met"


def first_line(error: BaseException) -> str:
    return f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}"[:300]
