"""`frizon doctor` through the real command: each check's ✓ and its ✗ with the fix, on a
SQLite file, on PostgreSQL and against the sandbox Bot API."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy import text

from bot.core.crypto import new_key
from bot.sandbox import SandboxServer
from db.engine import create_engine
from db.migrate import downgrade, head_revision
from tests.test_cli import Cli

TOKEN = "4242424242:doctor-test-token"
HEAD = head_revision()


def lines(result: subprocess.CompletedProcess[str]) -> list[str]:
    return result.stdout.strip().splitlines()


def doctor_at(tmp_path: Path, database_url: str, **env: str) -> Cli:
    cli = Cli(tmp_path)
    cli.env.update(FRIZON_DATABASE_URL=database_url, **env)
    return cli


async def doctor(cli: Cli) -> subprocess.CompletedProcess[str]:
    # In a thread: a sandbox Bot API answers in this test's event loop meanwhile.
    return await asyncio.to_thread(cli, "doctor", ok=False)


async def test_a_new_sandbox_directory_needs_db_upgrade_then_all_is_well(tmp_path: Path) -> None:
    cli = Cli(tmp_path)

    before = await doctor(cli)
    cli("db", "upgrade")
    after = await doctor(cli)

    assert before.returncode == 1
    assert lines(before)[:3] == [
        "✓ config valid",
        "✗ database sqlite+aiosqlite:///frizon.db: no such file — `frizon db upgrade` creates it",
        "✓ sandbox key file frizon-sandbox.key: not made yet (`frizon run` makes it)",
    ]
    assert after.returncode == 0, after.stdout
    shown = lines(after)
    assert shown[:6] == [
        "✓ config valid",
        "✓ database sqlite+aiosqlite:///frizon.db reachable, "
        f"schema at version {HEAD} (the newest)",
        "✓ sandbox key file frizon-sandbox.key readable",
        "✓ the reflection key opens what this database holds",
        "✓ Bot API: skipped, no token set (the sandbox stands in for Telegram)",
        "✓ webhook: skipped for the sandbox",
    ]
    assert shown[6].startswith("✓ disk space: ")
    assert len(shown) == 7


async def test_a_bad_config_is_the_one_failing_line(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text('[programme]\ntimezone = "Mars/Olympus"\n')

    result = await doctor(Cli(tmp_path))

    assert result.returncode == 1
    assert lines(result) == [
        "✗ config: config key programme.timezone = 'Mars/Olympus': not an IANA time zone "
        "such as Europe/Stockholm — fix it in the config file or the environment"
    ]


async def test_the_database_at_behind_and_ahead_of_the_code(
    database_url: str, tmp_path: Path
) -> None:
    cli = doctor_at(tmp_path, database_url)
    shown = database_url.replace(":frizon@", ":***@")

    at_head = await doctor(cli)
    engine = create_engine(database_url)
    try:
        await downgrade(engine, "0021")
        behind = await doctor(cli)
        async with engine.begin() as connection:
            await connection.execute(text("UPDATE alembic_version SET version_num = '0999'"))
        ahead = await doctor(cli)
    finally:
        await engine.dispose()

    assert f"✓ database {shown} reachable, schema at version {HEAD} (the newest)" in lines(at_head)
    assert behind.returncode == ahead.returncode == 1
    assert (
        f"✗ database {shown}: schema version 0021, this frizon needs {HEAD} — "
        "run `frizon db upgrade`" in lines(behind)
    )
    assert (
        f"✗ database {shown}: schema version 0999 is newer than this frizon knows (up to "
        f"{HEAD}) — run the frizon version that upgraded it, or a newer one" in lines(ahead)
    )


async def test_an_unreachable_database_is_said_without_its_password(tmp_path: Path) -> None:
    url = "postgresql+asyncpg://frizon:s3cret@127.0.0.1:9/frizon"  # the discard port refuses

    result = await doctor(doctor_at(tmp_path, url))

    assert result.returncode == 1
    failing = [line for line in lines(result) if line.startswith("✗")]
    assert len(failing) == 1
    assert failing[0].startswith(
        "✗ cannot reach the database postgresql+asyncpg://frizon:***@127.0.0.1:9/frizon: "
    )
    assert failing[0].endswith(
        " — check database.url (or FRIZON_DATABASE_URL) and that the server is running"
    )
    assert "s3cret" not in result.stdout + result.stderr


async def test_a_changed_key_is_found_by_doctor_and_stops_run_and_db_upgrade(
    database_url: str, tmp_path: Path
) -> None:
    key, other = new_key(), new_key()
    cli = doctor_at(tmp_path, database_url, FRIZON_REFLECTION_KEY=key)
    cli("db", "upgrade")  # stores the canary with the first key

    right = await doctor(cli)
    cli.env["FRIZON_REFLECTION_KEY"] = other
    wrong = await doctor(cli)
    run = cli("run", ok=False)
    upgrade = cli("db", "upgrade", ok=False)

    wrong_key = (
        "✗ the reflection key does not open what this database holds — the key was "
        "changed? Configure the key this database was written with (after "
        "`frizon key rotate`, as an old key); if every such key is lost, so is that text: "
        "`frizon key lost --yes` lets frizon start without it"
    )
    assert right.returncode == 0, right.stdout
    assert "✓ reflection key present" in lines(right)
    assert "✓ the reflection key opens what this database holds" in lines(right)
    assert wrong.returncode == 1
    assert wrong_key in lines(wrong)
    assert run.returncode == 2
    assert run.stderr.strip().splitlines()[-1] == f"frizon: {wrong_key}"  # after the log
    assert "Traceback" not in run.stderr
    assert upgrade.stderr.strip().splitlines() == [
        f"frizon: the database is up to date, but {wrong_key}"
    ]
    for result in (right, wrong, run, upgrade):
        assert key not in result.stdout + result.stderr
        assert other not in result.stdout + result.stderr


async def test_a_token_without_a_reflection_key_fails_the_key_check(
    database_url: str, tmp_path: Path
) -> None:
    cli = doctor_at(tmp_path, database_url, FRIZON_TELEGRAM_TOKEN=TOKEN)
    cli.env["FRIZON_TELEGRAM_BASE_URL"] = "http://127.0.0.1:9/bot"

    result = await doctor(cli)

    assert result.returncode == 1
    assert (
        "✗ a bot token is set but no reflection key — run `frizon key` and set "
        "FRIZON_REFLECTION_KEY (or security.reflection_key)" in lines(result)
    )
    assert "✗ cannot reach the Bot API at http://127.0.0.1:9/bot: " in result.stdout
    assert TOKEN not in result.stdout + result.stderr


async def test_an_unreadable_or_spoilt_sandbox_key_file(tmp_path: Path) -> None:
    cli = Cli(tmp_path)
    cli("db", "upgrade")
    key_file = tmp_path / "frizon-sandbox.key"
    key_file.unlink()
    key_file.mkdir()  # unreadable as a file, even for root

    unreadable = await doctor(cli)
    run = cli("run", ok=False)
    key_file.rmdir()
    key_file.write_text("not a key\n")
    spoilt = await doctor(cli)
    key_file.unlink()
    missing = await doctor(cli)  # the database holds the canary of the lost key

    assert unreadable.returncode == spoilt.returncode == missing.returncode == 1
    assert run.returncode == 2
    assert run.stderr.strip().splitlines() == [
        "frizon: cannot read the sandbox key file frizon-sandbox.key: Is a directory"
    ]
    assert (
        "✗ cannot read the sandbox key file frizon-sandbox.key: Is a directory — make it "
        "readable by the user running frizon (chmod 600, owned by that user)" in lines(unreadable)
    )
    assert (
        "✗ the sandbox key file frizon-sandbox.key holds no usable key: the reflection key "
        "is not URL-safe base64 — put the file back as it was (without it the sandbox's "
        "text cannot be read)" in lines(spoilt)
    )
    assert (
        "✗ the sandbox key file frizon-sandbox.key is missing, but this database holds text "
        "encrypted with it — put the file back (without it that text cannot be read)"
        in lines(missing)
    )
    assert sum(line.startswith("✗") for line in lines(unreadable)) == 1  # no canary line


@pytest.fixture
async def bot_api() -> AsyncIterator[SandboxServer]:
    server = SandboxServer(token=TOKEN, port=0, bot_username="kth_mentor_bot")
    await server.start()
    yield server
    await server.stop()


def with_token(tmp_path: Path, database_url: str, server: SandboxServer, **env: str) -> Cli:
    return doctor_at(
        tmp_path,
        database_url,
        FRIZON_TELEGRAM_TOKEN=TOKEN,
        FRIZON_TELEGRAM_BASE_URL=server.bot_api_base_url,
        FRIZON_REFLECTION_KEY=new_key(),
        **env,
    )


async def call(server: SandboxServer, method: str, **params: Any) -> Any:
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{server.bot_api_base_url}{TOKEN}/{method}", data=params) as answer,
    ):
        return (await answer.json())["result"]


async def test_the_bot_api_accepts_the_token_and_polling_has_no_webhook(
    database_url: str, tmp_path: Path, bot_api: SandboxServer
) -> None:
    cli = with_token(tmp_path, database_url, bot_api)

    result = await doctor(cli)
    await call(bot_api, "setWebhook", url="http://127.0.0.1:9/hook")
    hooked = await doctor(cli)

    assert result.returncode == 0, result.stdout
    assert lines(result)[-4:-1] == [
        f"✓ Bot API at {bot_api.bot_api_base_url} accepted the token: the bot is @kth_mentor_bot",
        "✓ bot_username not set: invite links ask getMe (@kth_mentor_bot)",
        "✓ polling: no webhook set, 0 updates pending",
    ]
    assert hooked.returncode == 1
    assert (
        "✗ a webhook is set (http://127.0.0.1:9/hook) but frizon polls — `frizon run` removes "
        'it when it starts polling; or set [telegram] mode = "webhook"' in lines(hooked)
    )
    assert TOKEN not in result.stdout + hooked.stdout


async def test_a_wrong_token_and_a_wrong_bot_username(
    database_url: str, tmp_path: Path, bot_api: SandboxServer
) -> None:
    wrong_token = with_token(tmp_path, database_url, bot_api)
    wrong_token.env["FRIZON_TELEGRAM_TOKEN"] = "4242424242:not-the-right-secret"
    (tmp_path / "other").mkdir()
    wrong_name = with_token(tmp_path / "other", database_url, bot_api)
    (tmp_path / "other" / "config.toml").write_text('[telegram]\nbot_username = "@other_bot"\n')
    right_name = with_token(tmp_path, database_url, bot_api)
    (tmp_path / "config.toml").write_text('[telegram]\nbot_username = "@KTH_mentor_bot"\n')

    refused = await doctor(wrong_token)
    mismatched = await doctor(wrong_name)
    matched = await doctor(right_name)

    assert refused.returncode == mismatched.returncode == 1
    assert (
        f"✗ the Bot API at {bot_api.bot_api_base_url} refused the bot token — check "
        "FRIZON_TELEGRAM_TOKEN or telegram.token (@BotFather shows the bot's token)"
        in lines(refused)
    )
    assert "not-the-right-secret" not in refused.stdout + refused.stderr
    assert (
        "✗ bot_username is @other_bot but the token is @kth_mentor_bot's — set "
        'telegram.bot_username = "kth_mentor_bot" (invite links would name another bot)'
        in lines(mismatched)
    )
    assert "✓ bot_username @KTH_mentor_bot is the token's bot" in lines(matched)


async def test_the_webhook_as_configured_then_failing_deliveries(
    database_url: str, tmp_path: Path, bot_api: SandboxServer
) -> None:
    url = "http://127.0.0.1:9/hook/telegram"  # nothing listens: deliveries fail
    cli = with_token(
        tmp_path,
        database_url,
        bot_api,
        FRIZON_TELEGRAM_MODE="webhook",
        FRIZON_TELEGRAM_WEBHOOK_URL=url,
        FRIZON_TELEGRAM_SECRET_TOKEN="doctor-webhook-secret",
    )

    unset = await doctor(cli)
    await call(bot_api, "setWebhook", url="http://127.0.0.1:9/elsewhere")
    elsewhere = await doctor(cli)
    await call(bot_api, "setWebhook", url=url)
    set_right = await doctor(cli)
    ana = bot_api.state.add_user("Ana")
    bot_api.state.user_sends_text(ana.id, "/start")
    for _ in range(200):  # the sandbox's first delivery fails, as Telegram's would
        if "last_error_message" in await call(bot_api, "getWebhookInfo"):
            break
        await asyncio.sleep(0.1)
    failing = await doctor(cli)

    assert (
        f"✗ no webhook is set (configured: {url}) — `frizon run` in webhook mode sets it "
        "when it starts" in lines(unset)
    )
    assert (
        f"✗ the webhook is http://127.0.0.1:9/elsewhere, not the configured {url} — "
        "`frizon run` sets the configured one when it starts" in lines(elsewhere)
    )
    assert set_right.returncode == 0, set_right.stdout
    assert f"✓ webhook {url}: 0 updates pending, no delivery error" in lines(set_right)
    assert failing.returncode == 1
    webhook_line = next(line for line in lines(failing) if line.startswith(f"✗ webhook {url}"))
    assert webhook_line.startswith(
        f"✗ webhook {url}: 1 update pending, Telegram's last delivery failed: "
    )
    assert webhook_line.endswith(
        " — is frizon running, and the address reachable from the internet (nginx, TLS)?"
    )
    assert "doctor-webhook-secret" not in failing.stdout


async def test_free_disk_space_is_checked_beside_a_sqlite_file_only(
    database_url: str, tmp_path: Path
) -> None:
    result = await doctor(doctor_at(tmp_path, database_url))

    disk = lines(result)[-1]
    if database_url.startswith("sqlite"):
        assert disk.startswith("✓ disk space: ") and f"in {tmp_path}" in disk
    else:
        assert disk == "✓ disk space: not checked here, the database is on its PostgreSQL server"


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A real 16 MB file system (tmpfs), where this machine lets the tests mount one."""
    mount = tmp_path / "small"
    mount.mkdir()
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a small file system needs root")
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(mount)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    yield mount
    subprocess.run(["umount", str(mount)], check=True)


async def test_a_nearly_full_disk_fails_the_disk_check(tmp_path: Path, small_disk: Path) -> None:
    cli = doctor_at(tmp_path, f"sqlite+aiosqlite:///{small_disk / 'frizon.db'}")
    cli("db", "upgrade")

    result = await doctor(cli)

    assert result.returncode == 1
    disk = lines(result)[-1]
    assert disk.startswith("✗ disk space: 0.0 GB free (")
    assert disk.endswith(f"in {small_disk} — free some space: SQLite stops writing on a full disk")
