"""A composer: how one purpose is sent — what may hold it back, and what it says."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.crypto import ReflectionCipher
from bot.domain.catalogue import Catalogue
from bot.outbox.purposes import Purpose
from bot.sending.holds import Hold
from bot.sending.outgoing import Outgoing
from bot.texts.templates import Texts
from db.models import Delivery, Member


@dataclass(frozen=True)
class ComposeContext:
    """What composers draw on besides the database."""

    texts: Texts
    cipher: ReflectionCipher
    catalogue: Catalogue


class CannotCompose(Exception):
    """A delivery that cannot be composed (any more); it is failed, never retried."""


# The delivery, its recipient (already read), and the context: the message for them.
Compose = Callable[[AsyncSession, Delivery, Member, ComposeContext], Awaitable[Outgoing]]


@dataclass(frozen=True)
class Composer:
    purpose: Purpose
    hold: Hold
    compose: Compose
