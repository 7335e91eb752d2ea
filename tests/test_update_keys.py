"""What identifies an update: the same for a re-delivery, different for a new event."""

from datetime import UTC, datetime
from typing import Any

from telegram import Update

from bot.transport.update_keys import KEY_LENGTH, update_identity, update_key

USER = {"id": 100001, "is_bot": False, "first_name": "Ana"}
CHAT = {"id": 100001, "type": "private", "first_name": "Ana"}
WHEN = int(datetime(2026, 12, 1, 9, tzinfo=UTC).timestamp())


def update(update_id: int, **content: Any) -> Update:
    return Update.de_json({"update_id": update_id, **content}, None)


def message(message_id: int, *, date: int = WHEN, text: str = "hi") -> dict[str, Any]:
    return {"message_id": message_id, "from": USER, "chat": CHAT, "date": date, "text": text}


def test_a_redelivered_message_has_the_same_key() -> None:
    assert update_key(update(7, message=message(3))) == update_key(update(7, message=message(3)))


def test_a_new_message_under_a_reused_update_id_has_a_new_key() -> None:
    assert update_key(update(1, message=message(3))) != update_key(update(1, message=message(4)))


def test_a_message_id_reused_at_another_time_has_a_new_key() -> None:
    later = message(3, date=WHEN + 60)
    assert update_key(update(1, message=message(3))) != update_key(update(1, message=later))


def test_an_edit_is_not_the_message_it_edits() -> None:
    edited = {**message(3), "edit_date": WHEN + 5}
    assert update_key(update(2, edited_message=edited)) != update_key(update(1, message=message(3)))


def test_a_button_press_is_known_by_its_query_id() -> None:
    press = {"id": "4200000000000000001", "from": USER, "chat_instance": "1", "data": "x"}
    assert update_identity(update(1, callback_query=press)) == "callback_query:4200000000000000001"


def test_other_updates_are_known_by_their_content_without_the_update_id() -> None:
    bot = {"id": 7000000001, "is_bot": True, "first_name": "frizon"}
    change = {
        "chat": CHAT,
        "from": USER,
        "date": WHEN,
        "old_chat_member": {"user": bot, "status": "member"},
        "new_chat_member": {"user": bot, "status": "kicked", "until_date": 0},
    }
    unblocked = {
        **change,
        "old_chat_member": change["new_chat_member"],
        "new_chat_member": change["old_chat_member"],
    }
    same = update_key(update(1, my_chat_member=change))
    assert same == update_key(update(99, my_chat_member=change))
    assert same != update_key(update(1, my_chat_member=unblocked))


def test_the_stored_key_does_not_name_the_person() -> None:
    key = update_key(update(1, message=message(3)))
    assert len(key) == KEY_LENGTH and str(USER["id"]) not in key
