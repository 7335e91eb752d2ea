"""The prompt catalogue: enough prompts, well-formed, validated, rotated without repeats."""

import itertools
from collections import Counter
from pathlib import Path

import pytest

from bot.domain.catalogue import Catalogue, CatalogueError, next_in_rotation
from bot.texts.templates import LOCALES

catalogue = Catalogue.load()


def test_the_catalogue_has_enough_prompts_for_both_audiences() -> None:
    assert len(catalogue.prompts("student")) >= 24
    assert len(catalogue.prompts("mentor")) >= 8


def test_student_prompts_cover_every_theme_and_competence() -> None:
    students = catalogue.prompts("student")
    assert min(Counter(p.theme for p in students).values()) >= 8
    assert set(Counter(p.competence for p in students)) == {"reflective", "emotional", "belonging"}


@pytest.mark.parametrize("locale", LOCALES)
def test_every_prompt_is_short_enough_to_answer_on_a_phone(locale: str) -> None:
    for prompt in catalogue.prompts("student") + catalogue.prompts("mentor"):
        text = catalogue.render(prompt, locale, name="Ana")
        assert 0 < len(text) <= 300, prompt.key


def test_a_rotation_uses_every_prompt_once_before_any_repeats() -> None:
    pool = catalogue.prompts("student", "any")
    keys = sorted(p.key for p in pool)
    history: list[str] = []
    for _ in range(2 * len(pool)):
        history.append(next_in_rotation(pool, history, seed="member-1").key)

    # Two full rounds, each one every prompt exactly once.
    assert sorted(history[: len(pool)]) == keys
    assert sorted(history[len(pool) :]) == keys


def test_a_rotation_changes_theme_from_one_prompt_to_the_next() -> None:
    pool = catalogue.prompts("student", "any")
    themes = {p.key: p.theme for p in pool}
    history: list[str] = []
    for _ in range(2 * len(pool)):
        history.append(next_in_rotation(pool, history, seed="member-2").key)
    sequence = [themes[key] for key in history]
    # Balanced pools allow a change every time; allow one repeat at each round boundary.
    assert sum(a == b for a, b in itertools.pairwise(sequence)) <= 2


def test_prompts_removed_from_the_pool_do_not_block_the_rotation() -> None:
    pool = catalogue.prompts("student", "any")
    history = ["a-prompt-that-was-retired", pool[0].key]
    assert next_in_rotation(pool, history).key != pool[0].key


def test_different_people_get_different_orders() -> None:
    pool = catalogue.prompts("student", "any")
    firsts = {next_in_rotation(pool, [], seed=str(n)).key for n in range(20)}
    assert len(firsts) > 1


def write(folder: Path, audience: str, key: str, content: str) -> None:
    (folder / audience).mkdir(parents=True, exist_ok=True)
    (folder / audience / f"{key}.toml").write_text(content)


GOOD = """theme = "space"
competence = "emotional"
timing = "any"
[text]
en = "What made you smile this week?"
sv = "Vad fick dig att le den här veckan?"
"""


def test_a_programme_folder_adds_and_overrides_prompts(tmp_path: Path) -> None:
    write(tmp_path, "student", "local-smile", GOOD)
    write(tmp_path, "student", "space-unsaid", GOOD)

    loaded = Catalogue.load(tmp_path)

    added = loaded.get("student", "local-smile")
    assert added is not None and loaded.render(added, "sv") == "Vad fick dig att le den här veckan?"
    overridden = loaded.get("student", "space-unsaid")
    assert overridden is not None and "smile" in loaded.render(overridden, "en")


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (GOOD.replace('"space"', '"spaec"'), "theme must be one of"),
        (GOOD.replace('timing = "any"\n', ""), "needs exactly theme, competence, timing"),
        (
            GOOD.replace('sv = "Vad fick dig att le den här veckan?"\n', ""),
            "needs a text for every locale",
        ),
        (GOOD.replace("this week?", "this {{ week }}?"), "'week' is undefined"),
        (GOOD.replace("this week?", "this {% if %}?"), "student/bad"),
        ("theme = ", "not valid TOML"),
    ],
)
def test_a_bad_prompt_file_stops_loading_with_its_name(
    tmp_path: Path, content: str, problem: str
) -> None:
    write(tmp_path, "student", "bad", content)
    with pytest.raises(CatalogueError, match="bad") as error:
        Catalogue.load(tmp_path)
    assert problem in str(error.value)


def test_a_prompt_in_an_unknown_audience_folder_is_refused(tmp_path: Path) -> None:
    write(tmp_path, "parents", "bad", GOOD)
    with pytest.raises(CatalogueError, match="folder must be one of"):
        Catalogue.load(tmp_path)


def test_a_missing_programme_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(CatalogueError, match="does not exist"):
        Catalogue.load(tmp_path / "nope")
