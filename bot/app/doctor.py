"""`frizon doctor`: each thing frizon needs, checked, one line each with the fix.

The cheap and decisive checks (the database at head, the key canary) also run at the
start of `frizon run`, where a failing one stops the start with the same line. Nothing
here changes anything (the canary is written by `frizon run` and `frizon db upgrade`);
no line carries the token or the key.
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession
from telegram.error import InvalidToken, NetworkError

from bot.core.config import Config, redact_url
from bot.core.crypto import KeyProblem, ReflectionCipher, new_key
from bot.core.keys import SANDBOX_KEY_FILE
from bot.services.key_canary import KeyFit, keep_canary, key_fit
from bot.services.key_rotation import key_census
from bot.transport.client import bot_api
from db.engine import create_engine, one_session
from db.migrate import SchemaAhead, current_revision, head_revision, refuse_unknown

# Below either, a SQLite file's disk is too full: its write-ahead log, a backup beside it
# and the logs all need room, and a full disk stops every write.
MIN_FREE_BYTES = 1_000_000_000
MIN_FREE_SHARE = 0.05


@dataclass(frozen=True)
class Check:
    passed: bool
    text: str
    fix: str = ""

    def line(self) -> str:
        return f"✓ {self.text}" if self.passed else f"✗ {self.text} — {self.fix}"


def passed(text: str) -> Check:
    return Check(True, text)


def failed(text: str, fix: str) -> Check:
    return Check(False, text, fix)


WRONG_KEY = failed(
    "the reflection key does not open what this database holds",
    "the key was changed? Configure the key this database was written with (after "
    "`frizon key rotate`, as an old key); if every such key is lost, so is that text: "
    "`frizon key lost --yes` lets frizon start without it",
)


async def diagnose(
    config: Config, *, sandbox_key_file: Path = SANDBOX_KEY_FILE
) -> AsyncIterator[Check]:
    """Every check after the config's (the caller loaded it), in order."""
    at_head = False
    async for check in database_checks(config):
        at_head = at_head or check.passed
        yield check
    cipher, checks = key_checks(config, sandbox_key_file)
    for check in checks:
        yield check
    key_fits = False
    if at_head and canary_to_check(config, cipher, sandbox_key_file):
        canary = await canary_check(config, cipher, sandbox_key_file)
        key_fits = canary.passed
        yield canary
    if key_fits and cipher is not None:  # a wrong key would count everything as lost
        for check in await rotation_checks(config, cipher):
            yield check
    async for check in bot_api_checks(config):
        yield check
    yield disk_check(config)


async def database_checks(config: Config) -> AsyncIterator[Check]:
    url = config.database.url
    shown = redact_url(url)
    path = sqlite_path(url)
    if path is not None and not path.exists():
        yield failed(f"database {shown}: no such file", "`frizon db upgrade` creates it")
        return
    engine = create_engine(url)
    try:
        found = await current_revision(engine)
    except (OSError, DBAPIError) as error:
        reason = str(getattr(error, "orig", None) or error).splitlines()[0]
        yield failed(
            f"cannot reach the database {shown}: {reason}",
            "check database.url (or FRIZON_DATABASE_URL) and that the server is running",
        )
        return
    finally:
        await engine.dispose()
    head = head_revision()
    try:
        refuse_unknown(found)
    except SchemaAhead as ahead:
        yield failed(
            f"database {shown}: schema version {ahead.found} is newer than this frizon knows "
            f"(up to {head})",
            "run the frizon version that upgraded it, or a newer one",
        )
        return
    if found != head:
        yield failed(
            f"database {shown}: schema version {found or 'none'}, this frizon needs {head}",
            "run `frizon db upgrade`",
        )
        return
    yield passed(f"database {shown} reachable, schema at version {head} (the newest)")


def key_checks(config: Config, key_file: Path) -> tuple[ReflectionCipher | None, list[Check]]:
    """The reflection key, configured or (sandbox) in its file; the cipher when usable."""
    configured = config.security.reflection_key
    if configured is not None:
        try:
            cipher = ReflectionCipher(configured.get_secret_value(), config.security.old_keys())
        except KeyProblem as problem:
            return None, [failed(str(problem), "configure the key as `frizon key` prints one")]
        checks = [passed("reflection key present")]
        if config.sandbox_mode:
            checks.append(passed("sandbox key file not used: security.reflection_key is set"))
        return cipher, checks
    if not config.sandbox_mode:
        return None, [
            failed(
                "a bot token is set but no reflection key",
                "run `frizon key` and set FRIZON_REFLECTION_KEY (or security.reflection_key)",
            )
        ]
    if not key_file.exists():
        return None, [passed(f"sandbox key file {key_file}: not made yet (`frizon run` makes it)")]
    try:
        cipher = ReflectionCipher(key_file.read_text(), config.security.old_keys())
    except OSError as error:
        return None, [
            failed(
                f"cannot read the sandbox key file {key_file}: {error.strerror or error}",
                "make it readable by the user running frizon (chmod 600, owned by that user)",
            )
        ]
    except (KeyProblem, UnicodeDecodeError) as problem:
        return None, [
            failed(
                f"the sandbox key file {key_file} holds no usable key: {problem}",
                "put the file back as it was (without it the sandbox's text cannot be read)",
            )
        ]
    return cipher, [passed(f"sandbox key file {key_file} readable")]


def canary_to_check(config: Config, cipher: ReflectionCipher | None, key_file: Path) -> bool:
    """Without a usable key its own line has failed already, except where the sandbox's
    key file is not made yet: then whether the database needed one is worth a line."""
    if cipher is not None:
        return True
    return config.sandbox_mode and config.security.reflection_key is None and not key_file.exists()


async def canary_check(config: Config, cipher: ReflectionCipher | None, key_file: Path) -> Check:
    """Read-only: does the key open the canary (or the newest reflection)? Without a key
    (the sandbox's file not made yet): is there anything a key was needed for?"""
    async with one_session(config.database.url) as session:
        if cipher is not None:
            return fit_check(await key_fit(session, cipher))
        if await key_fit(session, ReflectionCipher(new_key())) is KeyFit.NOTHING_STORED:
            return passed("key canary: nothing encrypted stored yet")
        return failed(
            f"the sandbox key file {key_file} is missing, but this database holds text "
            "encrypted with it",
            "put the file back (without it that text cannot be read)",
        )


async def rotation_checks(config: Config, cipher: ReflectionCipher) -> list[Check]:
    """Read-only: how many check-ins hold text an old key wrote, or that no key opens.
    Quiet when all is on the current key and no old key is configured."""
    async with one_session(config.database.url) as session:
        census = await key_census(session, cipher)
    checks = []
    if census.unreadable:
        checks.append(
            failed(
                f"reflections no configured key can read: {census.unreadable:,}",
                "their key is lost, and with it their text and voice notes, for good "
                "(unless it is found: add it to FRIZON_REFLECTION_OLD_KEYS); everything "
                "else — statistics, meetings, pairs — goes on",
            )
        )
    if census.old:
        checks.append(
            passed(
                f"reflections on old keys: {census.old:,} (the running bot re-encrypts them "
                "with the current key; keep the old keys until this is 0)"
            )
        )
    elif cipher.has_old_keys:
        checks.append(
            passed(
                "reflections on old keys: 0 — the old keys can be removed "
                "(FRIZON_REFLECTION_OLD_KEYS, security.old_reflection_keys)"
            )
        )
    return checks


async def keep_key_canary(session: AsyncSession, cipher: ReflectionCipher, now: datetime) -> Check:
    """At `frizon run` and `frizon db upgrade`: the key checked, the canary written if new."""
    return fit_check(await keep_canary(session, cipher, now=now))


def fit_check(fit: KeyFit) -> Check:
    if fit is KeyFit.WRONG_KEY:
        return WRONG_KEY
    if fit is KeyFit.NOTHING_STORED:
        return passed("key canary: nothing encrypted stored yet (`frizon run` stores a canary)")
    return passed("the reflection key opens what this database holds")


async def bot_api_checks(config: Config) -> AsyncIterator[Check]:
    telegram = config.telegram
    if telegram.token is None:
        yield passed("Bot API: skipped, no token set (the sandbox stands in for Telegram)")
        yield passed("webhook: skipped for the sandbox")
        return
    base_url = telegram.base_url
    try:
        async with bot_api(telegram.token.get_secret_value(), base_url) as bot:
            username = bot.username
            info = await bot.get_webhook_info()
    except InvalidToken:
        yield failed(
            f"the Bot API at {base_url} refused the bot token",
            "check FRIZON_TELEGRAM_TOKEN or telegram.token (@BotFather shows the bot's token)",
        )
        return
    except NetworkError as error:
        yield failed(
            f"cannot reach the Bot API at {base_url}: {error.message}",
            "check the network, a proxy, or telegram.base_url",
        )
        return
    yield passed(f"Bot API at {base_url} accepted the token: the bot is @{username}")
    configured = (telegram.bot_username or "").lstrip("@")
    if not configured:
        yield passed(f"bot_username not set: invite links ask getMe (@{username})")
    elif configured.lower() == username.lower():
        yield passed(f"bot_username @{configured} is the token's bot")
    else:
        yield failed(
            f"bot_username is @{configured} but the token is @{username}'s",
            f'set telegram.bot_username = "{username}" (invite links would name another bot)',
        )
    yield webhook_check(config, info.url, info.pending_update_count, info.last_error_message)


def webhook_check(config: Config, url: str, pending: int, last_error: str | None) -> Check:
    waiting = f"{pending} update{'' if pending == 1 else 's'} pending"
    if config.telegram.mode == "polling":
        if url:
            return failed(
                f"a webhook is set ({url}) but frizon polls",
                "`frizon run` removes it when it starts polling; "
                'or set [telegram] mode = "webhook"',
            )
        return passed(f"polling: no webhook set, {waiting}")
    configured = config.telegram.webhook_url
    if not url:
        return failed(
            f"no webhook is set (configured: {configured})",
            "`frizon run` in webhook mode sets it when it starts",
        )
    if url != configured:
        return failed(
            f"the webhook is {url}, not the configured {configured}",
            "`frizon run` sets the configured one when it starts",
        )
    if last_error and pending:
        return failed(
            f"webhook {url}: {waiting}, Telegram's last delivery failed: {last_error}",
            "is frizon running, and the address reachable from the internet (nginx, TLS)?",
        )
    error = f", last error: {last_error}" if last_error else ", no delivery error"
    return passed(f"webhook {url}: {waiting}{error}")


def disk_check(config: Config) -> Check:
    path = sqlite_path(config.database.url)
    if path is None:
        return passed("disk space: not checked here, the database is on its PostgreSQL server")
    folder = path.parent if path.parent.exists() else Path.cwd()
    usage = shutil.disk_usage(folder)
    share = usage.free / usage.total
    free = f"disk space: {usage.free / 1e9:.1f} GB free ({share:.0%}) in {folder}"
    if usage.free < MIN_FREE_BYTES or usage.free < MIN_FREE_SHARE * usage.total:
        return failed(free, "free some space: SQLite stops writing on a full disk")
    return passed(free)


def sqlite_path(url: str) -> Path | None:
    """The file a SQLite URL names (None for PostgreSQL or an in-memory database)."""
    parsed = make_url(url)
    if not parsed.drivername.startswith("sqlite") or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database).absolute()
