"""Rendering Telegram text and entities as safe HTML for the sandbox page."""

from __future__ import annotations

import html
import itertools
from typing import Any

from bot.sandbox.html import SAFE_URL_PREFIXES

_SAFE_TAGS = {
    "bold": "b",
    "italic": "i",
    "underline": "u",
    "strikethrough": "s",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
}


def render_html(text: str, entities: list[dict[str, Any]]) -> str:
    """Render text and (properly nested) entities as safe HTML for the page."""
    units = text.encode("utf-16-le")
    boundaries = sorted(
        {0, len(units) // 2}
        | {e["offset"] for e in entities}
        | {e["offset"] + e["length"] for e in entities}
    )
    ordered = sorted(entities, key=lambda e: (e["offset"], -e["length"]))
    out: list[str] = []
    stack: list[tuple[int, str]] = []  # (end offset, closing tag)
    for start, end in itertools.pairwise(boundaries):
        while stack and stack[-1][0] <= start:
            out.append(stack.pop()[1])
        for entity in (e for e in ordered if e["offset"] == start):
            opening, closing = _tags(entity)
            out.append(opening)
            stack.append((start + entity["length"], closing))
        out.append(html.escape(units[start * 2 : end * 2].decode("utf-16-le")))
    out.extend(closing for _, closing in reversed(stack))
    return "".join(out)


def _tags(entity: dict[str, Any]) -> tuple[str, str]:
    kind = entity["type"]
    if kind in _SAFE_TAGS:
        tag = _SAFE_TAGS[kind]
        return f"<{tag}>", f"</{tag}>"
    if kind == "text_link" and str(entity.get("url", "")).startswith(SAFE_URL_PREFIXES):
        href = html.escape(str(entity["url"]), quote=True)
        return f'<a href="{href}" target="_blank" rel="noopener noreferrer">', "</a>"
    if kind in ("spoiler", "expandable_blockquote", "bot_command"):
        css = {"spoiler": "tg-spoiler", "expandable_blockquote": "tg-expandable"}.get(kind, kind)
        tag = "blockquote" if kind == "expandable_blockquote" else "span"
        return f'<{tag} class="{css}">', f"</{tag}>"
    return "<span>", "</span>"
