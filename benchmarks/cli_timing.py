"""`frizon` timed as a fresh process, as a coordinator runs it: wall time and peak
memory of each run, and whether it printed the figures computed in process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.timing import Timing, first_line


@dataclass
class CliCase:
    name: str
    arguments: list[str]
    timing: Timing = field(default_factory=Timing)
    peak_mb: float = 0.0
    output: str = ""


def frizon_command() -> list[str]:
    script = Path(sys.executable).with_name("frizon")
    return [str(script)] if script.exists() else [sys.executable, "-m", "bot.cli"]


# Starts the command and reports its wall time and peak memory. The command must not be
# started by the benchmark's own process: Linux counts a new process's peak memory from
# the process it was forked from, which here holds a large programme's worth of objects.
LAUNCHER = """
import json, os, subprocess, sys, time
started = time.perf_counter()
child = subprocess.Popen(sys.argv[2:])
_, status, usage = os.wait4(child.pid, 0)
elapsed = time.perf_counter() - started
code = os.waitstatus_to_exitcode(status)
with open(sys.argv[1], "w") as report:
    json.dump({"seconds": elapsed, "peak_kb": usage.ru_maxrss, "code": code}, report)
"""


def run_cli(case: CliCase, url: str, folder: Path) -> tuple[float, float]:
    """Wall seconds and peak resident memory (MB) of one fresh `frizon` process."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("FRIZON_")}
    environment["FRIZON_DATABASE_URL"] = url
    report = folder / "report.json"
    with (folder / "out").open("w+") as out, (folder / "err").open("w+") as err:
        subprocess.run(
            [sys.executable, "-c", LAUNCHER, str(report), *frizon_command(), *case.arguments],
            stdout=out,
            stderr=err,
            cwd=folder,  # no config.toml here: the defaults and the environment only
            env=environment,
            check=True,
        )
        measured = json.loads(report.read_text())
        out.seek(0)
        err.seek(0)
        case.output = out.read()
        if measured["code"] != 0:
            raise RuntimeError(f"exit {measured['code']}: {err.read().strip()[:300]}")
    return float(measured["seconds"]), measured["peak_kb"] / 1024


def time_cli(cases: list[CliCase], url: str, repeat: int) -> None:
    """Runs the cases in turn, `repeat` rounds after a warm-up round, so that any drift
    of the machine touches them all alike."""
    with tempfile.TemporaryDirectory() as folder:
        for attempt in range(repeat + 1):
            for case in cases:
                if case.timing.error:
                    continue
                try:
                    elapsed, peak = run_cli(case, url, Path(folder))
                except RuntimeError as error:
                    case.timing.error = str(error)
                    continue
                case.peak_mb = max(case.peak_mb, peak)
                if attempt:
                    case.timing.seconds.append(elapsed)


def same_figures(result: object, cli_output: str) -> str:
    """Whether the CLI printed the figures computed in process (scalar figures only)."""
    try:
        printed = json.loads(cli_output)["figures"]
        computed = {f.key: f.value for f in getattr(result, "figures", ())}
    except (ValueError, KeyError, TypeError) as error:
        return f"not compared ({first_line(error)})"
    keys = [k for k, v in computed.items() if isinstance(v, int | float | None) and k in printed]
    differing = [k for k in keys if printed[k] != computed[k]]
    return (
        "yes" if keys and not differing else f"no: {', '.join(differing) or 'nothing to compare'}"
    )
