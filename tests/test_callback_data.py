"""Callback data is read strictly: each number within its own bounds, or not at all."""

import pytest

from bot.buttons.data import DAY, ID, ID_OR_ZERO, MOOD, PAGE, Buttons, Number
from bot.buttons.meetings import BUTTONS as MEETINGS
from bot.buttons.relay import BUTTONS as RELAY

BUTTONS = Buttons("ns", {"a": (ID, MOOD), "d": (DAY,), "x": ()})


def test_a_button_the_bot_makes_is_read_into_its_verb_and_numbers() -> None:
    assert BUTTONS.parse("ns:a:2147483647:5") == ("a", (2147483647, 5))
    assert BUTTONS.parse("ns:d:20260906") == ("d", (20260906,))
    assert BUTTONS.parse("ns:x") == ("x", ())


@pytest.mark.parametrize(
    "data",
    [
        "ns:a:2147483648:5",  # past PostgreSQL's INTEGER
        "ns:a:99999999999999999999:5",
        "ns:a:0:5",  # no row has key 0
        "ns:a:-1:5",
        "ns:a:1:6",  # no such mood
        "ns:a:1:0",
        "ns:a:x:5",
        "ns:a:²:5",  # a digit to str.isdigit, not to int()
        "ns:a:١:5",  # an Arabic-Indic one, which int() would take
        "ns:a: 1:5",
        "ns:a:1_0:5",
        "ns:a:+1:5",
        "ns:a::5",
        "ns:a:1",
        "ns:a:1:5:9",
        "ns:d:20260230",  # no such day
        "ns:d:99999999",
        "ns:x:1",
        "ns:zz:1:5",
        "other:a:1:5",  # another namespace's data
        "ns",
        "",
        None,
        "ns:a:1:" + "5" * 58,  # 64 bytes
        "ns:a:1:5" + ":" * 60,
    ],
)
def test_data_no_button_carries_is_refused(data: str | None) -> None:
    assert BUTTONS.parse(data) is None


def test_data_longer_than_telegram_allows_is_refused_even_if_it_reads_well() -> None:
    padded = Buttons("ns", {"p": (PAGE,) * 13})
    assert padded.parse("ns:p" + ":001" * 12 + ":1") is not None  # 54 bytes
    assert padded.parse("ns:p" + ":0001" * 12 + ":1") is None  # 66 bytes


def test_a_number_may_be_checked_beyond_its_range() -> None:
    even = Number("even", 0, 10, lambda n: n % 2 == 0)
    assert (even.read("4"), even.read("5"), even.read("12")) == (4, None, None)


def test_the_relay_buttons_take_database_keys_and_zero() -> None:
    assert RELAY.parse("rl:o:0") == ("o", (0,))
    assert RELAY.parse("rl:o:2147483647") == ("o", (2147483647,))
    assert RELAY.parse("rl:o:2147483648") is None
    assert RELAY.parse("rl:o:²") is None
    assert ID_OR_ZERO.read("0") == 0


def test_the_meeting_buttons_are_read_as_the_bot_makes_them() -> None:
    assert MEETINGS.parse("mt:a:7:6") == ("a", (7, 6))
    assert MEETINGS.parse("mt:y:7:12") == ("y", (7, 12))  # Accept: pair, proposal
    assert MEETINGS.parse("mt:r:7") == ("r", (7,))


@pytest.mark.parametrize(
    "data",
    [
        "mt:a:7:3",  # a rhythm no button offers, though within 2..8
        "mt:a:7:10",
        "mt:a:7:0",
        "mt:a:0:4",
        "mt:a:7",
        "mt:y:7",  # Accept names the pair and the proposal
        "mt:y:0:12",
        "mt:y:7:0",
        "mt:y:7:2147483648",
        "mt:y:7:12:1",
        "mt:r:0",
        "mt:r:7:1",
        "mt:r",
    ],
)
def test_meeting_buttons_no_button_carries_are_refused(data: str) -> None:
    assert MEETINGS.parse(data) is None
