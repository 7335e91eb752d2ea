"""Reflection text is encrypted at rest and round-trips exactly, whatever it contains."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.crypto import CannotDecrypt, KeyProblem, ReflectionCipher, new_key

cipher = ReflectionCipher(new_key())


@given(st.text(max_size=4096))
def test_any_text_round_trips_exactly(text: str) -> None:
    assert cipher.decrypt(cipher.encrypt(text)) == text


def test_the_stored_form_does_not_contain_the_text() -> None:
    stored = cipher.encrypt("I cried in the sluice room today")
    assert b"sluice" not in stored
    assert cipher.encrypt("same") != cipher.encrypt("same")  # a fresh nonce each time


def test_another_key_cannot_read_it() -> None:
    with pytest.raises(CannotDecrypt):
        ReflectionCipher(new_key()).decrypt(cipher.encrypt("private"))


def test_damaged_data_is_refused_not_misread() -> None:
    stored = bytearray(cipher.encrypt("private"))
    stored[-1] ^= 1
    with pytest.raises(CannotDecrypt):
        cipher.decrypt(bytes(stored))


@pytest.mark.parametrize("key", ["", "not base64!!", "c2hvcnQ="])
def test_a_bad_key_is_refused_with_a_reason(key: str) -> None:
    with pytest.raises(KeyProblem):
        ReflectionCipher(key)
