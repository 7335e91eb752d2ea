"""setMyCommands storage per scope and language, resolved the way Telegram clients do."""

from __future__ import annotations

import re
from typing import Any

from bot.sandbox.errors import bad_request

_COMMAND = re.compile(r"[a-z0-9_]{1,32}")
_SIMPLE_SCOPES = ("default", "all_private_chats", "all_group_chats", "all_chat_administrators")


def scope_key(scope: dict[str, Any] | None) -> str:
    """A stable key for a BotCommandScope: ``default``, ``all_private_chats``, ``chat:<id>``…"""
    if not scope:
        return "default"
    kind = scope.get("type")
    if kind in _SIMPLE_SCOPES:
        return str(kind)
    if kind in ("chat", "chat_administrators") and "chat_id" in scope:
        return f"{kind}:{scope['chat_id']}"
    if kind == "chat_member" and "chat_id" in scope and "user_id" in scope:
        return f"chat_member:{scope['chat_id']}:{scope['user_id']}"
    raise bad_request("unsupported scope type")


def validate_commands(commands: Any) -> list[dict[str, str]]:
    """Check a BotCommand list with Telegram's limits and error names."""
    if not isinstance(commands, list):
        raise bad_request("commands must be an array")
    if len(commands) > 100:
        raise bad_request("BOT_COMMANDS_TOO_MUCH")
    checked = []
    for command in commands:
        if not isinstance(command, dict):
            raise bad_request("BOT_COMMAND_INVALID")
        name, description = command.get("command"), command.get("description")
        if not isinstance(name, str) or not _COMMAND.fullmatch(name.lower()):
            raise bad_request("BOT_COMMAND_INVALID")
        if not isinstance(description, str) or not 1 <= len(description) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        # Telegram stores command names lowercased.
        checked.append({"command": name.lower(), "description": description})
    return checked


class CommandRegistry:
    """Command lists keyed by (scope key, language code or "")."""

    def __init__(self) -> None:
        self._lists: dict[tuple[str, str], list[dict[str, str]]] = {}

    def set(self, scope: str, language_code: str, commands: list[dict[str, str]]) -> None:
        if commands:
            self._lists[(scope, language_code)] = list(commands)
        else:
            # An empty list is the same as deleting, as on Telegram.
            self._lists.pop((scope, language_code), None)

    def dump(self) -> list[dict[str, Any]]:
        return [
            {"scope": scope, "language_code": language, "commands": commands}
            for (scope, language), commands in self._lists.items()
        ]

    def load(self, data: list[dict[str, Any]]) -> None:
        for entry in data:
            self.set(entry["scope"], entry["language_code"], entry["commands"])

    def get(self, scope: str, language_code: str) -> list[dict[str, str]]:
        """Exactly this scope and language, with no fallback (like getMyCommands)."""
        return list(self._lists.get((scope, language_code), []))

    def delete(self, scope: str, language_code: str) -> None:
        self._lists.pop((scope, language_code), None)

    def for_private_chat(self, chat_id: int, language_code: str) -> list[dict[str, str]]:
        """What a user sees in a private chat: chat scope, then all private chats, then default.

        Within each scope a list for the user's language wins over the
        language-less one.
        """
        for scope in (f"chat:{chat_id}", "all_private_chats", "default"):
            for language in (language_code, ""):
                commands = self._lists.get((scope, language))
                if commands:
                    return list(commands)
        return []
