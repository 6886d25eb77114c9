"""Protection of personal data at rest.

ID and phone numbers are encrypted with AES-GCM (a fresh 96-bit nonce per value) and found again
through an HMAC-SHA256 keyed hash, so that equality lookups and uniqueness work without the plain
value ever reaching the database. The two keys are independent: leaking the hash key does not
decrypt anything, and rotating the encryption key does not change the lookup hashes.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from functools import lru_cache

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

# One version byte in front of every ciphertext so that a later key rotation can tell keys apart.
_VERSION = b"\x01"


@lru_cache(maxsize=4)
def _aead(secret: str) -> AESGCM:
    return AESGCM(hashlib.sha256(("shuniu-enc:" + secret).encode()).digest())


@lru_cache(maxsize=4)
def _hash_key(secret: str) -> bytes:
    return hashlib.sha256(("shuniu-hash:" + secret).encode()).digest()


def encrypt(plain: str) -> str:
    """Encrypt ``plain``; returns URL-safe base64 text suitable for a text column."""
    if not plain:
        return ""
    nonce = os.urandom(12)
    sealed = _aead(settings.SHUNIU_ENCRYPTION_KEY).encrypt(nonce, plain.encode(), None)
    return base64.urlsafe_b64encode(_VERSION + nonce + sealed).decode()


def decrypt(token: str) -> str:
    if not token:
        return ""
    raw = base64.urlsafe_b64decode(token.encode())
    if raw[:1] != _VERSION:
        raise ValueError("unknown ciphertext version")
    return _aead(settings.SHUNIU_ENCRYPTION_KEY).decrypt(raw[1:13], raw[13:], None).decode()


def keyed_hash(plain: str) -> str:
    """Deterministic lookup hash of a normalized value (hex, 64 chars)."""
    if not plain:
        return ""
    return hmac.new(_hash_key(settings.SHUNIU_HASH_KEY), plain.encode(), hashlib.sha256).hexdigest()


def key_fingerprint(secret: str) -> str:
    """A short, stable name for a key, safe to print and to store: names a key without revealing it."""
    return hashlib.sha256(("shuniu-fingerprint:" + secret).encode()).hexdigest()[:16]


def encryption_key_fingerprint() -> str:
    return key_fingerprint(settings.SHUNIU_ENCRYPTION_KEY)


def hash_key_fingerprint() -> str:
    return key_fingerprint(settings.SHUNIU_HASH_KEY)


def mask_id_number(number: str) -> str:
    """110105********123X: region of issue and the last four, nothing that dates the person."""
    if len(number) < 10:
        return "*" * len(number)
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


def mask_phone(phone: str) -> str:
    if len(phone) < 7:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


def id_number_fields(number: str, digest: str | None = None) -> dict[str, str]:
    """The three stored columns of an ID number (encrypted, keyed hash, masked), as every model with
    personal data keeps them; ``digest`` when the caller has already hashed it."""
    return {"id_number_encrypted": encrypt(number), "id_number_hash": digest or keyed_hash(number),
            "id_number_masked": mask_id_number(number)}


def phone_fields(phone: str) -> dict[str, str]:
    """The two stored columns of a phone number (encrypted, masked)."""
    return {"phone_encrypted": encrypt(phone), "phone_masked": mask_phone(phone)}
