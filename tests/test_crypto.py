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
