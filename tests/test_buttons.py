"""Callback data is made by one module per namespace (bot/buttons/) and read back by the
same declaration; the forged-button tests start from every verb those modules declare."""

import importlib
import pkgutil
from datetime import date

import pytest

import bot.buttons
from bot.buttons import checkins, data_rights, endings, history, meetings, relay, stats
from bot.buttons.data import PAIR, Buttons, key
from bot.buttons.namespaces import NAMESPACES
from tests.e2e.every_button import every_button

# The row keys the e2e casts provide (test_bad_input, test_access_matrix).
CAST_KEYS = ("pair", "meeting", "proposal", "entry", "mentor", "student", "member", "programme")
CAST = dict.fromkeys(CAST_KEYS, 7)


def test_every_namespace_module_is_listed_once() -> None:
    declared = []
    for module in pkgutil.iter_modules(bot.buttons.__path__):
        buttons = getattr(importlib.import_module(f"bot.buttons.{module.name}"), "BUTTONS", None)
        if buttons is not None:
            declared.append(buttons)
    assert sorted(b.namespace for b in NAMESPACES) == sorted(b.namespace for b in declared)
    assert len({b.namespace for b in NAMESPACES}) == len(NAMESPACES)


def test_every_verb_can_be_forged_from_what_the_casts_provide() -> None:
    made = every_button(CAST)
    assert {namespace: len(data) for namespace, data in made.items()} == {
        b.namespace: len(b.verbs) for b in NAMESPACES
    }


def test_a_verb_with_a_number_nothing_fills_fails_the_forging() -> None:
    new = Buttons("ns", {"a": (PAIR,), "n": (key("thing"),)})

    with pytest.raises(AssertionError, match="ns:n: nothing to forge its 'thing' from"):
        every_button(CAST, (new,))


def test_the_builders_write_what_the_namespace_reads() -> None:
    assert checkins.mood(None, 3) == "ci:m:0:3"
    assert checkins.mood(12, 1) == "ci:m:12:1"
    assert meetings.which_pair(7) == "mt:p:7"
    assert meetings.which_pair(7, date(2026, 9, 6)) == "mt:e:7:20260906"
    assert meetings.met(7, days_back=1) == "mt:d:7:1"
    assert endings.keep() == "ep:n:0"
    assert data_rights.research_use(3, opt_in=False) == "dr:o:3"
    assert stats.programme(5) == "st:p:5:0"
    assert relay.write_to(0) == "rl:o:0"  # a refusal that could not name the pair
    assert history.listen(7) == "hi:l:7"
    for data in ("ci:m:0:3", "mt:e:7:20260906", "ep:n:0", "st:p:5:0", "rl:o:0", "hi:l:7"):
        (buttons,) = [b for b in NAMESPACES if data.startswith(f"{b.namespace}:")]
        assert buttons.parse(data) is not None, data


def test_a_button_its_namespace_would_not_read_is_not_made() -> None:
    with pytest.raises(ValueError, match="mt:d does not take 1 numbers"):
        meetings.BUTTONS.data("d", 7)
    with pytest.raises(ValueError):
        meetings.BUTTONS.data("zz")
