"""Audit events: who changed what, kept for coordinators and for accountability."""

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import AuditEvent


def record_event(
    session: AsyncSession,
    *,
    now: datetime,
    kind: str,
    actor: str,
    programme_id: int | None,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Add an audit event to the session's transaction; it commits with the change it records."""
    event = AuditEvent(
        kind=kind,
        actor=actor,
        programme_id=programme_id,
        details=details or {},
        created_at=now,
    )
    session.add(event)
    return event


def member_actor(member_id: int) -> str:
    return f"member:{member_id}"


CLI_ACTOR = "cli"
