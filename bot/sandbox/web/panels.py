"""The chats the page shows: the panels the application set, the guests added on the page,
the suggestions already used, and each chat as the page draws it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from aiohttp import web

from bot.sandbox.records import SandboxUser
from bot.sandbox.state import SandboxState
from bot.sandbox.web.json_api import UnknownUser


@dataclass(frozen=True)
class Panel:
    """One chat shown on the page: whose it is, their role, and a first thing to send."""

    title: str
    user_id: int
    suggestion: str | None = None


class PageChats:
    """The page's chats; the application sets the panels, the page adds guests."""

    def __init__(self, state: SandboxState) -> None:
        self.state = state
        self.panels: list[Panel] = []
        self.guests: list[Panel] = []  # chats added on the page ("New chat as")
        self.used: set[tuple[int, str]] = set()  # suggestions sent: (user id, text)

    def dump(self) -> dict[str, Any]:
        """The page's own state: the chats added on it and the suggestions used."""
        return {
            "guests": [asdict(guest) for guest in self.guests],
            "used": sorted([user_id, text] for user_id, text in self.used),
        }

    def load(self, data: dict[str, Any]) -> None:
        self.guests = [Panel(**guest) for guest in data["guests"]]
        self.used = {(int(user_id), str(text)) for user_id, text in data["used"]}

    def set_panels(self, panels: Sequence[Panel]) -> None:
        self.panels = list(panels)

    def all(self) -> list[Panel]:
        """The application's panels, then the guests."""
        return [*self.panels, *self.guests]

    def known(self, user_id: int) -> SandboxUser | None:
        try:
            return self.state.user(user_id)
        except ValueError:
            return None

    def user(self, request: web.Request) -> SandboxUser:
        """The user a route's ``{user_id}`` names; ``UnknownUser`` (a 404) if there is none."""
        raw = request.match_info["user_id"]
        user = self.known(int(raw)) if raw.isdigit() else None
        if user is None:
            raise UnknownUser(f"no sandbox user {raw}")
        return user

    def view(self, user: SandboxUser, messages: list[dict[str, Any]], after: int) -> dict[str, Any]:
        """A chat as the page draws it: new messages, the keyboard, the menu, the block."""
        return {
            "messages": [self._with_file_url(message) for message in messages],
            "last_seq": max((m["seq"] for m in messages), default=after),
            "reply_keyboard": self.state.reply_keyboard(user.id),
            "commands": self.state.commands_for(user.id),
            "blocked": self.state.is_blocked(user.id),
        }

    def _with_file_url(self, message: dict[str, Any]) -> dict[str, Any]:
        """A file with real bytes (a chart, an export) gets a URL the page can show."""
        file_id = message.get("file_id")
        if not file_id or self.state.file_content(file_id) is None:
            return message
        return {**message, "file_url": f"/sandbox/api/files/{file_id}"}
