"""A Bot API method as the sandbox serves it, and a table of them by name."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from bot.sandbox.params import Params

if TYPE_CHECKING:  # for annotations only: routes.py imports this module
    from bot.sandbox.botapi.routes import BotApi

Method = Callable[["BotApi", Params], Awaitable[Any]]


class MethodTable:
    """Methods by name, each registered beside its code with ``@METHODS.method("getMe")``.

    Telegram matches method names case-insensitively, so the table does too.
    """

    def __init__(self) -> None:
        self._methods: dict[str, Method] = {}

    def method(self, name: str) -> Callable[[Method], Method]:
        def register(handler: Method) -> Method:
            self.add(name, handler)
            return handler

        return register

    def add(self, name: str, handler: Method) -> None:
        if name.lower() in self._methods:
            raise ValueError(f"the Bot API method {name} is served twice")
        self._methods[name.lower()] = handler

    def get(self, name: str) -> Method | None:
        return self._methods.get(name.lower())

    @classmethod
    def joined(cls, *tables: MethodTable) -> MethodTable:
        """Every method of ``tables`` in one table; a name in two of them fails here."""
        joined = cls()
        for table in tables:
            for name, handler in table._methods.items():
                joined.add(name, handler)
        return joined


async def answer_true(api: BotApi, params: Params) -> Any:
    """Methods with nothing to simulate; Telegram answers ``true``."""
    return True
