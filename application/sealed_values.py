"""Opening, on read, the personal values that read models store sealed."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from uuid import UUID

from application.keys import PersonalDataCipher
from application.transcodings import MsgspecJSONTranscoder, register_value_transcodings

__all__ = ["SealedValues"]


class SealedValues:
    """Opens a stored ciphertext (an event's, copied as it is) with its subject's data
    key; None once the key is erased. Owns the cipher: `close` closes it."""

    def __init__(self, cipher: PersonalDataCipher) -> None:
        self._cipher = cipher
        # The sealed bytes hold the value as the event's transcoder encoded it.
        self._transcoder = MsgspecJSONTranscoder()
        register_value_transcodings(self._transcoder)

    def prefetch(self, subjects: Iterable[UUID]) -> None:
        """Load these subjects' keys in one query (before opening a page of rows)."""
        self._cipher.prefetch(subjects)

    def open(self, subject: UUID, ciphertext: bytes | None) -> Any:
        if ciphertext is None:
            return None
        plain = self._cipher.open(subject, bytes(ciphertext))
        return None if plain is None else self._transcoder.decode(plain)

    def close(self) -> None:
        self._cipher.close()
