"""The port for crypto-shredding: sealing personal data with a per-subject key."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol
from uuid import UUID

__all__ = ["KeyUnavailable", "PersonalDataCipher", "SubjectErased"]


class SubjectErased(Exception):
    """The subject's key was erased: no new personal data may be sealed for them."""


class KeyUnavailable(Exception):
    """The subject's key exists but this process cannot open it: its master key is not
    configured (a rollout step missed), or the key row was damaged. Not an erasure:
    the data is still there for a process that has the right master key."""


class PersonalDataCipher(Protocol):
    def seal(self, subject: UUID, plaintext: bytes) -> bytes:
        """Encrypt with the subject's key (created on first use); SubjectErased after erasure."""

    def open(self, subject: UUID, sealed: bytes) -> bytes | None:
        """Decrypt, or None once the subject's key is erased; KeyUnavailable when the
        key exists but cannot be opened here."""

    def prefetch(self, subjects: Iterable[UUID]) -> None:
        """A hint: these subjects' data will be opened soon (lets a batch load keys at once)."""

    def erase(self, subject: UUID) -> bool:
        """Destroy the subject's key for good, in every process. True if one was destroyed."""

    def close(self) -> None: ...
