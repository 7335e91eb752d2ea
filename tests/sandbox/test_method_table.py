"""The Bot API's methods come from one module per area; the table that joins them."""

from __future__ import annotations

from typing import Any

import pytest

from bot.sandbox.botapi.routes import BotApi
from bot.sandbox.botapi.table import MethodTable
from bot.sandbox.params import Params


async def _served(api: BotApi, params: Params) -> Any:
    return True


def test_a_method_served_by_two_areas_fails_when_the_tables_are_joined() -> None:
    messages, media = MethodTable(), MethodTable()
    messages.add("sendPhoto", _served)
    media.add("SENDPHOTO", _served)  # Telegram's names match whatever their case

    with pytest.raises(ValueError, match=r"(?i)sendphoto"):
        MethodTable.joined(messages, media)


def test_a_method_is_found_by_its_name_in_any_case() -> None:
    table = MethodTable.joined(MethodTable())
    table.add("getMe", _served)

    assert table.get("GETME") is _served
    assert table.get("getWebhookInfo") is None
