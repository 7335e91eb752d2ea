"""A local stand-in for Telegram's Bot API plus a web chat page (see DESIGN.md, "Sandbox")."""

from bot.sandbox.limits import Limits
from bot.sandbox.records import SandboxUser
from bot.sandbox.server import SandboxServer
from bot.sandbox.state import SandboxState
from bot.sandbox.web import Panel
from bot.sandbox.webhooks import WebhookTiming

__all__ = ["Limits", "Panel", "SandboxServer", "SandboxState", "SandboxUser", "WebhookTiming"]
