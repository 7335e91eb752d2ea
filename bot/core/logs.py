"""Logging set-up: readable lines, never the bot token, never what anyone wrote."""

from __future__ import annotations

import logging

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

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


def configure_logging(level: str, *, secrets: list[str]) -> None:
    root = logging.getLogger()
    root.setLevel(level)
    if not root.handlers:
        root.addHandler(logging.StreamHandler())
    redact = RedactSecrets(secrets)
    for handler in root.handlers:
        handler.setFormatter(logging.Formatter(FORMAT))
        handler.addFilter(redact)
    # httpx logs every request URL at INFO, and Bot API URLs contain the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    for name in HELD_AT_INFO:  # never more talkative than the configured level either
        logging.getLogger(name).setLevel(max(logging.INFO, root.level))
