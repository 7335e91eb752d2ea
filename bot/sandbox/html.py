"""Telegram's HTML parse mode: the same tags, errors and limits as the real server.

The parser follows the rules of TDLib's ``parse_html`` (what Telegram runs), so a
message the sandbox accepts is one Telegram accepts and vice versa.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.sandbox.errors import ApiError, bad_request

MAX_MESSAGE_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024  # UTF-16 units, like texts

_ENTITY_TYPES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
# Links with other schemes (javascript:, data:, …) are dropped, as Telegram does.
SAFE_URL_PREFIXES = ("http://", "https://", "tg://", "mailto:")
_SPACES = " \t\r\n\v\f\0"
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}


@dataclass(frozen=True)
class FormattedText:
    """Plain text plus Telegram entities (offsets and lengths in UTF-16 code units)."""

    text: str
    entities: list[dict[str, Any]] = field(default_factory=list)


def utf16_len(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def format_message_text(text: str, parse_mode: str | None) -> FormattedText:
    """Parse and check a message text the way sendMessage/editMessageText do."""
    mode = (parse_mode or "").lower()
    if mode == "html":
        formatted = parse_html(text)
    elif mode == "":
        formatted = FormattedText(text)
    else:
        raise bad_request("unsupported parse_mode")
    formatted = _strip(formatted)
    if not formatted.text:
        raise bad_request("message text is empty")
    if utf16_len(formatted.text) > MAX_MESSAGE_LENGTH:
        raise bad_request("message is too long")
    return formatted


def parse_html(source: str) -> FormattedText:
    """Parse Telegram HTML; raise a 400 ``ApiError`` with Telegram's wording when invalid."""
    return _Parser(source).parse()


def _entity_error(reason: str) -> ApiError:
    return bad_request(f"can't parse entities: {reason}")


@dataclass
class _Open:
    tag: str
    argument: str
    offset: int
    text_start: int


class _Parser:
    """A port of TDLib's HTML entity parser (byte offsets in errors are UTF-8)."""

    def __init__(self, source: str) -> None:
        self.src = source
        self.out: list[str] = []
        self.offset = 0  # UTF-16 offset of the next output character
        self.open: list[_Open] = []
        self.entities: list[dict[str, Any]] = []

    def at(self, i: int) -> str:
        return self.src[i] if i < len(self.src) else "\0"

    def byte_offset(self, i: int) -> int:
        return len(self.src[:i].encode("utf-8"))

    def emit(self, text: str) -> None:
        self.out.append(text)
        self.offset += utf16_len(text)

    def parse(self) -> FormattedText:
        i = 0
        while i < len(self.src):
            char = self.src[i]
            if char == "&":
                decoded, i_after = _decode_entity(self.src, i)
                if decoded:
                    self.emit(decoded)
                    i = i_after
                    continue
            if char != "<":
                self.emit(char)
                i += 1
            elif self.at(i + 1) == "/":
                i = self.end_tag(i)
            else:
                i = self.start_tag(i)
        if self.open:
            raise _entity_error(
                f'Can\'t find end tag corresponding to start tag "{self.open[-1].tag}"'
            )
        self.entities.sort(key=lambda e: (e["offset"], -e["length"]))
        return FormattedText("".join(self.out), self.entities)

    def start_tag(self, begin: int) -> int:
        i = begin + 1
        while self.at(i) not in _SPACES and self.at(i) != ">":
            i += 1
        if i >= len(self.src):
            raise _entity_error(f"Unclosed start tag at byte offset {self.byte_offset(begin)}")
        tag = self.src[begin + 1 : i].lower()
        where = f"at byte offset {self.byte_offset(begin)}"
        if tag not in _ENTITY_TYPES:
            raise _entity_error(f'Unsupported start tag "{tag}" {where}')
        argument = ""
        while self.at(i) != ">":
            while i < len(self.src) and self.at(i) in _SPACES:
                i += 1
            if self.at(i) == ">":
                break
            name_start = i
            while self.at(i) not in _SPACES and self.at(i) not in "=>":
                i += 1
            name = self.src[name_start:i]
            if not name:
                raise _entity_error(f'Empty attribute name in the tag "{tag}" {where}')
            while i < len(self.src) and self.at(i) in _SPACES:
                i += 1
            if self.at(i) != "=":
                if tag == "blockquote" and name == "expandable":
                    argument = "expandable"
                    continue
                raise _entity_error(
                    f'Expected equal sign in declaration of an attribute of the tag "{tag}" {where}'
                )
            i += 1
            while i < len(self.src) and self.at(i) in _SPACES:
                i += 1
            if i >= len(self.src):
                raise _entity_error(f'Unclosed start tag "{tag}" {where}')
            value, i = self.attribute_value(i, begin)
            argument = _argument(tag, name, value, argument)
        if tag == "span" and argument != "spoiler":
            raise _entity_error(f'Tag "span" must have class "tg-spoiler" {where}')
        self.open.append(_Open(tag, argument, self.offset, len(self.out)))
        return i + 1

    def attribute_value(self, i: int, begin: int) -> tuple[str, int]:
        quote = self.at(i)
        if quote not in "'\"":
            # An unquoted name token: letters, digits, periods and hyphens only.
            start = i
            while self.at(i).isascii() and (self.at(i).isalnum() or self.at(i) in ".-"):
                i += 1
            if self.at(i) not in _SPACES and self.at(i) != ">":
                raise _entity_error(
                    f"Unexpected end of name token at byte offset {self.byte_offset(start)}"
                )
            return self.src[start:i].lower(), i
        end = self.src.find(quote, i + 1)
        if end == -1:
            raise _entity_error(f"Unclosed start tag at byte offset {self.byte_offset(begin)}")
        return _decode_all(self.src[i + 1 : end]), end + 1

    def end_tag(self, begin: int) -> int:
        if not self.open:
            raise _entity_error(f"Unexpected end tag at byte offset {self.byte_offset(begin)}")
        i = begin + 2
        while self.at(i) not in _SPACES and self.at(i) != ">":
            i += 1
        name = self.src[begin + 2 : i].lower()
        while i < len(self.src) and self.at(i) in _SPACES:
            i += 1
        if self.at(i) != ">":
            raise _entity_error(f"Unclosed end tag at byte offset {self.byte_offset(begin)}")
        current = self.open.pop()
        if name and name != current.tag:
            raise _entity_error(
                f"Unmatched end tag at byte offset {self.byte_offset(begin)}, "
                f'expected "</{current.tag}>", found "</{name}>"'
            )
        self.close(current)
        return i + 1

    def close(self, current: _Open) -> None:
        length = self.offset - current.offset
        if length == 0:
            return  # Telegram drops empty entities.
        entity: dict[str, Any] = {
            "type": _ENTITY_TYPES[current.tag],
            "offset": current.offset,
            "length": length,
        }
        if current.tag == "a":
            url = current.argument or "".join(self.out[current.text_start :])
            if not url.startswith(SAFE_URL_PREFIXES):
                return  # Telegram silently drops links it cannot use.
            entity["url"] = url
        elif current.tag == "tg-emoji":
            if not current.argument:
                return
            entity["custom_emoji_id"] = current.argument
        elif current.tag == "blockquote" and current.argument == "expandable":
            entity["type"] = "expandable_blockquote"
        elif current.tag == "code" and current.argument:
            entity["language"] = current.argument
        elif current.tag == "pre" and self.entities:
            # <pre><code class="language-x"> becomes one pre entity with a language.
            last = self.entities[-1]
            same_span = (last["offset"], last["length"]) == (current.offset, length)
            if last["type"] == "code" and same_span:
                self.entities.pop()
                if "language" in last:
                    entity["language"] = last["language"]
        self.entities.append(entity)


def _argument(tag: str, name: str, value: str, current: str) -> str:
    """The one attribute each tag cares about; the rest are ignored, as in Telegram."""
    if tag == "a" and name == "href":
        return value
    if tag == "code" and name == "class" and value.startswith("language-"):
        return value.removeprefix("language-")
    if tag == "span" and name == "class" and value.startswith("tg-"):
        return value.removeprefix("tg-")
    if tag == "tg-emoji" and name == "emoji-id":
        return value
    return current


def _decode_entity(src: str, pos: int) -> tuple[str, int]:
    """Decode one ``&...;`` at ``pos``; ``("", pos)`` when it is a plain ampersand."""
    end = pos + 1
    if src[end : end + 1] == "#":
        end += 1
        hexadecimal = src[end : end + 1] == "x"
        end += hexadecimal
        digits = "0123456789abcdefABCDEF" if hexadecimal else "0123456789"
        start = end
        while end < len(src) and src[end] in digits and end - start < 8:
            end += 1
        value = int(src[start:end], 16 if hexadecimal else 10) if end > start else 0
        if value == 0 or value >= 0x10FFFF or 0xD800 <= value <= 0xDFFF:
            return "", pos
        char = chr(value)
    else:
        while end < len(src) and src[end].isascii() and src[end].isalpha():
            end += 1
        named = _NAMED_ENTITIES.get(src[pos + 1 : end])
        if named is None:
            return "", pos
        char = named
    # Telegram accepts the terminating semicolon as optional.
    return char, end + 1 if src[end : end + 1] == ";" else end


def _decode_all(value: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(value):
        char, after = _decode_entity(value, i) if value[i] == "&" else ("", i)
        out.append(char or value[i])
        i = after if char else i + 1
    return "".join(out)


def _strip(formatted: FormattedText) -> FormattedText:
    """Trim surrounding whitespace, moving entities along, as Telegram does."""
    text = formatted.text
    stripped = text.strip(_SPACES)
    if stripped == text:
        return formatted
    lead = utf16_len(text[: len(text) - len(text.lstrip(_SPACES))])
    size = utf16_len(stripped)
    entities = []
    for entity in formatted.entities:
        start = max(0, entity["offset"] - lead)
        end = min(size, entity["offset"] - lead + entity["length"])
        if end > start:
            entities.append({**entity, "offset": start, "length": end - start})
    return FormattedText(stripped, entities)
