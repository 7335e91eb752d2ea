"""Reflection text is encrypted at rest and round-trips exactly, whatever it contains."""

import base64

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from hypothesis import given
from hypothesis import strategies as st

from bot.core.crypto import (
    CannotDecrypt,
    KeyProblem,
    ReflectionCipher,
    Written,
    checkin_binding,
    checkin_voice_binding,
    new_key,
)

KEY = new_key()
cipher = ReflectionCipher(KEY)
HERE = "checkin:1"


@given(st.text(max_size=4096))
def test_any_text_round_trips_exactly(text: str) -> None:
    assert cipher.decrypt(cipher.encrypt(text, bound_to=HERE), bound_to=HERE) == text


def test_the_stored_form_does_not_contain_the_text() -> None:
    stored = cipher.encrypt("I cried in the sluice room today", bound_to=HERE)
    assert b"sluice" not in stored
    assert cipher.encrypt("same", bound_to=HERE) != cipher.encrypt(
        "same", bound_to=HERE
    )  # a fresh nonce each time


def test_another_key_cannot_read_it() -> None:
    with pytest.raises(CannotDecrypt):
        ReflectionCipher(new_key()).decrypt(cipher.encrypt("private", bound_to=HERE), bound_to=HERE)


def test_damaged_data_is_refused_not_misread() -> None:
    stored = bytearray(cipher.encrypt("private", bound_to=HERE))
    stored[-1] ^= 1
    with pytest.raises(CannotDecrypt):
        cipher.decrypt(bytes(stored), bound_to=HERE)


def test_a_value_moved_to_another_row_is_refused() -> None:
    stored = cipher.encrypt("Ana's words", bound_to="checkin:1")
    with pytest.raises(CannotDecrypt):
        cipher.decrypt(stored, bound_to="checkin:2")


def test_an_entrys_text_and_its_voice_notes_cannot_stand_in_for_each_other() -> None:
    """Both columns of one row, under one key: bound apart, so neither decrypts as the other."""
    assert checkin_binding(1) != checkin_voice_binding(1)
    words = cipher.encrypt("Ana's words", bound_to=checkin_binding(1))
    voice = cipher.encrypt('["AwACAgIAAxkBAAI"]', bound_to=checkin_voice_binding(1))
    with pytest.raises(CannotDecrypt):
        cipher.decrypt(words, bound_to=checkin_voice_binding(1))
    with pytest.raises(CannotDecrypt):
        cipher.decrypt(voice, bound_to=checkin_binding(1))


def test_values_from_before_binding_are_still_read() -> None:
    """The first format (version 1) authenticated only its version byte."""
    nonce = bytes(12)
    aead = AESGCM(base64.urlsafe_b64decode(KEY))
    stored = b"\x01" + nonce + aead.encrypt(nonce, b"older words", b"\x01")
    assert cipher.decrypt(stored, bound_to="checkin:7") == "older words"


@pytest.mark.parametrize("key", ["", "not base64!!", "c2hvcnQ="])
def test_a_bad_key_is_refused_with_a_reason(key: str) -> None:
    with pytest.raises(KeyProblem):
        ReflectionCipher(key)


# The key ring: the current key encrypts, old keys only decrypt.

OLD, NEW = new_key(), new_key()


def test_a_value_names_its_key_without_carrying_it() -> None:
    stored = ReflectionCipher(NEW).encrypt("words", bound_to=HERE)
    again = ReflectionCipher(NEW).encrypt("other words", bound_to="checkin:9")

    raw = base64.urlsafe_b64decode(NEW)
    assert stored[:1] == b"\x03"
    assert stored[1:5] == again[1:5]  # the same key, the same id
    assert stored[1:5] != ReflectionCipher(OLD).encrypt("words", bound_to=HERE)[1:5]
    assert raw not in stored and raw[:4] != stored[1:5]


def test_the_ring_writes_with_the_current_key_and_reads_with_every_key() -> None:
    before = ReflectionCipher(OLD)
    ring = ReflectionCipher(NEW, [OLD])
    written_before = before.encrypt("before the rotation", bound_to=HERE)
    written_after = ring.encrypt("after the rotation", bound_to=HERE)

    assert ring.decrypt(written_before, bound_to=HERE) == "before the rotation"
    assert ring.decrypt(written_after, bound_to=HERE) == "after the rotation"
    assert ReflectionCipher(NEW).decrypt(written_after, bound_to=HERE) == "after the rotation"
    with pytest.raises(CannotDecrypt):  # new text is not written with the old key
        before.decrypt(written_after, bound_to=HERE)
    with pytest.raises(CannotDecrypt):  # and the old key's text needs the old key
        ReflectionCipher(NEW).decrypt(written_before, bound_to=HERE)


def test_which_key_wrote_a_value() -> None:
    ring = ReflectionCipher(NEW, [OLD])
    lost = ReflectionCipher(new_key()).encrypt("lost", bound_to=HERE)

    assert ring.written_with(ring.encrypt("new", bound_to=HERE), bound_to=HERE) is Written.CURRENT
    old = ReflectionCipher(OLD).encrypt("old", bound_to=HERE)
    assert ring.written_with(old, bound_to=HERE) is Written.OLD
    assert ring.written_with(lost, bound_to=HERE) is Written.UNREADABLE
    assert ring.has_old_keys and not ReflectionCipher(NEW).has_old_keys


def test_the_bound_format_of_before_key_ids_is_read_with_any_key_of_the_ring() -> None:
    """Format 2 was bound to its row but did not name its key: each key is tried, and its
    value counts as an old key's until re-encrypted."""
    nonce = bytes(12)
    aead = AESGCM(base64.urlsafe_b64decode(OLD))
    stored = b"\x02" + nonce + aead.encrypt(nonce, b"bound words", b"\x02" + HERE.encode())
    ring = ReflectionCipher(NEW, [OLD])

    assert ring.decrypt(stored, bound_to=HERE) == "bound words"
    assert ReflectionCipher(OLD).written_with(stored, bound_to=HERE) is Written.OLD
    with pytest.raises(CannotDecrypt):
        ring.decrypt(stored, bound_to="checkin:2")


def test_reencryption_keeps_the_text_and_the_binding() -> None:
    ring = ReflectionCipher(NEW, [OLD])
    old_words = ReflectionCipher(OLD).encrypt("Ana's words", bound_to=checkin_binding(4))
    old_voice = ReflectionCipher(OLD).encrypt('["AwAC"]', bound_to=checkin_voice_binding(4))

    words = ring.reencrypt(old_words, bound_to=checkin_binding(4))
    voice = ring.reencrypt(old_voice, bound_to=checkin_voice_binding(4))

    alone = ReflectionCipher(NEW)  # the old key removed
    assert alone.decrypt(words, bound_to=checkin_binding(4)) == "Ana's words"
    assert alone.decrypt(voice, bound_to=checkin_voice_binding(4)) == '["AwAC"]'
    with pytest.raises(CannotDecrypt):
        alone.decrypt(words, bound_to=checkin_voice_binding(4))
    with pytest.raises(CannotDecrypt):
        ring.reencrypt(old_words, bound_to=checkin_binding(5))


def test_a_value_whose_key_id_is_changed_is_refused() -> None:
    ring = ReflectionCipher(NEW, [OLD])
    stored = bytearray(ReflectionCipher(OLD).encrypt("words", bound_to=HERE))
    stored[1:5] = ring.encrypt("x", bound_to=HERE)[1:5]  # claims the current key
    with pytest.raises(CannotDecrypt):
        ring.decrypt(bytes(stored), bound_to=HERE)
    with pytest.raises(CannotDecrypt):  # an id no configured key has
        ReflectionCipher(new_key()).decrypt(ring.encrypt("x", bound_to=HERE), bound_to=HERE)


def test_a_bad_old_key_is_refused_saying_which() -> None:
    with pytest.raises(KeyProblem, match=r"old reflection key no\. 2"):
        ReflectionCipher(NEW, [OLD, "c2hvcnQ="])
