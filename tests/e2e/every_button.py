"""Every button the bot can make, from the namespace modules in `bot/buttons/`: the forged
presses of test_bad_input and test_access_matrix start from these, so a new verb is forged
by default."""

from __future__ import annotations

from collections.abc import Mapping

from bot.buttons.data import Buttons
from bot.buttons.namespaces import NAMESPACES


def every_button(
    values: Mapping[str, int], namespaces: tuple[Buttons, ...] = NAMESPACES
) -> dict[str, list[str]]:
    """Per namespace, the data of each of its verbs: a row's key taken from `values` by what
    it is ("pair", "student", "entry", …), every other number its declared example. A number
    with neither fails the test, naming the verb, until the cast or the number provides one."""
    return {buttons.namespace: _made(buttons, values) for buttons in namespaces}


def _made(buttons: Buttons, values: Mapping[str, int]) -> list[str]:
    made = []
    for verb, fields in buttons.verbs.items():
        numbers = []
        for field in fields:
            value = values.get(field.what, field.example)
            assert value is not None, (
                f"{buttons.namespace}:{verb}: nothing to forge its {field.what!r} from — "
                "give the cast one, or the number an example"
            )
            numbers.append(value)
        data = buttons.data(verb, *numbers)
        assert buttons.parse(data) is not None, f"{data}: not a button the bot could make"
        made.append(data)
    return made
