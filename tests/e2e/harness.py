"""The real bot (PTB Application, handlers, sender) running against the sandbox over HTTP."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app.application import build_application, serving
from bot.core.clock import ManualClock
from bot.core.config import Config, DatabaseConfig, HealthConfig
from bot.core.crypto import ReflectionCipher, new_key
from bot.sandbox import Limits, SandboxServer, SandboxUser
from bot.services.invites import issue_invites
from bot.services.pairing import pair
from bot.services.programmes import create_programme
from bot.transport.webhook import WebhookSettings
from db.models import Delivery, DeliveryStatus, Member, Programme, Role
from handlers.context import FrizonApplication

TOKEN = "1000000001:e2e-test-token"


@dataclass
class RunningBot:
    sandbox: SandboxServer
    application: FrizonApplication
    sessionmaker: async_sessionmaker[AsyncSession]
    clock: ManualClock

    def user(
        self, first_name: str, *, language_code: str = "en", last_name: str | None = None
    ) -> SandboxUser:
        return self.sandbox.state.add_user(
            first_name, last_name=last_name, language_code=language_code
        )

    def says(self, user: SandboxUser, text: str) -> None:
        self.sandbox.state.user_sends_text(user.id, text)

    def replies(self, user: SandboxUser, message: dict[str, Any], text: str) -> None:
        """The user answers a message with Telegram's Reply."""
        self.sandbox.state.user_sends_text(user.id, text, reply_to_message_id=message["message_id"])

    async def hears(
        self, user: SandboxUser, contains: str | None = None, within: float = 10.0
    ) -> dict[str, Any]:
        return await self.sandbox.state.wait_for_bot_message(
            user.id, contains=contains, timeout=within
        )

    async def presses(self, user: SandboxUser, message: dict[str, Any], label: str) -> None:
        """Tap the inline button whose text contains `label` on a bot message."""
        for row in message["reply_markup"]["inline_keyboard"]:
            for button in row:
                if label in button["text"]:
                    self.sandbox.state.user_presses_button(
                        user.id, message["message_id"], button["callback_data"]
                    )
                    return
        raise AssertionError(f"no button {label!r} on {message['text']!r}")

    async def outbox_settled(self, within: float = 10.0) -> None:
        """Wait until the sender has tried every delivery that is due (polling the outbox)."""
        deadline = asyncio.get_running_loop().time() + within
        while True:
            async with self.sessionmaker() as session:
                waiting = await session.scalar(
                    select(func.count())
                    .select_from(Delivery)
                    .where(
                        Delivery.status == DeliveryStatus.PENDING,
                        Delivery.next_attempt_at.is_(None),
                        Delivery.due_at <= self.clock.now(),
                    )
                )
            if not waiting:
                return
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError(f"{waiting} deliveries still pending after {within}s")
            self.application.bot_data.services.wake_sender()
            await asyncio.sleep(0.05)

    async def programme(self, name: str = "Clinical mentoring") -> Programme:
        async with self.sessionmaker() as session, session.begin():
            return await create_programme(
                session, now=self.clock.now(), name=name, timezone="Europe/Stockholm", actor="test"
            )

    async def invite(
        self,
        programme: Programme,
        role: Role,
        *,
        name: str | None = None,
        expires_in: timedelta = timedelta(days=30),
    ) -> str:
        async with self.sessionmaker() as session, session.begin():
            (issued,) = await issue_invites(
                session,
                now=self.clock.now(),
                programme=programme,
                role=role,
                actor="test",
                expires_in=expires_in,
                name=name,
            )
        return issued.token

    async def pair(self, programme: Programme, student: SandboxUser, mentor: SandboxUser) -> None:
        """Pair two enrolled users, as a coordinator would; both introductions are read."""
        async with self.sessionmaker() as session, session.begin():
            ids = {m.telegram_user_id: m.id for m in (await session.scalars(select(Member))).all()}
            await pair(
                session,
                now=self.clock.now(),
                programme=await session.get_one(Programme, programme.id),
                student_id=ids[student.id],
                mentor_id=ids[mentor.id],
                actor="test",
            )
        self.application.bot_data.services.wake_sender()
        await self.hears(student, "mentor")
        await self.hears(mentor, student.first_name)

    async def ana_and_lars(self) -> tuple[Programme, SandboxUser, SandboxUser]:
        """The usual cast: a programme with Ana (student) paired with Lars (mentor)."""
        programme = await self.programme()
        lars = await self.enrolled(programme, Role.MENTOR, "Lars")
        ana = await self.enrolled(programme, Role.STUDENT, "Ana")
        await self.pair(programme, ana, lars)
        return programme, ana, lars

    async def enrolled(
        self, programme: Programme, role: Role, first_name: str, *, language_code: str = "en"
    ) -> SandboxUser:
        """A user who has joined with an invite; their welcome is read."""
        user = self.user(first_name, language_code=language_code)
        self.says(user, f"/start {await self.invite(programme, role)}")
        await self.hears(user, programme.name)
        if role in (Role.STUDENT, Role.MENTOR):
            await self.hears(user, "/timezone")  # the time-zone hint follows the welcome
        return user


@asynccontextmanager
async def running_bot(
    database_url: str,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: ManualClock,
    *,
    limits: Limits | None = None,
    token: str = TOKEN,
    cipher: ReflectionCipher | None = None,
    webhook: WebhookSettings | None = None,
    health: HealthConfig | None = None,
) -> AsyncIterator[RunningBot]:
    """Start a sandbox on a free port and the real bot polling it (or receiving its
    `webhook`), with /healthz, /readyz and /metrics if `health` enables them; stop both
    afterwards."""
    sandbox = SandboxServer(token=token, port=0, limits=limits or Limits())
    await sandbox.start()
    config = Config(database=DatabaseConfig(url=database_url), health=health or HealthConfig())
    application = build_application(
        config=config,
        sessionmaker=sessionmaker,
        clock=clock,
        token=token,
        base_url=sandbox.bot_api_base_url,
        cipher=cipher or ReflectionCipher(new_key()),
        pair_checks=False,  # digests and nudges only when a test asks: check_pairs_now
    )
    try:
        async with serving(application, poll_timeout=timedelta(seconds=5), webhook=webhook):
            yield RunningBot(sandbox, application, sessionmaker, clock)
    finally:
        await sandbox.stop()
