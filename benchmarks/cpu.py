"""CPU seconds spent by groups of processes during a stretch of a run, read from /proc.

A group is named by its processes' ids; each process's children (nginx's worker,
PostgreSQL's backends are found by their own ids) count with it. A process that ends
during the stretch is counted up to its last reading.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float | None:
    """User and system time of one process so far, or None once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return None
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime: fields 14 and 15


def children(pid: int) -> list[int]:
    """A process's children, their children and so on."""
    found: list[int] = []
    try:
        direct = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except FileNotFoundError:
        return found
    for child in map(int, direct):
        found += [child, *children(child)]
    return found


@dataclass
class Group:
    """Processes counted together, found anew at each reading (a backend may start late)."""

    name: str
    pids: Callable[[], Iterable[int]]
    with_children: bool = True  # not for the benchmark's own process: it started the rest
    _first: dict[int, float] = field(default_factory=dict)
    _last: dict[int, float] = field(default_factory=dict)

    def read(self, *, first: bool) -> None:
        for pid in self._with_children():
            seconds = cpu_seconds(pid)
            if seconds is None:
                continue
            if first:
                self._first[pid] = seconds
            else:
                self._first.setdefault(pid, 0.0)  # started during the stretch
            self._last[pid] = seconds

    def seconds(self) -> float:
        return sum(self._last[pid] - self._first.get(pid, 0.0) for pid in self._last)

    def processes(self) -> int:
        """How many processes were read: a group found none if this is 0."""
        return len(self._last)

    def _with_children(self) -> set[int]:
        pids = set(self.pids())
        for pid in list(pids) if self.with_children else []:
            pids.update(children(pid))
        return pids


def machine_busy_seconds() -> float:
    """CPU time the whole machine has spent on anything but idling, all cores."""
    fields = [int(n) for n in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle, iowait = fields[3], fields[4]
    return (sum(fields[:8]) - idle - iowait) / TICKS  # user … steal; guest is inside user


OTHERS = "the rest of the machine (other work)"


@dataclass
class CpuAccount:
    """Groups of processes, and what the machine did besides them if OTHERS is named."""

    groups: list[Group | str]
    _machine: list[float] = field(default_factory=list)

    def start(self) -> None:
        self._machine = [machine_busy_seconds()]
        for group in self.measured():
            group.read(first=True)

    def read(self) -> None:
        """A reading in the middle of the stretch, so processes that end are counted."""
        self._machine[1:] = [machine_busy_seconds()]
        for group in self.measured():
            group.read(first=False)

    def lines(self, wall: float, updates: int) -> list[str]:
        ours = {group.name: group.seconds() for group in self.measured()}
        machine = self._machine[-1] - self._machine[0]
        if OTHERS in self.groups:
            ours[OTHERS] = max(0.0, machine - sum(ours.values()))
        rows = [
            f"    {name:<38} {seconds:6.1f} s CPU = {seconds / wall:4.2f} cores "
            f"({seconds / max(machine, 1e-9):4.0%}), {seconds / updates * 1000:5.1f} ms an update"
            for name, seconds in ours.items()
        ]
        cores = os.cpu_count() or 1
        return [
            *rows,
            f"    {'the machine, all cores':<38} {machine:6.1f} s CPU = {machine / wall:4.2f} "
            f"of {cores} cores over {wall:.1f} s",
        ]

    def measured(self) -> list[Group]:
        return [group for group in self.groups if isinstance(group, Group)]
