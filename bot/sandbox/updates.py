"""The pending-update queue behind getUpdates: ids, confirmation by offset, filters."""

from __future__ import annotations

from typing import Any

from bot.sandbox.errors import ApiError
from bot.sandbox.wakeup import Deadline, Wakeup

# Telegram leaves these out unless a bot asks for them by name.
_NOT_BY_DEFAULT = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
_CONFLICT = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)


class UpdateQueue:
    """Updates wait here until the bot confirms them with a higher ``offset``."""

    def __init__(self, wakeup: Wakeup) -> None:
        self._wakeup = wakeup
        self._pending: list[dict[str, Any]] = []
        self._next_id = 1
        self._allowed: frozenset[str] | None = None  # None: Telegram's default set
        self._generation = 0
        self._conflict = _CONFLICT  # what an ended long poll is told

    @property
    def next_id(self) -> int:
        """The id the next update gets; set it to continue a stored numbering, or to
        start again as Telegram does after a week without updates."""
        return self._next_id

    @next_id.setter
    def next_id(self, value: int) -> None:
        if value < 1:
            raise ValueError("update ids are positive")
        self._next_id = value

    @property
    def pending(self) -> list[dict[str, Any]]:
        """Unconfirmed updates, oldest first."""
        return list(self._pending)

    def put(self, kind: str, payload: dict[str, Any]) -> dict[str, Any] | None:
        """Queue an update of ``kind``; ``None`` when the bot's allowed_updates exclude it."""
        allowed = (
            kind in self._allowed if self._allowed is not None else kind not in _NOT_BY_DEFAULT
        )
        if not allowed:
            return None
        update = {"update_id": self._next_id, kind: payload}
        self._next_id += 1
        self._pending.append(update)
        self._wakeup.notify()
        return update

    def dump(self) -> dict[str, Any]:
        """The numbering and the updates not yet confirmed (the bot may have been down)."""
        allowed = sorted(self._allowed) if self._allowed is not None else None
        return {"next_id": self._next_id, "pending": self._pending, "allowed": allowed}

    def load(self, data: dict[str, Any]) -> None:
        """Continue where ``dump`` left off: never number an update twice."""
        self._next_id = max(self._next_id, int(data["next_id"]))
        self._pending = list(data["pending"])
        allowed = data.get("allowed")
        self._allowed = frozenset(allowed) if allowed is not None else None

    @property
    def closed(self) -> bool:
        return self._wakeup.closed

    async def wait_for_change(self, seconds: float) -> bool:
        """Wait up to ``seconds`` for anything to change (a new update, for a webhook)."""
        return await self._wakeup.wait(seconds)

    def allow(self, allowed_updates: list[str]) -> None:
        """The kinds to queue from now on, as getUpdates and setWebhook take them; an
        empty list means "back to the default", not "nothing"."""
        self._allowed = frozenset(allowed_updates) or None

    def remove(self, update_id: int) -> None:
        """A webhook confirmed this update (its bot answered 2xx)."""
        self._pending = [u for u in self._pending if u["update_id"] != update_id]

    def interrupt(self, conflict: str) -> None:
        """End a running long poll with 409 ``conflict`` (setWebhook does, on Telegram)."""
        self._generation += 1
        self._conflict = conflict
        self._wakeup.notify()

    def drop_pending(self) -> None:
        """deleteWebhook(drop_pending_updates=True): forget everything not yet confirmed."""
        self._pending.clear()

    async def get(
        self,
        *,
        offset: int | None,
        limit: int,
        wait_seconds: float,
        allowed_updates: list[str] | None,
    ) -> list[dict[str, Any]]:
        """getUpdates: confirm below ``offset``, then long-poll up to ``wait_seconds``."""
        # A newer getUpdates ends an older one with 409, as on Telegram.
        self._generation += 1
        generation = self._generation
        self._conflict = _CONFLICT
        self._wakeup.notify()
        self._confirm(offset)
        if allowed_updates is not None:
            self.allow(allowed_updates)
        deadline = Deadline(wait_seconds)
        while True:
            if generation != self._generation:
                raise ApiError(409, self._conflict)
            if self._pending or deadline.remaining() == 0 or self._wakeup.closed:
                return self._pending[:limit]
            await self._wakeup.wait(deadline.remaining())

    def _confirm(self, offset: int | None) -> None:
        if offset is None or offset == 0:
            return
        if offset < 0:
            # A negative offset keeps only the last -offset updates.
            self._pending = self._pending[offset:]
        else:
            self._pending = [u for u in self._pending if u["update_id"] >= offset]
