"""Which database errors are the database's moment rather than a row's fault.

A lost connection, a server restarting or a SQLite file locked past its busy time-out
passes: the work is simply done again later. A constraint broken, a value the column
refuses or a statement the server rejects will fail the same way every time: retrying it
would hold up everything queued behind it.
"""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError, PendingRollbackError


def database_away(error: BaseException) -> bool:
    """True when `error` says the database was out of reach, not that the work was wrong."""
    if isinstance(error, PendingRollbackError | OperationalError | InterfaceError):
        return True
    if isinstance(error, DBAPIError):
        # asyncpg's errors arrive as DBAPIError; SQLAlchemy marks the ones that cost the
        # connection (terminated, server shut down) as invalidating it.
        return error.connection_invalidated
    # A connection refused before any DBAPI connection existed is not wrapped.
    return isinstance(error, ConnectionError | TimeoutError)
