"""`frizon run`: migrate, then run the bot against Telegram or the local sandbox."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from telegram.error import InvalidToken, NetworkError

from bot.app import build_application, check_pairs_now, dispatch_now, serving
from bot.clock import Clock, OffsetClock, SystemClock
from bot.config import SANDBOX_BOT_USERNAME, SANDBOX_TOKEN, Config, redact_url
from bot.crypto import KeyProblem, ReflectionCipher
from bot.demo import DEMO_PEOPLE, DemoSeat, advance_a_week, advance_to_next_prompt, prepare_demo
from bot.keys import reflection_cipher
from bot.sandbox import Panel, SandboxServer
from db.engine import create_engine, create_sessionmaker
from db.migrate import migrations_count, upgrade
from handlers.context import FrizonApplication

log = logging.getLogger(__name__)


async def run(
    config: Config,
    *,
    clock: Clock | None = None,
    on_ready: Callable[[str], None] | None = None,
    stop: asyncio.Event | None = None,
) -> None:
    """Run until SIGINT/SIGTERM or `stop`; `on_ready` gets the sandbox URL or "telegram"."""
    clock = clock or SystemClock()
    cipher = _cipher(config)  # before anything starts: a real bot without a key must not run
    stop = stop or _stop_on_signals()
    engine = create_engine(config.database.url)
    await open_database(engine)
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
            # The sandbox's clock can be moved forward ("advance to the next prompt").
            clock = OffsetClock(clock)
            seats = await _seat_demo_people(sandbox, sessionmaker, clock)
            token, base_url = SANDBOX_TOKEN, sandbox.bot_api_base_url
        else:
            assert config.telegram.token is not None
            token, base_url = config.telegram.token.get_secret_value(), config.telegram.base_url
        application = build_application(
            config=config,
            sessionmaker=sessionmaker,
            clock=clock,
            token=token,
            base_url=base_url,
            cipher=cipher,
        )
        if sandbox is not None and isinstance(clock, OffsetClock):
            _add_clock_control(sandbox, application, clock, seats)
        async with _telegram_problems_explained(base_url), serving(application):
            if on_ready is not None:
                on_ready(sandbox.url if sandbox else "telegram")
            await stop.wait()
    finally:
        if sandbox is not None:
            await sandbox.stop()
        await engine.dispose()


async def _seat_demo_people(
    sandbox: SandboxServer, sessionmaker: async_sessionmaker[AsyncSession], clock: Clock
) -> list[DemoSeat]:
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
    return demo


def _add_clock_control(
    sandbox: SandboxServer,
    application: FrizonApplication,
    clock: OffsetClock,
    seats: list[DemoSeat],
) -> None:
    services = application.bot_data.services
    student = next(seat for seat in seats if seat.title == "Student")

    async def advance() -> str:
        return await advance_to_next_prompt(
            services.sessionmaker,
            clock,
            student_telegram_id=student.telegram_user_id,
            dispatch=lambda: dispatch_now(services),
        )

    async def week_later() -> str:
        return await advance_a_week(clock, check=lambda: check_pairs_now(services))

    sandbox.add_control("next-prompt", "Advance to the next prompt", advance)
    sandbox.add_control("next-week", "Advance one week", week_later)


@asynccontextmanager
async def _telegram_problems_explained(base_url: str) -> AsyncIterator[None]:
    """Start-up failures talking to the Bot API, as one line without the token."""
    try:
        yield
    except InvalidToken:
        raise StartupProblem(
            "the Bot API refused the bot token; check FRIZON_TELEGRAM_TOKEN or telegram.token"
        ) from None
    except NetworkError as error:
        raise StartupProblem(f"cannot reach the Bot API at {base_url}: {error.message}") from None


class StartupProblem(Exception):
    """Something outside frizon stops it from starting; the message is one line for people."""


async def open_database(engine: AsyncEngine) -> None:
    try:
        applied = await upgrade(engine)
    except (OSError, DBAPIError) as error:
        reason = str(getattr(error, "orig", None) or error).splitlines()[0]
        url = redact_url(engine.url.render_as_string(hide_password=False))
        raise StartupProblem(f"cannot open the database {url}: {reason}") from None
    now = f", {applied} applied now" if applied else ""
    log.info("database ready (migrations: %d%s)", migrations_count(), now)


def _cipher(config: Config) -> ReflectionCipher:
    try:
        return reflection_cipher(config)
    except KeyProblem as problem:
        raise StartupProblem(str(problem)) from None


def _stop_on_signals() -> asyncio.Event:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    return stop
