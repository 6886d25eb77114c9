"""Personal data at rest: AES-GCM encryption, keyed lookup hash, masks."""

from __future__ import annotations

import base64

import pytest
from cryptography.exceptions import InvalidTag

from shuniu.core import crypto

NUMBER = "110105199003071234"


def test_encrypt_then_decrypt_gives_the_plain_value_back():
    token = crypto.encrypt(NUMBER)
    assert token != NUMBER
    assert NUMBER not in token
    assert crypto.decrypt(token) == NUMBER


def test_encrypting_twice_gives_different_ciphertexts():
    # A fresh nonce per value: equal plain values must not be recognizable in the table.
    assert crypto.encrypt(NUMBER) != crypto.encrypt(NUMBER)


def test_empty_values_stay_empty():
    assert crypto.encrypt("") == ""
    assert crypto.decrypt("") == ""
    assert crypto.keyed_hash("") == ""


def test_a_tampered_ciphertext_is_refused():
    token = crypto.encrypt(NUMBER)
    raw = bytearray(base64.urlsafe_b64decode(token))
    raw[-1] ^= 1
    with pytest.raises(InvalidTag):
        crypto.decrypt(base64.urlsafe_b64encode(bytes(raw)).decode())


def test_a_ciphertext_of_unknown_version_is_refused():
    raw = b"\x02" + base64.urlsafe_b64decode(crypto.encrypt(NUMBER))[1:]
    with pytest.raises(ValueError, match="version"):
        crypto.decrypt(base64.urlsafe_b64encode(raw).decode())


def test_a_different_encryption_key_cannot_decrypt(settings):
    token = crypto.encrypt(NUMBER)
    settings.SHUNIU_ENCRYPTION_KEY = "another key entirely"
    with pytest.raises(InvalidTag):
        crypto.decrypt(token)


def test_the_keyed_hash_is_deterministic_and_hides_the_value():
    digest = crypto.keyed_hash(NUMBER)
    assert digest == crypto.keyed_hash(NUMBER)
    assert len(digest) == 64
    assert NUMBER not in digest
    assert digest != crypto.keyed_hash("110105199003071235")


def test_the_keyed_hash_depends_on_the_hash_key_only(settings):
    digest = crypto.keyed_hash(NUMBER)
    settings.SHUNIU_ENCRYPTION_KEY = "rotated encryption key"
    assert crypto.keyed_hash(NUMBER) == digest
    settings.SHUNIU_HASH_KEY = "another hash key"
    assert crypto.keyed_hash(NUMBER) != digest


def test_the_id_mask_keeps_the_county_and_the_last_four_only():
    assert crypto.mask_id_number("11010519900307123X") == "110105********123X"


def test_a_short_id_is_masked_entirely():
    assert crypto.mask_id_number("123456789") == "*********"


def test_the_phone_mask_keeps_the_first_three_and_last_four():
    assert crypto.mask_phone("13912345678") == "139****5678"
    assert crypto.mask_phone("123456") == "******"
