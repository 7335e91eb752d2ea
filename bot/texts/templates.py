"""Every text the bot sends comes from a Jinja2 template under prompts/, per locale."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from prompts import TEMPLATE_ROOT

LOCALES = ("en", "sv")
DEFAULT_LOCALE = "en"
MESSAGES = "messages"


def locale_for(language_code: str | None) -> str:
    """Pick the supported locale for a Telegram language code ("sv-SE" → "sv"); else English."""
    if not language_code:
        return DEFAULT_LOCALE
    primary = language_code.split("-")[0].lower()
    return primary if primary in LOCALES else DEFAULT_LOCALE


class Texts:
    """Renders message templates; HTML-escaped for Telegram's HTML parse mode."""

    def __init__(self, root: Path = TEMPLATE_ROOT) -> None:
        self._root = root
        self._env = Environment(
            loader=FileSystemLoader(str(root)),
            undefined=StrictUndefined,
            autoescape=select_autoescape(default=True, default_for_string=True),
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=False,
            auto_reload=False,  # templates are package data: no stat() on every render
        )
        self._plain = self._env.overlay(autoescape=False)

    def render_plain(self, name: str, locale: str, /, **context: Any) -> str:
        """Render without HTML escaping: for button labels, which Telegram shows as typed."""
        if locale not in LOCALES:
            locale = DEFAULT_LOCALE
        template = self._plain.get_template(f"{MESSAGES}/{locale}/{name}.j2")
        return template.render(**context).strip()

    def render(self, name: str, locale: str, /, **context: Any) -> str:
        """Render `messages/<locale>/<name>.j2`, falling back to English for unknown locales."""
        if locale not in LOCALES:
            locale = DEFAULT_LOCALE
        template = self._env.get_template(f"{MESSAGES}/{locale}/{name}.j2")
        return template.render(**context).strip()

    def names(self, locale: str = DEFAULT_LOCALE) -> Iterator[str]:
        """The message names available in a locale, e.g. "start/welcome"."""
        folder = self._root / MESSAGES / locale
        for path in sorted(folder.rglob("*.j2")):
            yield path.relative_to(folder).with_suffix("").as_posix()
