"""Which handler takes which update; the order of registration is the order of matching."""

from __future__ import annotations

from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from handlers import fallback, info, pairing, preferences, start, unpairing
from handlers.context import FrizonApplication
from handlers.errors import on_error

PRIVATE = filters.ChatType.PRIVATE


def register_handlers(application: FrizonApplication) -> None:
    application.add_handler(CommandHandler("start", start.start, filters=PRIVATE))
    application.add_handler(CommandHandler("help", info.show_help, filters=PRIVATE))
    application.add_handler(CommandHandler("privacy", info.show_privacy, filters=PRIVATE))
    application.add_handler(CommandHandler("timezone", preferences.timezone, filters=PRIVATE))
    application.add_handler(CommandHandler("quiet", preferences.quiet, filters=PRIVATE))
    application.add_handler(CommandHandler("pause", preferences.pause, filters=PRIVATE))
    application.add_handler(CommandHandler("resume", preferences.resume, filters=PRIVATE))
    application.add_handler(CommandHandler("pair", pairing.start_pairing, filters=PRIVATE))
    application.add_handler(CommandHandler("unpair", unpairing.start_unpairing, filters=PRIVATE))
    application.add_handler(CallbackQueryHandler(pairing.on_button, pattern=pairing.PATTERN))
    application.add_handler(CallbackQueryHandler(unpairing.on_button, pattern=unpairing.PATTERN))
    application.add_handler(CallbackQueryHandler(fallback.stale_button))
    application.add_handler(MessageHandler(PRIVATE & filters.COMMAND, fallback.unknown_command))
    application.add_handler(MessageHandler(PRIVATE & ~filters.COMMAND, fallback.other_message))
    application.add_error_handler(on_error)
