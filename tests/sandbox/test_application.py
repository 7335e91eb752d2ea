"""The real PTB Application, polling the sandbox, handles a command end to end."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CommandHandler, ContextTypes

from bot.sandbox import SandboxServer, SandboxUser

from .conftest import TOKEN


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Greet with the argument, to show the deep-link payload arrived."""
    assert update.effective_message is not None
    await update.effective_message.reply_html(f"<b>Welcome</b>, token {context.args[0]}")


async def test_a_polling_application_replies_to_start(
    sandbox: SandboxServer, alice: SandboxUser
) -> None:
    application = Application.builder().token(TOKEN).base_url(sandbox.bot_api_base_url).build()
    application.add_handler(CommandHandler("start", start))
    async with application:
        await application.start()
        assert application.updater is not None
        await application.updater.start_polling(poll_interval=0)
        sandbox.state.user_sends_text(alice.id, "/start abc")
        reply = await sandbox.state.wait_for_bot_message(alice.id, timeout=5)
        await application.updater.stop()
        await application.stop()
    assert reply["text"] == "Welcome, token abc"
    assert reply["html"] == "<b>Welcome</b>, token abc"
