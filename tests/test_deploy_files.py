"""The files docs/deploy.md installs are real: the systemd units parse without a warning
and name only frizon's own commands and settings. (The nginx site file is what the
webhook tests run behind: tests/e2e/proxy.py.)"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli.main import app
from bot.core.config import _ENVIRONMENT_OVERRIDES

UNITS = sorted((Path(__file__).parents[1] / "deploy" / "systemd").glob("frizon*"))
INSTALLED_AT = "/opt/frizon/.venv/bin/frizon"  # where docs/deploy.md installs frizon
REQUIRE_SYSTEMD = os.environ.get("FRIZON_TEST_REQUIRE_SYSTEMD") == "1"


def test_there_are_units_for_one_instance_for_several_and_for_backups() -> None:
    assert [unit.name for unit in UNITS] == [
        "frizon-backup.service",
        "frizon-backup.timer",
        "frizon.service",
        "frizon@.service",
    ]


@pytest.mark.parametrize("unit", UNITS, ids=lambda unit: unit.name)
def test_the_unit_parses_without_a_warning(unit: Path, tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        message = "no systemd-analyze (apt install systemd)"
        if REQUIRE_SYSTEMD:
            pytest.fail(message)
        pytest.skip(message)
    # Verified as installed, except that frizon is this checkout's and the secrets file
    # (root's alone on a server) is empty here.
    frizon = Path(sys.executable).with_name("frizon")
    for each in UNITS:  # a timer is verified with its service beside it
        text = each.read_text().replace(INSTALLED_AT, str(frizon))
        text = text.replace("EnvironmentFile=/etc/frizon/frizon.env", "EnvironmentFile=/dev/null")
        (tmp_path / each.name).write_text(text)
    copy = tmp_path / unit.name
    instance = copy.with_name(unit.name.replace("@.", "@8081.")) if "@" in unit.name else copy

    verified = subprocess.run(
        [analyze, "verify", str(instance)], capture_output=True, text=True, check=False
    )

    assert verified.returncode == 0, verified.stderr
    assert verified.stderr == "", verified.stderr


SERVICES = [unit for unit in UNITS if unit.suffix == ".service"]


@pytest.mark.parametrize("unit", SERVICES, ids=lambda unit: unit.name)
def test_the_unit_runs_a_frizon_command_with_settings_frizon_reads(unit: Path) -> None:
    text = unit.read_text()
    (command,) = re.findall(rf"^ExecStart=.*{re.escape(INSTALLED_AT)} ([^\n'\"]+)", text, re.M)
    words = [word for word in command.split() if not word.startswith("/")]  # not a file
    assert CliRunner().invoke(app, [*words, "--help"]).exit_code == 0, words
    settings = re.findall(r"\b(FRIZON_[A-Z_]+)=", text)
    assert settings, "the unit sets frizon's settings"
    assert set(settings) <= {"FRIZON_CONFIG", *_ENVIRONMENT_OVERRIDES}
