"""Long text cut into parts Telegram accepts, at paragraph, line or word boundaries."""

from __future__ import annotations

# Telegram allows 4096 characters a message, counted after HTML is parsed; reflection
# text is cut into parts well below that, at line or word boundaries where possible.
PART_LENGTH = 3500


def split_text(text: str, limit: int = PART_LENGTH) -> list[str]:
    """Cut text into parts of at most `limit` characters, preferring paragraph, line and
    word boundaries; joining the parts gives back the text (less the whitespace cut at)."""
    parts: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        window = rest[:limit]
        # The first kind of boundary found in the window's second half, else a hard cut.
        cut = next(
            (
                found
                for boundary in ("\n\n", "\n", " ")
                if (found := window.rfind(boundary)) >= limit // 2
            ),
            limit,
        )
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        parts.append(rest)
    return parts
