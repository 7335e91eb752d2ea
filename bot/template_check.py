"""Start-up check: every message template renders in every locale with its examples."""

from __future__ import annotations

import tomllib
from typing import Any

from jinja2 import TemplateError

from bot.texts import LOCALES, Texts
from prompts import TEMPLATE_ROOT

EXAMPLES_FILE = TEMPLATE_ROOT / "messages" / "examples.toml"


class TemplateProblem(Exception):
    """A template that would fail when the bot sends it; the message names the file."""


def check_templates(texts: Texts | None = None) -> int:
    """Render every example in every locale; return how many renderings succeeded."""
    texts = texts or Texts()
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
