"""The bot's own settings: who it is (getMe), its command menus, and the menu button."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.sandbox.botapi.table import MethodTable, answer_true
from bot.sandbox.commands import scope_key, validate_commands
from bot.sandbox.errors import bad_request
from bot.sandbox.params import Params

if TYPE_CHECKING:  # for annotations only: routes.py imports this module
    from bot.sandbox.botapi.routes import BotApi

METHODS = MethodTable()


@METHODS.method("getMe")
async def get_me(api: BotApi, params: Params) -> Any:
    return {
        **api.state.bot.to_telegram(),
        "can_join_groups": True,
        "can_read_all_group_messages": False,
        "supports_inline_queries": False,
        "can_connect_to_business": False,
        "has_main_web_app": False,
    }


def _command_scope(api: BotApi, params: Params) -> tuple[str, str]:
    scope = params.get_json("scope")
    if scope is not None and not isinstance(scope, dict):
        raise bad_request("can't parse scope JSON object")
    key = scope_key(scope)
    if key.startswith("chat:"):
        api.state.require_chat(int(key.removeprefix("chat:")))
    return key, params.get_str("language_code", "") or ""


@METHODS.method("setMyCommands")
async def set_my_commands(api: BotApi, params: Params) -> Any:
    commands = validate_commands(params.get_json("commands"))
    api.state.commands.set(*_command_scope(api, params), commands)
    api.state.changed()  # the page shows the new menu
    return True


@METHODS.method("getMyCommands")
async def get_my_commands(api: BotApi, params: Params) -> Any:
    return api.state.commands.get(*_command_scope(api, params))


@METHODS.method("deleteMyCommands")
async def delete_my_commands(api: BotApi, params: Params) -> Any:
    api.state.commands.delete(*_command_scope(api, params))
    api.state.changed()
    return True


METHODS.add("setChatMenuButton", answer_true)
