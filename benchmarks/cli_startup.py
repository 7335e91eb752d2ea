"""How soon the command line answers: `frizon --help` and `frizon members` as fresh
processes, beside `python -c pass` timed in the same run (the interpreter's own start).

Run as `python -m benchmarks.cli_startup [--repeat N]`. `frizon members` reads a migrated
SQLite database with one programme of a few members, made before the timing starts.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FRIZON = [sys.executable, "-m", "bot.cli"]  # this checkout's code, not an installed copy
GOALS_MS = {"frizon --help": 300, "frizon members": 500}


def environment(url: str) -> dict[str, str]:
    kept = {k: v for k, v in os.environ.items() if not k.startswith("FRIZON_")}
    return {**kept, "FRIZON_DATABASE_URL": url, "PYTHONPATH": str(ROOT)}


def frizon(arguments: list[str], *, env: dict[str, str], folder: Path) -> str:
    done = subprocess.run(
        [*FRIZON, *arguments], env=env, cwd=folder, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"frizon {' '.join(arguments)} failed: {done.stderr.strip()[:300]}")
    return done.stdout


def prepare(env: dict[str, str], folder: Path) -> None:
    """A migrated database with one programme and three invited (not yet joined) members."""
    frizon(["programme", "create", "Bench"], env=env, folder=folder)
    for role in ("student", "student", "mentor"):
        frizon(["invite", "Bench", "--role", role], env=env, folder=folder)


def wall_ms(command: list[str], *, env: dict[str, str], folder: Path) -> float:
    started = time.perf_counter()
    subprocess.run(command, env=env, cwd=folder, stdout=subprocess.DEVNULL, check=True)
    return (time.perf_counter() - started) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=10)
    repeat = parser.parse_args().repeat
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)  # no config.toml here: the defaults and the environment only
        env = environment(f"sqlite+aiosqlite:///{folder / 'frizon.db'}")
        prepare(env, folder)
        cases = {
            "python -c pass": [sys.executable, "-c", "pass"],
            "frizon --help": [*FRIZON, "--help"],
            "frizon members": [*FRIZON, "members", "Bench"],
        }
        times: dict[str, list[float]] = {case: [] for case in cases}
        for attempt in range(repeat + 1):  # rounds in turn, after a warm-up round
            for case, command in cases.items():
                elapsed = wall_ms(command, env=env, folder=folder)
                if attempt:
                    times[case].append(elapsed)
    print(f"Median of {repeat} fresh processes each ({sys.executable}):")
    baseline = statistics.median(times["python -c pass"])
    for case, measured in times.items():
        median = statistics.median(measured)
        line = f"  {case:<16} {median:7.0f} ms  (min {min(measured):.0f}, max {max(measured):.0f})"
        if case in GOALS_MS:
            goal = GOALS_MS[case]
            verdict = "met" if median <= goal else "NOT met"
            line += f"  goal {goal} ms: {verdict}; {median - baseline:.0f} ms beyond python"
        print(line)


if __name__ == "__main__":
    main()
