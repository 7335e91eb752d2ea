"""The sandbox's Bot API: the routes (``routes.py``) and its methods, one module per area."""

from bot.sandbox.botapi.routes import BotApi

__all__ = ["BotApi"]
