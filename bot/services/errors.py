"""The one exception services raise for a request the rules do not allow."""

from typing import Any


class Refused(Exception):
    """A refused request. `reason` is a stable code that templates and the CLI explain."""

    def __init__(self, reason: str, **details: Any) -> None:
        super().__init__(reason)
        self.reason = reason
        self.details = details
