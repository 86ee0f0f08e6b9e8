"""AES-256-GCM sealing of personal data, and wrapping of data keys by a ring of master keys.

A data key is wrapped with AES-256-GCM, its subject id as associated data (as before key
ids existed), rather than AES-KW (RFC 3394): GCM binds each wrapped key to its row, so a
wrapped key copied onto another subject's row does not open, and the rows written
before the ring keep opening unchanged.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from application.keys import KeyUnavailable

__all__ = [
    "AESGCM",
    "InvalidTag",
    "MasterKeyRing",
    "master_key_id",
    "new_data_key",
    "open_sealed",
    "parse_key_ring",
    "parse_master_key",
    "parse_master_keys",
    "seal",
]

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


def parse_master_key(text: str, variable: str = "CIS_MASTER_KEY") -> bytes:
    """A master key: 64 hex characters (32 bytes), e.g. from `openssl rand -hex 32`.

    The error names the variable, never the text (it may be most of a key)."""
    try:
        key = bytes.fromhex(text.strip())
    except ValueError:
        key = b""
    if len(key) != 32:
        raise ValueError(f"{variable} must be 64 hexadecimal characters (32 bytes)")
    return key


def parse_master_keys(text: str, variable: str) -> list[bytes]:
    """A comma-separated list of master keys (empty entries ignored)."""
    entries = [entry.strip() for entry in text.split(",") if entry.strip()]
    keys = []
    for number, entry in enumerate(entries, start=1):
        try:
            keys.append(parse_master_key(entry, variable))
        except ValueError:
            raise ValueError(f"{variable}: key {number} of {len(entries)} must be 64 "
                             "hexadecimal characters (32 bytes); keys are separated by "
                             "commas") from None
    return keys


def master_key_id(key: bytes) -> str:
    """A master key's public name: 16 hex characters of an HMAC under the key itself.

    One-way and labelled, so it names the key in rows, logs and reports without
    being a hash of the key that could be found anywhere else."""
    return hmac.new(key, b"cis master key id v1", hashlib.sha256).hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class MasterKeyRing:
    """The active master key (new wraps use it) and earlier ones that still unwrap."""

    active_id: str
    _keys: dict[str, AESGCM]

    @classmethod
    def of(cls, active: bytes, previous: Sequence[bytes] = ()) -> MasterKeyRing:
        keys = {master_key_id(key): AESGCM(key) for key in [*previous, active]}
        return cls(master_key_id(active), keys)

    @property
    def ids(self) -> Iterator[str]:
        return iter(self._keys)

    def wrap(self, data_key: bytes, subject: bytes) -> tuple[str, bytes]:
        """(the active key's id, the data key wrapped under it for this subject)."""
        return self.active_id, seal(self._keys[self.active_id], data_key, subject)

    def unwrap(self, key_id: str | None, wrapped: bytes, subject: bytes) -> bytes:
        """The data key; KeyUnavailable when no master key of the ring opens it.

        A row without a key id was wrapped before key ids existed: each key of the
        ring is tried, the active one first (GCM's tag tells the right one)."""
        if key_id is None:
            for candidate in [self.active_id, *(i for i in self._keys if i != self.active_id)]:
                try:
                    return open_sealed(self._keys[candidate], wrapped, subject)
                except InvalidTag:
                    continue
            raise KeyUnavailable(f"a data key wrapped before key ids opens with none of the "
                                 f"master keys {', '.join(self._keys)}: {_CONFIGURE}")
        master = self._keys.get(key_id)
        if master is None:
            raise KeyUnavailable(f"a data key is wrapped by master key {key_id}, which is "
                                 f"not configured: {_CONFIGURE}")
        try:
            return open_sealed(master, wrapped, subject)
        except InvalidTag:
            raise KeyUnavailable(f"a data key does not open with master key {key_id}: the "
                                 "row was altered, or another key has that id") from None


_CONFIGURE = "set it as CIS_MASTER_KEY or add it to CIS_PREVIOUS_MASTER_KEYS"


def parse_key_ring(active: str, previous: Sequence[str] = ()) -> MasterKeyRing:
    """The ring of CIS_MASTER_KEY and CIS_PREVIOUS_MASTER_KEYS (hex texts)."""
    return MasterKeyRing.of(parse_master_key(active),
                            parse_master_keys(",".join(previous), "CIS_PREVIOUS_MASTER_KEYS"))
