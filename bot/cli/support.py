"""What every CLI command shares: the config, a migrated database, and one-line failures."""

from __future__ import annotations

from collections.abc import AsyncIterator, Coroutine
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import typer

from bot.services.errors import Refused

# Like every module here, this one imports the rest of frizon (SQLAlchemy, pydantic)
# inside the functions that use it: `frizon --help` builds every command and must not
# wait for the bot to load.
if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

    from bot.core.config import Config

T = TypeVar("T")

REFUSALS = {
    "unknown_programme": "There is no programme {reference!r}; `frizon programme list` shows them.",
    "programme_exists": "A programme called {name!r} already exists.",
    "bad_programme_name": "A programme name needs 1 to {limit} characters and not only digits.",
    "bad_timezone": "{timezone!r} is not an IANA time zone such as Europe/Stockholm.",
    "bad_invite_count": "--count must be between 1 and {limit}.",
    "name_needs_single_invite": "--name gives one invite a name; use it without --count.",
    "same_person": "A student cannot mentor themselves.",
    "not_a_student": "Member {member_id} is not a student in this programme.",
    "not_a_mentor": "Member {member_id} is not a mentor in this programme.",
    "member_left": "Member {member_id} has left (or was erased); there is nobody to pair.",
    "student_has_mentor": "{student} already has a mentor ({mentor}); unpair them first.",
    "mentor_full": "{mentor} already has {capacity} mentee(s), their capacity.",
    "no_active_pair": "Member {member_id} has no active mentor in this programme.",
    "unknown_member": "There is no member {member_id}; `frizon members PROGRAMME` lists them.",
    "already_erased": "Member {member_id} has already been erased.",
    "ended_before": "{student} and {mentor} were paired before; matching does not pair them again.",
    "no_shared_language": "{student} and {mentor} share no language.",
    "bad_cadence": "{problem}.",
    "unknown_prompt": "There is no student prompt {key!r} in the catalogue.",
    "inverted_period": "A quiet period from {first} to {last} ends before it starts.",
}


def fail(message: str) -> NoReturn:
    typer.secho(message, err=True, fg=typer.colors.RED)
    raise typer.Exit(code=2)


def explain(refusal: Refused) -> str:
    template = REFUSALS.get(refusal.reason, "Refused: {reason}")
    return template.format(reason=refusal.reason, **refusal.details) + " Nothing changed."


def perform(work: Coroutine[Any, Any, T]) -> T:
    """Run a command's async work; a refusal becomes its one-line explanation and exit 2."""
    import asyncio

    try:
        return asyncio.run(work)
    except Refused as refusal:
        fail(explain(refusal))


def config_from(context: typer.Context) -> Config:
    from bot.core.config import ConfigError, load_config

    path: Path | None = context.obj.get("config_path") if context.obj else None
    try:
        return load_config(path)
    except ConfigError as error:
        fail(f"frizon: {error}")


@asynccontextmanager
async def transaction(config: Config) -> AsyncIterator[AsyncSession]:
    """A session in one transaction on a migrated database; a refusal rolls it back."""
    from db.engine import create_engine, create_sessionmaker

    engine = create_engine(config.database.url)
    try:
        await open_database(engine, config)
        async with create_sessionmaker(engine)() as session, session.begin():
            yield session
    finally:
        await engine.dispose()


async def open_database(engine: AsyncEngine, config: Config) -> None:
    """Migrate the database; an unreachable or unusable one stops the command in one line."""
    from sqlalchemy.exc import DBAPIError

    from bot.core.config import redact_url
    from db.migrate import SchemaAhead, upgrade

    try:
        await upgrade(engine)
    except (OSError, DBAPIError) as error:
        reason = str(getattr(error, "orig", None) or error).splitlines()[0]
        fail(f"frizon: cannot open the database {redact_url(config.database.url)}: {reason}")
    except SchemaAhead as ahead:
        fail(f"frizon: {ahead}")


async def command_now(session: AsyncSession, config: Config) -> datetime:
    """The moment a command acts at: real time; on a sandbox's database (no token
    configured), the sandbox's clock, so the terminal and the chat agree on the day. Said
    on stderr when it differs."""
    from bot.core.clock import OffsetClock, SystemClock
    from bot.services.sandbox_clock import stored_offset

    offset = await stored_offset(session) if config.sandbox_mode else None
    if not offset:
        return SystemClock().now()
    now = OffsetClock(SystemClock(), offset).now()
    typer.echo(
        f"Sandbox clock: {now:%Y-%m-%d %H:%M} UTC, "
        f"{_ahead(offset)} ahead of real time (the sandbox's database).",
        err=True,
    )
    return now


def _ahead(offset: timedelta) -> str:
    days, hours = offset.days, offset.seconds // 3600
    if days:
        return f"{days} day{'s' if days != 1 else ''}" + (f" {hours} h" if hours else "")
    return f"{hours} h {offset.seconds // 60 % 60} min"
