"""Templates: every message renders in every locale, and nothing is left undefined."""

import tomllib
from pathlib import Path
from typing import Any

import pytest
from jinja2 import UndefinedError

from bot.texts.check import TemplateProblem, check_line_breaks, swallowed_breaks
from bot.texts.templates import LOCALES, Texts, locale_for
from prompts import TEMPLATE_ROOT

EXAMPLES: dict[str, list[dict[str, Any]]] = tomllib.loads(
    (TEMPLATE_ROOT / "messages" / "examples.toml").read_text()
)
texts = Texts()


def test_every_locale_has_the_same_templates() -> None:
    english = set(texts.names("en"))
    for locale in LOCALES:
        assert set(texts.names(locale)) == english, locale


def test_every_template_has_examples() -> None:
    assert set(texts.names("en")) == set(EXAMPLES)


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_every_template_renders_in_every_locale(name: str, locale: str) -> None:
    for variables in EXAMPLES[name]:
        text = texts.render(name, locale, **variables)
        assert text.strip(), f"{name} rendered empty in {locale}"
        assert len(text) <= 4096


def test_a_missing_variable_is_an_error_not_a_blank() -> None:
    with pytest.raises(UndefinedError):
        texts.render("start/hello_again", "en")


def test_names_are_html_escaped() -> None:
    text = texts.render("start/hello_again", "en", name="<b>Ana</b> & co")
    assert "&lt;b&gt;Ana&lt;/b&gt; &amp; co" in text


def test_swedish_differs_from_english() -> None:
    assert texts.render("errors/unknown_command", "sv") != texts.render(
        "errors/unknown_command", "en"
    )


@pytest.mark.parametrize(
    ("code", "locale"),
    [("sv", "sv"), ("sv-SE", "sv"), ("en-GB", "en"), ("de", "en"), (None, "en"), ("", "en")],
)
def test_telegram_language_codes_map_to_a_supported_locale(code: str | None, locale: str) -> None:
    assert locale_for(code) == locale


def test_an_unsupported_locale_falls_back_to_english() -> None:
    assert texts.render("errors/unknown_command", "fi") == texts.render(
        "errors/unknown_command", "en"
    )


def test_a_block_tag_ending_a_line_of_text_is_refused() -> None:
    source = "every {{ weeks }} weeks{% if x %} (suggested){% endif %}\n• {{ day }}\n"
    assert swallowed_breaks(source) == [1]


def test_a_marked_tag_or_a_tag_alone_on_its_line_is_allowed() -> None:
    source = "{% if x %}\nweeks{% endif +%}\n{% endif %}\nv{% endmacro -%}\nlast{% endif %}\n"
    assert swallowed_breaks(source) == []


def test_no_template_swallows_a_line_break() -> None:
    assert check_line_breaks() == 2 * len(EXAMPLES)


def test_an_unmarked_tag_stops_the_check_naming_file_and_line(tmp_path: Path) -> None:
    folder = tmp_path / "messages" / "en"
    folder.mkdir(parents=True)
    (tmp_path / "messages" / "sv").mkdir()
    (folder / "list.j2").write_text("a\nb{% endif %}\nc\n")
    with pytest.raises(TemplateProblem, match=r"messages/en/list.j2:2: .*\+%\}"):
        check_line_breaks(tmp_path)
