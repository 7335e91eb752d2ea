"""What the statistics benchmark generates: a programme's sizes (and the name that says
them, so a database can be reused), and the zone and time of its weekly prompts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time
from zoneinfo import ZoneInfo

# Bump when the generated data changes, so that cached databases are made again.
GENERATOR_VERSION = 1
ZONE = ZoneInfo("Europe/Stockholm")
PROMPT_AT = time(18, 0)  # the programme's cadence, "weekly mon 18:00"
DELIVERIES_PER_CHECKIN = 1.2  # prompts sent per check-in: sets how many weeks have passed


@dataclass(frozen=True)
class Sizes:
    students: int
    mentors: int
    checkins: int
    meetings: int

    @property
    def name(self) -> str:
        """The programme's name; it says what was generated, so a database can be reused."""
        return (
            f"Benchmark stats v{GENERATOR_VERSION} {self.students}/{self.mentors}/"
            f"{self.checkins}/{self.meetings}"
        )

    def scaled_to(self, students: int) -> Sizes:
        """The same shape with fewer (or more) students."""
        factor = students / self.students
        return Sizes(
            students,
            max(1, round(self.mentors * factor)),
            round(self.checkins * factor),
            round(self.meetings * factor),
        )

    @property
    def weeks(self) -> int:
        """Weeks of prompts so far: about 1.2 prompts per check-in, spread over everyone."""
        if self.students == 0:
            return 1
        return max(2, round(DELIVERIES_PER_CHECKIN * self.checkins / self.students) + 1)


LARGE = Sizes(students=10_000, mentors=2_000, checkins=1_000_000, meetings=100_000)
EMPTY = Sizes(students=0, mentors=0, checkins=0, meetings=0)
