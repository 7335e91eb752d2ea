"""How a member's name is shown. An erased member keeps no name (their row stores an empty
one), so where names are listed — a chat, the command line, a CSV file — theirs reads as
`members/erased_name`, in the reader's language. A notice about the pair they left says
more: `pairing/erased_name`."""

from bot.texts.templates import Texts

ERASED_TEMPLATE = "members/erased_name"


def erased_name(texts: Texts, locale: str) -> str:
    """The words an erased member is shown by, for a reader of `locale`."""
    return texts.render_plain(ERASED_TEMPLATE, locale)


def shown_name(texts: Texts, name: str, locale: str) -> str:
    """A member's name, or for an erased member (no name) the words they are shown by."""
    return name or erased_name(texts, locale)
