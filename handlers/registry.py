"""Which handler takes which update; the order of registration is the order of matching."""

from __future__ import annotations

from telegram import Update
from telegram.ext import (
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from handlers import (
    checkins,
    data_rights,
    endings,
    exports,
    fallback,
    history,
    info,
    matching,
    meetings,
    messages,
    pairing,
    preferences,
    presence,
    relay,
    start,
    stats,
    support,
    unpairing,
)
from handlers.context import FrizonApplication
from handlers.errors import on_error

# New messages only: an edit is not a new command, nor new words for an entry.
PRIVATE = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
EDITS = filters.ChatType.PRIVATE & filters.UpdateType.EDITED_MESSAGE


def register_handlers(application: FrizonApplication) -> None:
    # Group -1 runs first for every update; the groups after it pick one handler each.
    application.add_handler(TypeHandler(Update, presence.on_any_update), group=-1)
    application.add_handler(
        ChatMemberHandler(presence.on_my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER)
    )
    application.add_handler(CommandHandler("start", start.start, filters=PRIVATE))
    application.add_handler(CommandHandler("help", info.show_help, filters=PRIVATE))
    application.add_handler(CommandHandler("privacy", info.show_privacy, filters=PRIVATE))
    application.add_handler(CommandHandler("timezone", preferences.timezone, filters=PRIVATE))
    application.add_handler(CommandHandler("quiet", preferences.quiet, filters=PRIVATE))
    application.add_handler(CommandHandler("pause", preferences.pause, filters=PRIVATE))
    application.add_handler(CommandHandler("resume", preferences.resume, filters=PRIVATE))
    application.add_handler(CommandHandler("checkin", checkins.start, filters=PRIVATE))
    application.add_handler(CommandHandler("history", history.show_history, filters=PRIVATE))
    application.add_handler(CommandHandler("mentor", relay.write_to_mentor, filters=PRIVATE))
    application.add_handler(CommandHandler("mentee", relay.write_to_mentee, filters=PRIVATE))
    application.add_handler(CommandHandler("done", relay.done, filters=PRIVATE))
    application.add_handler(CommandHandler("met", meetings.log_meeting, filters=PRIVATE))
    application.add_handler(CommandHandler("endpair", endings.start_ending, filters=PRIVATE))
    application.add_handler(CommandHandler("meetings", meetings.show_meetings, filters=PRIVATE))
    application.add_handler(CommandHandler("support", support.show_support, filters=PRIVATE))
    application.add_handler(CommandHandler("pair", pairing.start_pairing, filters=PRIVATE))
    application.add_handler(CommandHandler("unpair", unpairing.start_unpairing, filters=PRIVATE))
    application.add_handler(CommandHandler("stats", stats.show_stats, filters=PRIVATE))
    application.add_handler(CommandHandler("match", matching.start_matching, filters=PRIVATE))
    application.add_handler(CommandHandler("export", exports.start_export, filters=PRIVATE))
    application.add_handler(CommandHandler("mydata", data_rights.send_my_data, filters=PRIVATE))
    application.add_handler(CommandHandler("forget", data_rights.ask_to_forget, filters=PRIVATE))
    application.add_handler(CommandHandler("consent", data_rights.show_consent, filters=PRIVATE))
    application.add_handler(CallbackQueryHandler(pairing.on_button, pattern=pairing.PATTERN))
    application.add_handler(CallbackQueryHandler(unpairing.on_button, pattern=unpairing.PATTERN))
    application.add_handler(CallbackQueryHandler(stats.on_button, pattern=stats.PATTERN))
    application.add_handler(CallbackQueryHandler(matching.on_button, pattern=matching.PATTERN))
    application.add_handler(CallbackQueryHandler(exports.on_button, pattern=exports.PATTERN))
    application.add_handler(CallbackQueryHandler(checkins.on_button, pattern=checkins.PATTERN))
    application.add_handler(CallbackQueryHandler(history.on_button, pattern=history.PATTERN))
    application.add_handler(CallbackQueryHandler(relay.on_button, pattern=relay.PATTERN))
    application.add_handler(CallbackQueryHandler(meetings.on_button, pattern=meetings.PATTERN))
    application.add_handler(CallbackQueryHandler(endings.on_button, pattern=endings.PATTERN))
    application.add_handler(
        CallbackQueryHandler(data_rights.on_button, pattern=data_rights.PATTERN)
    )
    application.add_handler(CallbackQueryHandler(fallback.stale_button))
    application.add_handler(MessageHandler(EDITS, fallback.edited))
    application.add_handler(MessageHandler(PRIVATE & filters.COMMAND, fallback.unknown_command))
    # Not a command: one router decides whose it is (partner, roster, check-in, menu…).
    application.add_handler(MessageHandler(PRIVATE & ~filters.COMMAND, messages.on_message))
    application.add_error_handler(on_error)
