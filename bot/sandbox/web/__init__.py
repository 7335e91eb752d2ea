"""The sandbox's web page: ``page.py`` puts it together from one module per area of its
JSON API (chats, media, controls and the clock, the event stream)."""

from bot.sandbox.web.controls import Control
from bot.sandbox.web.page import SandboxPage
from bot.sandbox.web.panels import Panel

__all__ = ["Control", "Panel", "SandboxPage"]
