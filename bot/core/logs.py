"""Logging set-up: readable lines (or JSON lines), never the bot token, never what anyone
wrote, and the update being handled named on each line it caused."""

from __future__ import annotations

import contextvars
import json
import logging
from datetime import UTC, datetime
from typing import Literal

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
LogFormat = Literal["text", "json"]

# The Telegram update_id being handled: set around each update by bot.transport.handling,
# copied by asyncio into every task started meanwhile, read by UpdateContext.
current_update_id: contextvars.ContextVar[int | None] = contextvars.ContextVar(
    "current_update_id", default=None
)

# Libraries whose DEBUG lines carry payloads, held at INFO even when the level is DEBUG,
# so that DEBUG shows frizon's own debug lines and never anyone's words. From the source
# of python-telegram-bot 22 and aiosqlite:
# - telegram.Bot and telegram.ext.ExtBot log every Bot API call with its parameters (the
#   text of every message sent: shared reflections, relayed messages) and its result
#   (getUpdates: every message people send to the bot);
# - telegram.ext.Application logs each whole update it processes or drops, and
#   telegram.ext.Updater a webhook's received data;
# - aiosqlite logs every SQL statement with its parameters (names, Telegram ids, secrets).
# The whole `telegram` namespace is held, so that a logger a later PTB adds is held too.
# SQLAlchemy holds its own loggers at WARNING (statements and parameters are INFO there).
HELD_AT_INFO = ("telegram", "aiosqlite")


class RedactSecrets(logging.Filter):
    """Replace secrets in every record, including arguments and tracebacks.

    httpx and PTB build URLs that contain the token; the library loggers are also
    quietened, but this filter is what guarantees the token never reaches a log.
    """

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self._secrets = [secret for secret in secrets if secret]

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._secrets:
            return True
        message = record.getMessage()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        for secret in self._secrets:
            message = message.replace(secret, "[token]")
            if record.exc_text:
                record.exc_text = record.exc_text.replace(secret, "[token]")
        record.msg, record.args = message, None
        return True


class UpdateContext(logging.Filter):
    """Give every record the update_id being handled where it was logged (None elsewhere)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.update_id = current_update_id.get()
        return True


class JsonLines(logging.Formatter):
    """One JSON object a line: time (UTC), level, logger, message, and update_id and
    exception when there are any. Tracebacks come from exc_text, which RedactSecrets has
    cleaned, never formatted afresh from the exception."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        update_id = getattr(record, "update_id", None)
        if update_id is not None:
            line["update_id"] = update_id
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            line["exception"] = record.exc_text
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return json.dumps(line, ensure_ascii=False)


def configure_logging(level: str, *, secrets: list[str], log_format: LogFormat = "text") -> None:
    root = logging.getLogger()
    root.setLevel(level)
    if not root.handlers:
        root.addHandler(logging.StreamHandler())
    redact, context = RedactSecrets(secrets), UpdateContext()
    formatter = JsonLines() if log_format == "json" else logging.Formatter(FORMAT)
    for handler in root.handlers:
        handler.setFormatter(formatter)
        handler.addFilter(redact)
        handler.addFilter(context)
    # httpx logs every request URL at INFO, and Bot API URLs contain the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    for name in HELD_AT_INFO:  # never more talkative than the configured level either
        logging.getLogger(name).setLevel(max(logging.INFO, root.level))
