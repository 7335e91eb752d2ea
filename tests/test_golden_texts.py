"""Every multi-line message, exactly as sent: compared with tests/golden/<locale>/<name>.txt.

A lost or doubled line break, or a changed word, fails here. After a deliberate change, run
with FRIZON_UPDATE_GOLDEN=1 to rewrite the files, then read `git diff tests/golden` by eye.
"""

import os
import tomllib
from pathlib import Path
from typing import Any

import pytest

from bot.texts.templates import LOCALES, Texts
from prompts import TEMPLATE_ROOT

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("FRIZON_UPDATE_GOLDEN") == "1"
EXAMPLES: dict[str, list[dict[str, Any]]] = tomllib.loads(
    (TEMPLATE_ROOT / "messages" / "examples.toml").read_text("utf-8")
)
texts = Texts()


def rendered(name: str, locale: str) -> list[str]:
    """The template rendered with each of its examples, as the bot would send it."""
    return [texts.render(name, locale, **variables) for variables in EXAMPLES[name]]


def golden_text(renderings: list[str]) -> str:
    """One message as it is; several as labelled sections, one per example."""
    if len(renderings) == 1:
        return renderings[0] + "\n"
    count = len(renderings)
    return "".join(
        f"=== example {n} of {count} ===\n{text}\n" for n, text in enumerate(renderings, 1)
    )


def golden_path(locale: str, name: str) -> Path:
    return GOLDEN / locale / f"{name}.txt"


MULTILINE = sorted(
    (locale, name)
    for locale in LOCALES
    for name in EXAMPLES
    if any("\n" in text for text in rendered(name, locale))
    or golden_path(locale, name).exists()  # a golden message that lost its only break
)


@pytest.mark.parametrize(("locale", "name"), MULTILINE)
def test_every_multiline_message_reads_exactly_as_its_golden_file(locale: str, name: str) -> None:
    path = golden_path(locale, name)
    actual = golden_text(rendered(name, locale))
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, "utf-8")
    assert path.exists(), f"no golden file for {locale}/{name}: run with FRIZON_UPDATE_GOLDEN=1"
    assert actual == path.read_text("utf-8")


def test_every_golden_file_belongs_to_a_template() -> None:
    known = {golden_path(locale, name) for locale, name in MULTILINE}
    stale = [path for path in sorted(GOLDEN.rglob("*.txt")) if path not in known]
    if UPDATE:
        for path in stale:
            path.unlink()
        stale = []
    assert stale == []


def test_the_meetings_list_keeps_one_line_per_meeting() -> None:
    text = texts.render(
        "meetings/list",
        "en",
        pairs=[
            {"partner": "Ana Berg", "weeks": 6, "agreed": True, "meetings": [("2026-12-07", True)]}
        ],
    )
    assert text == "<b>Ana Berg</b>: every 6 weeks\n• 2026-12-07"
