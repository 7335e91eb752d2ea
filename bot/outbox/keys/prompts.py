"""A reflection prompt's outbox key (`Delivery.cycle`): written and read here only.

Every prompt's key begins with its programme and the calendar day of the cycle it
belongs to; a prompt that did not come from the schedule says why after a third colon:

    7:2026-11-30                      the scheduled prompt of the cycle on that day
    7:2026-11-30:now-20261201085540   sent by a coordinator at that moment (`prompt send`)
    7:2026-11-30:farewell-12          the farewell prompt when pair 12 ended that day

The day comes right after the programme so that a range of keys is a range of days
(statistics find a programme's weeks through the (purpose, cycle) index), and a
student's scheduled and extra prompts of one cycle stay apart while naming its day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, Integer, func, literal_column
from sqlalchemy.orm import InstrumentedAttribute

SENT_NOW = "now"
FAREWELL = "farewell"
_DAY_LENGTH = len("2026-11-30")


@dataclass(frozen=True)
class CycleKey:
    programme_id: int
    day: date  # the cycle's calendar day: the week the prompt counts in
    occasion: str | None = None  # None: the schedule's own; else SENT_NOW or FAREWELL
    detail: str = ""  # the moment of a SENT_NOW (YYYYMMDDHHMMSS), the pair of a FAREWELL

    @property
    def manual(self) -> bool:
        """Sent by a coordinator outside the cadence (`frizon prompt send`)."""
        return self.occasion == SENT_NOW


def cycle_key(programme_id: int, day: date) -> str:
    """A scheduled prompt's key names its calendar day, not the cycle's number: when a
    coordinator changes the cadence or the first day, numbers start again and would
    collide with cycles already sent (silencing the new ones); days do not."""
    return f"{programme_id}:{day.isoformat()}"


def sent_now_key(programme_id: int, day: date, now: datetime) -> str:
    """A prompt a coordinator sends now, in the cycle of `day`: the moment makes a later
    send a new prompt, and the cycle's scheduled prompt still goes out as planned."""
    return f"{cycle_key(programme_id, day)}:{SENT_NOW}-{now:%Y%m%d%H%M%S}"


def farewell_key(programme_id: int, day: date, pair_id: int) -> str:
    """The closing prompt a student gets when their pair ends on `day`."""
    return f"{cycle_key(programme_id, day)}:{FAREWELL}-{pair_id}"


def parse_cycle_key(key: str) -> CycleKey:
    """Any prompt's key read back; ValueError, naming the key, if it is not one."""
    programme, _, rest = key.partition(":")
    day, _, extra = rest.partition(":")
    occasion, dash, detail = extra.partition("-")
    if (
        not programme.isdigit()
        or len(day) != _DAY_LENGTH
        or (extra and (occasion not in (SENT_NOW, FAREWELL) or not dash or not detail.isdigit()))
    ):
        raise ValueError(f"{key!r} is not a prompt's cycle key")
    try:
        parsed = date.fromisoformat(day)
    except ValueError:
        raise ValueError(f"{key!r} is not a prompt's cycle key") from None
    return CycleKey(int(programme), parsed, occasion or None, detail)


def cycle_day_in_sql(
    column: ColumnElement[str] | InstrumentedAttribute[str], programme_id: int
) -> ColumnElement[str]:
    """`parse_cycle_key(key).day` in SQL, as "YYYY-MM-DD", for keys of `programme_id`:
    what counting prompts per cycle day in the database groups by. The numbers are
    written into the SQL, so the expression is the same in SELECT and GROUP BY."""
    start = len(f"{int(programme_id)}:") + 1
    return func.substr(column, _number(start), _number(_DAY_LENGTH))


def _number(value: int) -> ColumnElement[int]:
    return literal_column(str(value), Integer)
