"""Configuration: read once from TOML and the environment into frozen, validated objects."""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from datetime import time, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)

from bot.core.durations import parse_duration

DEFAULT_CONFIG_FILE = "config.toml"
TELEGRAM_API_URL = "https://api.telegram.org/bot"
SANDBOX_TOKEN = "1000000001:frizon-sandbox"
SANDBOX_BOT_USERNAME = "frizon_sandbox_bot"


class ConfigError(Exception):
    """A configuration problem, phrased as one line that names the key and the value."""


def _check_timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValueError("not an IANA time zone such as Europe/Stockholm") from error
    return value


def _check_http_url(value: str) -> str:
    if not value.startswith(("http://", "https://")):
        raise ValueError("must be an http:// or https:// URL")
    return value


def _check_database_url(value: str) -> str:
    if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
        raise ValueError("must start with sqlite+aiosqlite:// or postgresql+asyncpg://")
    return value


TimeZoneName = Annotated[str, AfterValidator(_check_timezone)]


class _Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


_SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")  # what Telegram's setWebhook accepts


def _check_secret_token(value: SecretStr | None) -> SecretStr | None:
    if value is not None and not _SECRET_TOKEN.fullmatch(value.get_secret_value()):
        raise ValueError("must be 1-256 characters of A-Z, a-z, 0-9, _ and -")
    return value


class TelegramConfig(_Section):
    token: SecretStr | None = None
    base_url: Annotated[str, AfterValidator(_check_http_url)] = TELEGRAM_API_URL
    bot_username: str | None = None
    # "polling" (one machine) or "webhook" (Telegram posts updates to webhook_url).
    mode: Literal["polling", "webhook"] = "polling"
    webhook_url: Annotated[str, AfterValidator(_check_http_url)] | None = None
    listen: str = "127.0.0.1"
    port: int = Field(default=8443, ge=0, le=65535)
    secret_token: Annotated[SecretStr | None, AfterValidator(_check_secret_token)] = None
    max_connections: int = Field(default=40, ge=1, le=100)

    @field_validator("token", "secret_token", mode="before")
    @classmethod
    def _empty_secret_is_none(cls, value: Any) -> Any:
        return None if value in ("", None) else value

    @model_validator(mode="after")
    def _webhook_has_what_it_needs(self) -> TelegramConfig:
        # In the sandbox (no token) the webhook's address and secret are made up locally.
        if self.mode == "webhook" and self.token is not None:
            if self.webhook_url is None:
                raise ValueError("webhook mode needs telegram.webhook_url")
            if self.secret_token is None:
                raise ValueError(
                    "webhook mode needs telegram.secret_token (or FRIZON_TELEGRAM_SECRET_TOKEN)"
                )
        return self


class DatabaseConfig(_Section):
    url: Annotated[str, AfterValidator(_check_database_url)] = "sqlite+aiosqlite:///frizon.db"


class SandboxConfig(_Section):
    host: str = "127.0.0.1"
    port: int = Field(default=8765, ge=0, le=65535)


class InvitesConfig(_Section):
    expires: timedelta = timedelta(days=30)

    @field_validator("expires", mode="before")
    @classmethod
    def _parse_expires(cls, value: Any) -> Any:
        return parse_duration(value) if isinstance(value, str) else value


class ProgrammeDefaultsConfig(_Section):
    timezone: TimeZoneName = "Europe/Stockholm"
    mentor_capacity: int = Field(default=3, ge=1, le=50)


class ScheduleConfig(_Section):
    grace: timedelta = timedelta(hours=6)

    @field_validator("grace", mode="before")
    @classmethod
    def _parse_grace(cls, value: Any) -> Any:
        return parse_duration(value) if isinstance(value, str) else value


class SupportConfig(_Section):
    # What "I need help" (/support) shows at once, per locale: the programme's own support
    # services and crisis lines. Nobody is told that it was opened; only an anonymous count
    # is kept. `text` is for students; `mentor_text` for mentors and coordinators, who are
    # staff: a student health service is not theirs to call. Unset, the templates
    # support/default_student and support/default_staff speak for them.
    text: dict[str, str] = Field(default_factory=dict)
    mentor_text: dict[str, str] = Field(default_factory=dict)

    def for_audience(self, audience: str, locale: str) -> str | None:
        """The programme's resources for "student" or staff ("mentor", "coordinator") in a
        locale (else in English); ``None`` when the programme set none."""
        resources = self.text if audience == "student" else self.mentor_text
        return resources.get(locale) or resources.get("en")


class DigestConfig(_Section):
    # When each mentor's weekly digest goes out, in the mentor's own time zone.
    weekday: Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"] = "mon"
    at: time = time(8, 0)


class RelayConfig(_Section):
    # A conversation through the bot ends after this long without a message either way.
    idle: timedelta = timedelta(minutes=30)

    @field_validator("idle", mode="before")
    @classmethod
    def _parse_idle(cls, value: Any) -> Any:
        return parse_duration(value) if isinstance(value, str) else value


class SendingConfig(_Section):
    # Messages a second for all the bot sends, replies first (bot/transport/send_budget.py).
    rate: float = Field(default=25.0, gt=0, le=30)
    per_chat: float = Field(default=1.0, gt=0, le=1)  # messages a second to one chat
    concurrency: int = Field(default=8, ge=1, le=64)  # requests in flight at once


class SecurityConfig(_Section):
    reflection_key: SecretStr | None = None
    # Keys replaced by a rotation, kept for reading until what they wrote is re-encrypted
    # (`frizon doctor` says when one can go).
    old_reflection_keys: list[SecretStr] = Field(default_factory=list)
    # The leader re-encrypts what old keys wrote this many check-ins to a committed batch,
    # resting this many seconds between batches so the bot's own work goes first.
    reencrypt_batch: int = Field(default=200, ge=1, le=10_000)
    reencrypt_pause: float = Field(default=0.5, ge=0, le=60)

    @field_validator("reflection_key", mode="before")
    @classmethod
    def _empty_key_is_none(cls, value: Any) -> Any:
        return None if value in ("", None) else value

    @field_validator("old_reflection_keys", mode="before")
    @classmethod
    def _comma_separated(cls, value: Any) -> Any:
        # FRIZON_REFLECTION_OLD_KEYS holds them comma-separated (base64url has no comma).
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    def old_keys(self) -> list[str]:
        return [key.get_secret_value() for key in self.old_reflection_keys]


class PromptsConfig(_Section):
    folder: Path | None = None


class PrivacyConfig(_Section):
    min_group_size: int = Field(default=5, ge=1)


class LoggingConfig(_Section):
    level: str = "INFO"
    # "text": readable lines; "json": one JSON object a line, for a log collector.
    format: Literal["text", "json"] = "text"

    @field_validator("level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        if value.upper() not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ValueError("must be DEBUG, INFO, WARNING or ERROR")
        return value.upper()


class HealthConfig(_Section):
    # /healthz, /readyz and /metrics, for systemd, a load balancer or Prometheus. Off
    # unless enabled: instances on one machine each need a port of their own.
    enabled: bool = False
    listen: str = "127.0.0.1"
    port: int = Field(default=9810, ge=0, le=65535)
    # /readyz wants an answer from the Bot API at most this long ago (it asks getMe when
    # nothing else has asked anything for that long).
    bot_api_within: timedelta = timedelta(minutes=1)

    @field_validator("bot_api_within", mode="before")
    @classmethod
    def _parse_within(cls, value: Any) -> Any:
        return parse_duration(value) if isinstance(value, str) else value


class Config(_Section):
    telegram: TelegramConfig = TelegramConfig()
    database: DatabaseConfig = DatabaseConfig()
    sandbox: SandboxConfig = SandboxConfig()
    invites: InvitesConfig = InvitesConfig()
    programme: ProgrammeDefaultsConfig = ProgrammeDefaultsConfig()
    prompts: PromptsConfig = PromptsConfig()
    schedule: ScheduleConfig = ScheduleConfig()
    sending: SendingConfig = SendingConfig()
    relay: RelayConfig = RelayConfig()
    support: SupportConfig = SupportConfig()
    digest: DigestConfig = DigestConfig()
    security: SecurityConfig = SecurityConfig()
    privacy: PrivacyConfig = PrivacyConfig()
    logging: LoggingConfig = LoggingConfig()
    health: HealthConfig = HealthConfig()

    @property
    def sandbox_mode(self) -> bool:
        """True when no token is configured: the bot then talks to the local sandbox."""
        return self.telegram.token is None


_ENVIRONMENT_OVERRIDES = {
    "FRIZON_TELEGRAM_TOKEN": ("telegram", "token"),
    "FRIZON_TELEGRAM_BASE_URL": ("telegram", "base_url"),
    "FRIZON_TELEGRAM_MODE": ("telegram", "mode"),
    "FRIZON_TELEGRAM_WEBHOOK_URL": ("telegram", "webhook_url"),
    "FRIZON_TELEGRAM_SECRET_TOKEN": ("telegram", "secret_token"),
    # Several instances on one machine each listen on their own address behind the proxy.
    "FRIZON_TELEGRAM_LISTEN": ("telegram", "listen"),
    "FRIZON_TELEGRAM_PORT": ("telegram", "port"),
    "FRIZON_HEALTH_ENABLED": ("health", "enabled"),
    "FRIZON_HEALTH_LISTEN": ("health", "listen"),
    "FRIZON_HEALTH_PORT": ("health", "port"),
    "FRIZON_DATABASE_URL": ("database", "url"),
    "FRIZON_REFLECTION_KEY": ("security", "reflection_key"),
    "FRIZON_REFLECTION_OLD_KEYS": ("security", "old_reflection_keys"),
}


def load_config(path: Path | None = None, environ: Mapping[str, str] | None = None) -> Config:
    """Read the config file (if any) and apply environment overrides; raise ConfigError."""
    environ = os.environ if environ is None else environ
    raw = _read_file(path, environ)
    for variable, (section, key) in _ENVIRONMENT_OVERRIDES.items():
        if variable in environ:
            raw.setdefault(section, {})[key] = environ[variable]
    try:
        return Config.model_validate(raw)
    except ValidationError as error:
        raise ConfigError(_describe(error)) from None


def in_webhook_mode(config: Config) -> Config:
    """The config with updates by webhook (`frizon run --webhook`), checked again."""
    telegram = config.telegram.model_dump() | {"mode": "webhook"}
    try:
        return config.model_copy(update={"telegram": TelegramConfig.model_validate(telegram)})
    except ValidationError as error:
        raise ConfigError(_describe(error)) from None


def _read_file(path: Path | None, environ: Mapping[str, str]) -> dict[str, Any]:
    explicit = path or (Path(environ["FRIZON_CONFIG"]) if environ.get("FRIZON_CONFIG") else None)
    candidate = explicit or Path(DEFAULT_CONFIG_FILE)
    if not candidate.exists():
        if explicit is not None:
            raise ConfigError(f"config file {candidate} does not exist")
        return {}
    try:
        with candidate.open("rb") as file:
            return tomllib.load(file)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"config file {candidate} is not valid TOML: {error}") from None


def _describe(error: ValidationError) -> str:
    """Turn pydantic's report into one line: the key, the value and what is wrong."""
    first = error.errors()[0]
    key = ".".join(str(part) for part in first["loc"])
    reason = str(first["msg"]).removeprefix("Value error, ")
    if first["type"] == "extra_forbidden":
        return f"config key {key} is not known"
    value = first.get("input")
    if isinstance(value, dict):  # a rule about a whole section: its reason names the keys
        return f"config section {key}: {reason}"
    shown = repr(_without_secrets(key, value))
    return f"config key {key} = {shown}: {reason}"


def _without_secrets(key: str, value: Any) -> Any:
    """The value as it may be shown: no token, and database URLs without their password."""
    if key in ("telegram.token", "telegram.secret_token", "security.reflection_key"):
        return "***"
    if key.startswith("security.old_reflection_keys"):
        return "***"
    if key == "database.url" and isinstance(value, str):
        return redact_url(value)
    return value


def redact_url(url: str) -> str:
    """A database URL with the password replaced by ***, for messages and logs."""
    return re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", url)
