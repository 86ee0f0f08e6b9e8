"""AES-256-GCM sealing of personal data, and wrapping of data keys by the master key."""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

__all__ = ["AESGCM", "InvalidTag", "new_data_key", "open_sealed", "parse_master_key", "seal"]

_NONCE_BYTES = 12


def new_data_key() -> bytes:
    return AESGCM.generate_key(bit_length=256)


def seal(key: bytes | AESGCM, plaintext: bytes, associated: bytes) -> bytes:
    """nonce || ciphertext+tag; `associated` binds it to its subject (not secret).

    `key` may be a prepared `AESGCM(key)`: preparing one costs more than opening a
    field, so callers that open many fields under one key keep it prepared.
    """
    nonce = os.urandom(_NONCE_BYTES)
    return nonce + _prepared(key).encrypt(nonce, plaintext, associated)


def open_sealed(key: bytes | AESGCM, sealed: bytes, associated: bytes) -> bytes:
    """Raises InvalidTag when the key, the data or the associated bytes do not match."""
    return _prepared(key).decrypt(sealed[:_NONCE_BYTES], sealed[_NONCE_BYTES:], associated)


def _prepared(key: bytes | AESGCM) -> AESGCM:
    return key if isinstance(key, AESGCM) else AESGCM(key)


def parse_master_key(text: str) -> bytes:
    """CIS_MASTER_KEY: 64 hex characters (32 bytes), e.g. from `openssl rand -hex 32`."""
    try:
        key = bytes.fromhex(text.strip())
    except ValueError:
        key = b""
    if len(key) != 32:
        raise ValueError("CIS_MASTER_KEY must be 64 hexadecimal characters (32 bytes)")
    return key
