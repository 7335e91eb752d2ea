"""Who the demo cohort is: twenty-two students and six mentors, every name marked
"(demo)", their Telegram ids, and the words they write.

Their ids lie below the page's people (see `SandboxState.add_user`), so none of them is
ever one of the page's chats.
"""

from __future__ import annotations

from dataclasses import dataclass

DEMO_MARK = "(demo)"
FIRST_COHORT_ID = 90_001  # below the page's people (100001 up): never one of theirs
FIRST_MENTOR_ID = FIRST_COHORT_ID + 50  # students' ids come before it, mentors' after
COHORT_IDS = range(FIRST_COHORT_ID, FIRST_COHORT_ID + 100)
EARLY_STUDENTS = 4  # joined in the first week, too few for its figures to be shown
QUIET_PAIR_STUDENT = FIRST_COHORT_ID + EARLY_STUDENTS  # has not met since the first week

STUDENT_NAMES = (
    "Elin Sjöberg", "Omar Haddad", "Sara Lindqvist", "Jonas Berglund", "Amira Nasser",
    "Viktor Åberg", "Hanna Karlsson", "Lukas Nyström", "Maryam Rahimi", "Emil Strand",
    "Ida Forsberg", "Noah Eriksson", "Leila Hosseini", "Oskar Lund", "Tove Hedlund",
    "Arvid Falk", "Nora Wikström", "Samuel Öberg", "Freja Dahl", "Yusuf Demir",
    "Alva Sandberg", "Milan Petrović",
)  # fmt: skip
MENTOR_NAMES = (
    "Dr Karin Holmberg", "Dr Anders Lönn", "Dr Helena Viklund",
    "Dr Peter Sundin", "Dr Fatima Ali", "Dr Johan Ekdahl",
)  # fmt: skip
# Entries in the voice of the prompts: short, plain, the good moments as well as the hard.
ENTRY_TEXTS = (
    "A patient thanked me for staying with her before the scan. I did not think it mattered.",
    "Presented on the ward round for the first time. Shaky, but the registrar nodded.",
    "Long day. I did not know where to stand in theatre and nobody told me.",
    "The nurse on nights showed me how she reads a room before she says anything.",
    "I keep thinking about the family in bed 4. I had nowhere to put that until now.",
    "Took a history on my own and found the thing that mattered. Felt like a doctor.",
    "Tired. Exams are close and the wards take everything I have.",
    "Someone asked my name and used it all day. Small thing, big difference.",
    "I was wrong about a diagnosis and it was fine: we talked it through.",
    "Not sure surgery is for me. Not sure what is. Writing it down helps.",
    "My first night on call. Scary, then quiet, then good coffee with the team.",
    "I could explain the plan to a patient in plain words today. That is new.",
    "Felt invisible on rounds again. Going to ask my mentor how she handled that.",
    "A good week. I know the way around the ward and people know me.",
)


@dataclass(frozen=True)
class Cohort:
    """Who the demo cohort is, by Telegram id."""

    student_ids: tuple[int, ...]
    mentor_ids: tuple[int, ...]

    @property
    def telegram_ids(self) -> tuple[int, ...]:
        return self.student_ids + self.mentor_ids
