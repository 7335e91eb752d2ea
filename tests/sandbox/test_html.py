"""Telegram's HTML parse mode: what is accepted, what it becomes, and the exact errors."""

from __future__ import annotations

import pytest

from bot.sandbox.errors import ApiError
from bot.sandbox.html import format_message_text, parse_html
from bot.sandbox.rendering import render_html


def error_of(source: str) -> str:
    with pytest.raises(ApiError) as error:
        format_message_text(source, "HTML")
    assert error.value.error_code == 400
    return error.value.description


def test_tags_become_entities_with_utf16_offsets() -> None:
    parsed = parse_html("😀 <b>bold</b>")
    assert parsed.text == "😀 bold"
    assert parsed.entities == [{"type": "bold", "offset": 3, "length": 4}]


def test_every_allowed_tag_is_accepted() -> None:
    source = (
        "<b>b</b><strong>b</strong><i>i</i><em>i</em><u>u</u><ins>u</ins><s>s</s>"
        "<strike>s</strike><del>s</del>"
        '<span class="tg-spoiler">p</span><tg-spoiler>p</tg-spoiler>'
        '<a href="https://example.org">a</a><code>c</code><pre>p</pre>'
        "<blockquote expandable>q</blockquote>"
        '<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>'
    )
    types = [entity["type"] for entity in parse_html(source).entities]
    assert types == [
        "bold", "bold", "italic", "italic", "underline", "underline", "strikethrough",
        "strikethrough", "strikethrough", "spoiler", "spoiler", "text_link", "code", "pre",
        "expandable_blockquote", "custom_emoji",
    ]  # fmt: skip


def test_pre_with_a_language_code_block_is_one_pre_entity() -> None:
    parsed = parse_html('<pre><code class="language-python">x = 1</code></pre>')
    assert parsed.entities == [{"type": "pre", "offset": 0, "length": 5, "language": "python"}]


def test_html_entities_are_decoded() -> None:
    assert parse_html("&lt;a&gt; &amp; &quot;q&quot; &#128512; &#x41;").text == '<a> & "q" 😀 A'


def test_a_bare_ampersand_stays_as_it_is() -> None:
    assert parse_html("R&D &unknown;").text == "R&D &unknown;"


def test_an_unsupported_tag_reports_its_byte_offset() -> None:
    assert error_of("é <foo>x</foo>") == (
        'Bad Request: can\'t parse entities: Unsupported start tag "foo" at byte offset 3'
    )


def test_an_unclosed_tag_names_the_tag() -> None:
    assert error_of("<b>bold <i>both</i>") == (
        "Bad Request: can't parse entities: Can't find end tag corresponding to start tag \"b\""
    )


def test_a_mismatched_end_tag_says_what_was_expected() -> None:
    assert error_of("<b>x</i>") == (
        "Bad Request: can't parse entities: Unmatched end tag at byte offset 4, "
        'expected "</b>", found "</i>"'
    )


def test_an_end_tag_without_a_start_is_unexpected() -> None:
    assert error_of("x</b>") == (
        "Bad Request: can't parse entities: Unexpected end tag at byte offset 1"
    )


def test_a_span_must_be_a_spoiler() -> None:
    assert 'Tag "span" must have class "tg-spoiler"' in error_of('<span class="big">x</span>')


def test_the_length_limit_applies_to_the_parsed_text() -> None:
    assert format_message_text("<i>" + "x" * 4096 + "</i>", "HTML").text == "x" * 4096
    assert error_of("<i>" + "x" * 4097 + "</i>") == "Bad Request: message is too long"


def test_text_that_is_only_tags_is_empty() -> None:
    assert error_of("<b> </b>") == "Bad Request: message text is empty"


def test_surrounding_whitespace_is_trimmed_and_entities_move_with_it() -> None:
    formatted = format_message_text("\n  <b>hi</b>\n", "HTML")
    assert (formatted.text, formatted.entities) == (
        "hi",
        [{"type": "bold", "offset": 0, "length": 2}],
    )


def test_without_parse_mode_tags_are_plain_text() -> None:
    assert format_message_text("<b>x</b>", None).text == "<b>x</b>"


def test_rendering_escapes_everything_but_telegram_formatting() -> None:
    parsed = parse_html('<b>a &lt;script&gt;</b> <a href="javascript:alert(1)">x</a>')
    assert render_html(parsed.text, parsed.entities) == "<b>a &lt;script&gt;</b> x"


def test_rendering_keeps_nesting_and_safe_links() -> None:
    parsed = parse_html('<b>a <i>b</i></b> <a href="https://e.org/?a=1&amp;b=2">l</a>')
    assert render_html(parsed.text, parsed.entities) == (
        '<b>a <i>b</i></b> <a href="https://e.org/?a=1&amp;b=2" target="_blank" '
        'rel="noopener noreferrer">l</a>'
    )
