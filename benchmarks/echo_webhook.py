"""A bare python-telegram-bot echo bot served by webhook, the inbound benchmark's
baseline: each update is queued for PTB's Application and answered 200 at once, as
PTB's own webhook server does (that one needs tornado, which frizon does not install),
and each text is answered with the same text.

    python -m benchmarks.echo_webhook PORT WEBHOOK_URL SECRET

The token and the Bot API server come from FRIZON_TELEGRAM_TOKEN and
FRIZON_TELEGRAM_BASE_URL, as for frizon.
"""

from __future__ import annotations

import asyncio
import hmac
import os
import signal
import sys

from aiohttp import web
from telegram import Update
from telegram.ext import Application, ContextTypes, MessageHandler, filters

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if update.effective_message and update.effective_message.text:
        await update.effective_message.reply_text(update.effective_message.text)


async def serve(port: int, webhook_url: str, secret: str) -> None:
    application = (
        Application.builder()
        .token(os.environ["FRIZON_TELEGRAM_TOKEN"])
        .base_url(os.environ["FRIZON_TELEGRAM_BASE_URL"])
        .updater(None)
        .build()
    )
    application.add_handler(MessageHandler(filters.TEXT, echo))

    async def receive(request: web.Request) -> web.Response:
        if not hmac.compare_digest(request.headers.get(SECRET_HEADER, ""), secret):
            return web.Response(status=403)
        update = Update.de_json(await request.json(), application.bot)
        await application.update_queue.put(update)
        return web.Response()

    server = web.Application()
    server.router.add_post("/telegram", receive)
    runner = web.AppRunner(server, access_log=None)
    stopping = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stopping.set)
    async with application:
        await application.start()
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        await application.bot.set_webhook(webhook_url, secret_token=secret)
        await stopping.wait()
        await runner.cleanup()
        await application.stop()


if __name__ == "__main__":
    asyncio.run(serve(int(sys.argv[1]), sys.argv[2], sys.argv[3]))
