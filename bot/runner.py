"""`frizon run`: migrate, then run the bot against Telegram or the local sandbox."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app import build_application, serving
from bot.clock import Clock, SystemClock
from bot.config import SANDBOX_TOKEN, Config
from bot.demo import DEMO_PEOPLE, prepare_demo
from bot.sandbox import Panel, SandboxServer
from db.engine import create_engine, create_sessionmaker
from db.migrate import upgrade

log = logging.getLogger(__name__)
SANDBOX_BOT_USERNAME = "frizon_sandbox_bot"


async def run(
    config: Config,
    *,
    clock: Clock | None = None,
    on_ready: Callable[[str], None] | None = None,
    stop: asyncio.Event | None = None,
) -> None:
    """Run until SIGINT/SIGTERM or `stop`; `on_ready` gets the sandbox URL or "telegram"."""
    clock = clock or SystemClock()
    stop = stop or _stop_on_signals()
    engine = create_engine(config.database.url)
    await upgrade(engine)
    sessionmaker = create_sessionmaker(engine)
    sandbox: SandboxServer | None = None
    try:
        if config.sandbox_mode:
            sandbox = SandboxServer(
                token=SANDBOX_TOKEN,
                host=config.sandbox.host,
                port=config.sandbox.port,
                bot_username=SANDBOX_BOT_USERNAME,
            )
            await sandbox.start()
            await _seat_demo_people(sandbox, sessionmaker, clock)
            token, base_url = SANDBOX_TOKEN, sandbox.bot_api_base_url
        else:
            assert config.telegram.token is not None
            token, base_url = config.telegram.token.get_secret_value(), config.telegram.base_url
        application = build_application(
            config=config, sessionmaker=sessionmaker, clock=clock, token=token, base_url=base_url
        )
        async with serving(application):
            if on_ready is not None:
                on_ready(sandbox.url if sandbox else "telegram")
            await stop.wait()
    finally:
        if sandbox is not None:
            await sandbox.stop()
        await engine.dispose()


async def _seat_demo_people(
    sandbox: SandboxServer, sessionmaker: async_sessionmaker[AsyncSession], clock: Clock
) -> None:
    seats = [
        (
            person,
            sandbox.state.add_user(
                person.first_name, last_name=person.last_name, language_code=person.language_code
            ).id,
        )
        for person in DEMO_PEOPLE
    ]
    demo = await prepare_demo(sessionmaker, clock=clock, seats=seats)
    sandbox.set_panels([Panel(seat.title, seat.telegram_user_id, seat.suggestion) for seat in demo])


def _stop_on_signals() -> asyncio.Event:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    return stop
