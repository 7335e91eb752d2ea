"""Inline keyboards as plain values, so services and the sender can describe buttons
without Telegram objects; the Telegram edge turns them into markup."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Button:
    label: str
    data: str


Keyboard = tuple[tuple[Button, ...], ...]
