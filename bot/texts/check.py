"""Start-up check: every message template renders in every locale with its examples.

It also refuses a template whose line breaks depend on luck. The environment trims the line
break after a block tag (`trim_blocks`), so a tag alone on its line leaves no blank line
behind; but a tag that *ends a line of text* (`• {{ day }}{% endif %}`) would silently eat
that line's break and glue the next line on. Such a tag must say which it means: `+%}`
keeps the break, `-%}` drops it (and any whitespace after it).
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from jinja2 import TemplateError

from bot.texts.templates import LOCALES, MESSAGES, Texts
from prompts import TEMPLATE_ROOT

EXAMPLES_FILE = TEMPLATE_ROOT / "messages" / "examples.toml"
_TAG = re.compile(r"\{%.*?%\}|\{#.*?#\}")


class TemplateProblem(Exception):
    """A template that would fail when the bot sends it; the message names the file."""


def swallowed_breaks(source: str) -> list[int]:
    """Line numbers (from 1) where a block tag ends a line of text without `+%}` or `-%}`."""
    lines = source.split("\n")
    last_text = max((i for i, line in enumerate(lines) if line.strip()), default=-1)
    found = []
    for number, line in enumerate(lines[:last_text], start=1):
        end = line.rstrip(" \t")
        if not end.endswith(("%}", "#}")) or end.endswith(("+%}", "-%}", "-#}", "+#}")):
            continue
        if _TAG.sub("", end).strip():
            found.append(number)
    return found


def check_line_breaks(root: Path = TEMPLATE_ROOT) -> int:
    """Raise for the first template with an unmarked break-eating tag; return files checked."""
    checked = 0
    for locale in LOCALES:
        for path in sorted((root / MESSAGES / locale).rglob("*.j2")):
            lines = swallowed_breaks(path.read_text("utf-8"))
            if lines:
                where = path.relative_to(root).as_posix()
                raise TemplateProblem(
                    f"{where}:{lines[0]}: a block tag ends this line of text and would swallow "
                    "its line break; end the tag with +%} to keep the break or -%} to drop it"
                )
            checked += 1
    return checked


def check_templates(texts: Texts | None = None) -> int:
    """Render every example in every locale; return how many renderings succeeded."""
    texts = texts or Texts()
    check_line_breaks()
    examples: dict[str, list[dict[str, Any]]] = tomllib.loads(EXAMPLES_FILE.read_text("utf-8"))
    english = set(texts.names("en"))
    rendered = 0
    for locale in LOCALES:
        missing = english - set(texts.names(locale))
        if missing:
            raise TemplateProblem(f"messages/{locale}/ lacks {sorted(missing)[0]}.j2")
        for name in sorted(english):
            if name not in examples:
                raise TemplateProblem(f"{EXAMPLES_FILE.name} has no example for {name}")
            for variables in examples[name]:
                try:
                    texts.render(name, locale, **variables)
                except TemplateError as error:
                    raise TemplateProblem(f"messages/{locale}/{name}.j2: {error}") from None
                rendered += 1
    return rendered
