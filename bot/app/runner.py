"""`frizon run`: migrate, then run the bot against Telegram or the local sandbox."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from telegram.error import InvalidToken, NetworkError

from bot.app.application import build_application, serving
from bot.app.doctor import keep_key_canary
from bot.app.health import HealthUnavailable
from bot.app.jobs import check_pairs_now, dispatch_now
from bot.app.single_instance import AlreadyRunning, only_instance
from bot.core.clock import Clock, OffsetClock, SystemClock
from bot.core.config import SANDBOX_BOT_USERNAME, SANDBOX_TOKEN, Config, redact_url
from bot.core.crypto import KeyProblem, ReflectionCipher
from bot.core.keys import reflection_cipher
from bot.demo.cast import COHORT_IDS
from bot.demo.life import cohort_lives
from bot.demo.programme import (
    ADVANCE_STEP,
    DEMO_PEOPLE,
    DEMO_TIMEZONE,
    DemoSeat,
    TimePasses,
    advance_a_week,
    advance_to_next_prompt,
    demo_exists,
    erase_database,
    outbox_sent,
    prepare_demo,
)
from bot.sandbox import Panel, SandboxServer, SandboxState
from bot.sandbox.store import StateFile, state_path
from bot.services.sandbox_clock import store_offset, stored_offset
from bot.transport.webhook import WebhookSettings
from db.engine import create_engine, create_sessionmaker
from db.migrate import SchemaAhead, migrations_count, upgrade
from db.models import Member
from handlers.context import FrizonApplication, Services

log = logging.getLogger(__name__)


async def run(
    config: Config,
    *,
    clock: Clock | None = None,
    on_ready: Callable[[str], None] | None = None,
    stop: asyncio.Event | None = None,
) -> None:
    """Run until SIGINT/SIGTERM or `stop`; `on_ready` gets the sandbox URL or "telegram"
    (once: the sandbox's "Start over" starts it again on the same address)."""
    clock = clock or SystemClock()
    cipher = _cipher(config)  # before anything starts: a real bot without a key must not run
    try:
        with only_instance(config.database.url):
            await _run_until_stopped(config, clock, cipher, on_ready, stop)
    except AlreadyRunning as problem:
        raise StartupProblem(str(problem)) from None


async def _run_until_stopped(
    config: Config,
    clock: Clock,
    cipher: ReflectionCipher,
    on_ready: Callable[[str], None] | None,
    stop: asyncio.Event | None,
) -> None:
    """Run, and run again after the sandbox's "Start over", until stopped."""
    stop = stop or _stop_on_signals()
    ready = on_ready
    while True:
        start_over = asyncio.Event()
        port = await _run_once(config, clock, cipher, ready, stop, start_over)
        if not start_over.is_set() or stop.is_set():
            return
        ready = None
        # The same address again, even when the first start asked for any free port.
        sandbox_config = config.sandbox.model_copy(update={"port": port})
        config = config.model_copy(update={"sandbox": sandbox_config})
        log.info("starting over: the sandbox's chats and the demo database were erased")


async def _run_once(
    config: Config,
    clock: Clock,
    cipher: ReflectionCipher,
    on_ready: Callable[[str], None] | None,
    stop: asyncio.Event,
    start_over: asyncio.Event,
) -> int:
    """Run once, until ``stop`` or ``start_over``; returns the sandbox's port."""
    engine = create_engine(config.database.url)
    await open_database(engine)
    sessionmaker = create_sessionmaker(engine)
    sandbox: SandboxServer | None = None
    store = StateFile(state_path(config.database.url, Path.cwd()))
    saving: asyncio.Task[None] | None = None
    try:
        # Before anything is written with it: a changed key stops the start here.
        async with sessionmaker() as session, session.begin():
            key = await keep_key_canary(session, cipher, clock.now())
        if not key.passed:
            raise StartupProblem(key.line())
        if config.sandbox_mode:
            saved = await _saved_state(store, sessionmaker)
            # The sandbox's clock can be moved forward ("advance to the next prompt"); its
            # messages are dated by it, as the bot sees them.
            moved = OffsetClock(clock, await _clock_offset(sessionmaker, saved))
            await _keep_clock(sessionmaker, moved)
            sandbox = SandboxServer(
                token=SANDBOX_TOKEN,
                host=config.sandbox.host,
                port=config.sandbox.port,
                bot_username=SANDBOX_BOT_USERNAME,
                state=SandboxState(clock=lambda: moved.now().timestamp()),
            )
            if saved is not None:
                sandbox.load(saved["sandbox"])
            sandbox.set_clock(moved.now, DEMO_TIMEZONE)
            clock = moved
            # Seated before the page is served: a page loaded at once (after "Start over")
            # finds the three chats, not an empty page while the demo history is made.
            seats = await _seat_demo_people(sandbox, sessionmaker, clock, cipher)
            await sandbox.start()
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
            _add_start_over(sandbox, start_over)
            saving = asyncio.create_task(store.keep(partial(_snapshot, sandbox)))
        webhook = (
            WebhookSettings.from_config(config.telegram)
            if config.telegram.mode == "webhook"
            else None
        )
        async with (
            _telegram_problems_explained(base_url),
            serving(application, webhook=webhook),
        ):
            if on_ready is not None:
                on_ready(sandbox.url if sandbox else _where(config))
            await _first(stop, start_over, application.bot_data.stopped)
        if application.bot_data.stopped.is_set():
            raise StartupProblem(application.bot_data.stopped_because)
    finally:
        if saving is not None:
            saving.cancel()
        if sandbox is not None:
            await sandbox.stop()
            _save(store, sandbox)
        if start_over.is_set():
            await erase_database(engine)
            store.delete()
        await engine.dispose()
    return sandbox.port if sandbox is not None else config.sandbox.port


def _where(config: Config) -> str:
    """What `on_ready` is told with a token: "telegram" (polling), or the webhook's URL."""
    url = config.telegram.webhook_url
    return f"webhook {url}" if config.telegram.mode == "webhook" and url else "telegram"


async def _saved_state(
    store: StateFile, sessionmaker: async_sessionmaker[AsyncSession]
) -> dict[str, Any] | None:
    """The chats as they were when the sandbox stopped, and how far its clock had moved.

    A state file beside a database without the demo programme (``frizon.db`` deleted,
    the state file left) describes chats that no longer exist: it is not used."""
    saved = store.read()
    if saved is not None and not await demo_exists(sessionmaker):
        log.info("the database is new; the sandbox's stored chats are not used")
        store.delete()
        return None
    return saved


async def _clock_offset(
    sessionmaker: async_sessionmaker[AsyncSession], saved: dict[str, Any] | None
) -> timedelta:
    """How far the sandbox's clock had moved: as its database keeps it (where the command
    line reads it too), else as a state file from before the database kept it says."""
    async with sessionmaker() as session:
        offset = await stored_offset(session)
    if offset is None and saved is not None:
        offset = timedelta(seconds=float(saved.get("clock_offset_seconds", 0.0)))
    return max(offset or timedelta(0), timedelta(0))


async def _keep_clock(sessionmaker: async_sessionmaker[AsyncSession], clock: OffsetClock) -> None:
    async with sessionmaker() as session, session.begin():
        await store_offset(session, clock.offset, now=SystemClock().now())


def _snapshot(sandbox: SandboxServer) -> dict[str, Any]:
    return {"sandbox": sandbox.dump()}


def _save(store: StateFile, sandbox: SandboxServer) -> None:
    try:
        store.write(_snapshot(sandbox))
    except OSError as error:
        log.warning("could not save the sandbox state to %s: %s", store.path, error)


async def _first(*events: asyncio.Event) -> None:
    """Wait until any of ``events`` is set."""
    waiting = [asyncio.ensure_future(event.wait()) for event in events]
    try:
        await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in waiting:
            task.cancel()


async def _seat_demo_people(
    sandbox: SandboxServer,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: Clock,
    cipher: ReflectionCipher,
) -> list[DemoSeat]:
    """One chat per demo person: the one the sandbox kept from its last run, else new."""
    kept = {(user.first_name, user.last_name): user.id for user in sandbox.state.users}
    seats = []
    for person in DEMO_PEOPLE:
        user_id = kept.get((person.first_name, person.last_name))
        if user_id is None:
            user_id = sandbox.state.add_user(
                person.first_name, last_name=person.last_name, language_code=person.language_code
            ).id
        seats.append((person, user_id))
    demo = await prepare_demo(sessionmaker, now=clock.now(), seats=seats, cipher=cipher)
    sandbox.set_panels([Panel(seat.title, seat.telegram_user_id, seat.suggestion) for seat in demo])
    await _give_the_cohort_accounts(sandbox, sessionmaker)
    return demo


async def _give_the_cohort_accounts(
    sandbox: SandboxServer, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    """The demo cohort are people with Telegram accounts who once pressed Start: what the
    bot sends them arrives (in chats the page does not show), as it would on Telegram,
    instead of failing as "chat not found" in the log of a first start."""
    known = {user.id for user in sandbox.state.users}
    async with sessionmaker() as session:
        people = (
            await session.execute(
                select(Member.telegram_user_id, Member.display_name, Member.language).where(
                    Member.telegram_user_id.in_(COHORT_IDS)
                )
            )
        ).all()
    for telegram_user_id, name, language in people:
        if telegram_user_id not in known:
            sandbox.state.add_user(
                name, language_code=language, started=True, user_id=telegram_user_id
            )


def _add_start_over(sandbox: SandboxServer, start_over: asyncio.Event) -> None:
    async def press() -> str:
        start_over.set()
        return "Starting over: the chats and the demo database are being erased…"

    sandbox.add_control(
        "start-over",
        "Start over",
        press,
        confirm=(
            "Erase every chat and the demo database, and start again with the three "
            "demo people? This cannot be undone."
        ),
        reload=True,
    )


def _add_clock_control(
    sandbox: SandboxServer,
    application: FrizonApplication,
    clock: OffsetClock,
    seats: list[DemoSeat],
) -> None:
    services = application.bot_data.services
    student = next(seat for seat in seats if seat.title == "Student")

    async def moved() -> None:
        # Kept at every step, before what falls due is queued: the command line reads the
        # same day, and a crash mid-advance never leaves the clock behind what was sent.
        await _keep_clock(services.sessionmaker, clock)
        await _dispatch(services)

    time_passes = TimePasses(
        dispatch=moved,
        check=lambda: check_pairs_now(services),
        settle=lambda: outbox_sent(services.sessionmaker, clock, wake=services.wake_sender),
        step=min(ADVANCE_STEP, services.config.schedule.grace / 3),
        cohort=lambda: cohort_lives(services.sessionmaker, now=clock.now(), cipher=services.cipher),
    )

    async def advance() -> str:
        return await advance_to_next_prompt(
            services.sessionmaker,
            clock,
            student_telegram_id=student.telegram_user_id,
            time_passes=time_passes,
        )

    async def week_later() -> str:
        return await advance_a_week(clock, time_passes=time_passes)

    sandbox.add_control("next-prompt", "Advance to the next prompt", advance)
    sandbox.add_control("next-week", "Advance one week", week_later)


async def _dispatch(services: Services) -> None:
    try:
        await dispatch_now(services)
    except IntegrityError:
        # The periodic dispatcher queued the same prompt a moment ago; its row stands.
        log.info("a prompt was queued concurrently; nothing to do")


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
    except HealthUnavailable as problem:  # not Telegram's, but as much a start-up failure
        raise StartupProblem(str(problem)) from None


class StartupProblem(Exception):
    """Something outside frizon stops it from starting (or from running on, as another
    process taking its updates); the message is one line for people."""


async def open_database(engine: AsyncEngine) -> None:
    try:
        applied = await upgrade(engine)
    except (OSError, DBAPIError) as error:
        reason = str(getattr(error, "orig", None) or error).splitlines()[0]
        url = redact_url(engine.url.render_as_string(hide_password=False))
        raise StartupProblem(f"cannot open the database {url}: {reason}") from None
    except SchemaAhead as ahead:
        raise StartupProblem(str(ahead)) from None
    now = f", {applied} applied now" if applied else ""
    log.info("database ready (migrations: %d%s)", migrations_count(), now)


def _cipher(config: Config) -> ReflectionCipher:
    try:
        return reflection_cipher(config)
    except KeyProblem as problem:
        raise StartupProblem(str(problem)) from None
    except OSError as error:  # the sandbox's key file, unreadable
        raise StartupProblem(
            f"cannot read the sandbox key file {error.filename}: {error.strerror or error}"
        ) from None


def _stop_on_signals() -> asyncio.Event:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    return stop
