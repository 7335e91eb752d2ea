"""Configuration: defaults, the example file, environment overrides, one-line errors."""

from datetime import timedelta
from pathlib import Path

import pytest

from bot.core.config import Config, ConfigError, HealthConfig, in_webhook_mode, load_config
from bot.core.crypto import new_key

ROOT = Path(__file__).parent.parent


def test_the_example_file_loads_and_equals_the_defaults() -> None:
    assert load_config(ROOT / "config.example.toml", environ={}) == Config()


def test_without_a_file_or_token_the_sandbox_is_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    config = load_config(environ={})
    assert config.sandbox_mode
    assert config.database.url == "sqlite+aiosqlite:///frizon.db"


def test_environment_variables_override_the_file(tmp_path: Path) -> None:
    path = tmp_path / "frizon.toml"
    path.write_text('[database]\nurl = "sqlite+aiosqlite:///file.db"\n')
    config = load_config(
        environ={
            "FRIZON_CONFIG": str(path),
            "FRIZON_TELEGRAM_TOKEN": "123:abc",
            "FRIZON_TELEGRAM_BASE_URL": "http://127.0.0.1:8081/bot",
            "FRIZON_DATABASE_URL": "postgresql+asyncpg://u:p@h/db",
        }
    )
    assert config.telegram.token is not None
    assert config.telegram.token.get_secret_value() == "123:abc"
    assert config.telegram.base_url == "http://127.0.0.1:8081/bot"
    assert config.database.url == "postgresql+asyncpg://u:p@h/db"
    assert not config.sandbox_mode


def test_config_is_frozen() -> None:
    config = Config()
    with pytest.raises(ValueError, match="frozen"):
        config.privacy.min_group_size = 1  # type: ignore[misc]


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        (
            '[programme]\ntimezone = "Mars/Base"',
            "config key programme.timezone = 'Mars/Base': not an IANA time zone",
        ),
        ("[sandbox]\nport = 70000", "config key sandbox.port = 70000: "),
        ('[database]\nurl = "mysql://x"', "config key database.url = 'mysql://x': must start with"),
        (
            '[invites]\nexpires = "soon"',
            "config key invites.expires = 'soon': 'soon' is not a duration",
        ),
        ('[logging]\nlevel = "LOUD"', "config key logging.level = 'LOUD': must be DEBUG"),
        (
            '[logging]\nformat = "xml"',
            "config key logging.format = 'xml': Input should be 'text' or 'json'",
        ),
        (
            '[telegram]\nbase_url = "ftp://x"',
            "config key telegram.base_url = 'ftp://x': must be an http",
        ),
        ("[privacy]\nmin_group_size = 0", "config key privacy.min_group_size = 0: "),
        (
            '[health]\nbot_api_within = "now"',
            "config key health.bot_api_within = 'now': 'now' is not a duration",
        ),
        ("[telegarm]\ntoken = 'x'", "config key telegarm is not known"),
        ("[telegram\n", "is not valid TOML"),
    ],
)
def test_a_bad_value_is_named_in_one_line(tmp_path: Path, toml: str, message: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(toml)
    with pytest.raises(ConfigError) as error:
        load_config(path, environ={})
    assert message in str(error.value)
    assert "\n" not in str(error.value)


def test_a_missing_explicit_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "nope.toml", environ={})


def test_the_token_is_never_shown_in_an_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text("[telegram]\ntoken = 12345\n")
    with pytest.raises(ConfigError) as error:
        load_config(path, environ={})
    assert "12345" not in str(error.value)


def test_a_bad_database_url_is_shown_without_its_password(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text('[database]\nurl = "postgresql://frizon:s3cret@db/frizon"\n')
    with pytest.raises(ConfigError) as error:
        load_config(path, environ={})
    assert "s3cret" not in str(error.value)
    assert "postgresql://frizon:***@db/frizon" in str(error.value)


WEBHOOK_SECRET = "hook-secret_0123456789"


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        (
            {"FRIZON_TELEGRAM_MODE": "webhook"},
            "config section telegram: webhook mode needs telegram.webhook_url",
        ),
        (
            {"FRIZON_TELEGRAM_MODE": "webhook", "FRIZON_TELEGRAM_WEBHOOK_URL": "https://b.org/t"},
            "config section telegram: webhook mode needs telegram.secret_token"
            " (or FRIZON_TELEGRAM_SECRET_TOKEN)",
        ),
        (
            {"FRIZON_TELEGRAM_SECRET_TOKEN": "has spaces and !"},
            "config key telegram.secret_token = '***': must be 1-256 characters of A-Z, a-z,"
            " 0-9, _ and -",
        ),
        (
            {"FRIZON_TELEGRAM_MODE": "hook"},
            "config key telegram.mode = 'hook': Input should be 'polling' or 'webhook'",
        ),
    ],
)
def test_webhook_mode_names_what_it_is_missing_and_never_a_secret(
    environ: dict[str, str], message: str
) -> None:
    with pytest.raises(ConfigError) as error:
        load_config(None, environ={"FRIZON_TELEGRAM_TOKEN": "12345:secret-token", **environ})
    assert str(error.value) == message
    assert "secret-token" not in str(error.value)


def test_webhook_mode_from_the_environment_and_from_the_run_option() -> None:
    environ = {
        "FRIZON_TELEGRAM_TOKEN": "12345:secret-token",
        "FRIZON_TELEGRAM_WEBHOOK_URL": "https://bot.example.org/telegram",
        "FRIZON_TELEGRAM_SECRET_TOKEN": WEBHOOK_SECRET,
    }
    polling = load_config(None, environ=environ)
    hooked = load_config(None, environ={**environ, "FRIZON_TELEGRAM_MODE": "webhook"})

    assert polling.telegram.mode == "polling"
    assert in_webhook_mode(polling) == hooked
    assert hooked.telegram.secret_token is not None
    assert hooked.telegram.secret_token.get_secret_value() == WEBHOOK_SECRET
    with pytest.raises(ConfigError, match=r"needs telegram\.webhook_url"):
        in_webhook_mode(load_config(None, environ={"FRIZON_TELEGRAM_TOKEN": "12345:x"}))


def test_each_instance_listens_where_its_environment_says() -> None:
    environ = {"FRIZON_TELEGRAM_LISTEN": "0.0.0.0", "FRIZON_TELEGRAM_PORT": "8444"}
    telegram = load_config(None, environ=environ).telegram

    assert (telegram.listen, telegram.port) == ("0.0.0.0", 8444)
    with pytest.raises(ConfigError, match=r"telegram\.port = '70000'"):
        load_config(None, environ={"FRIZON_TELEGRAM_PORT": "70000"})


def test_json_log_lines_are_chosen_in_the_logging_section(tmp_path: Path) -> None:
    path = tmp_path / "frizon.toml"
    path.write_text('[logging]\nformat = "json"\n')
    assert load_config(path, environ={}).logging.format == "json"
    assert Config().logging.format == "text"


def test_old_reflection_keys_come_comma_separated_from_the_environment() -> None:
    old, older = new_key(), new_key()

    config = load_config(environ={"FRIZON_REFLECTION_OLD_KEYS": f"{old}, {older},"})

    assert config.security.old_keys() == [old, older]
    assert load_config(environ={}).security.old_keys() == []


def test_an_old_key_is_never_shown_in_an_error(tmp_path: Path) -> None:
    (tmp_path / "c.toml").write_text('[security]\nold_reflection_keys = ["ok", 5]\n')
    with pytest.raises(ConfigError) as error:
        load_config(tmp_path / "c.toml", environ={})
    assert str(error.value).startswith("config key security.old_reflection_keys.1 = '***'")


def test_health_is_off_on_loopback_unless_the_environment_says_otherwise() -> None:
    assert load_config(None, environ={}).health == HealthConfig(
        enabled=False, listen="127.0.0.1", port=9810, bot_api_within=timedelta(minutes=1)
    )
    environ = {
        "FRIZON_HEALTH_ENABLED": "true",
        "FRIZON_HEALTH_LISTEN": "10.0.0.5",
        "FRIZON_HEALTH_PORT": "9102",
    }
    health = load_config(None, environ=environ).health

    assert (health.enabled, health.listen, health.port) == (True, "10.0.0.5", 9102)
    with pytest.raises(ConfigError, match=r"health\.port = '70000'"):
        load_config(None, environ={"FRIZON_HEALTH_PORT": "70000"})
