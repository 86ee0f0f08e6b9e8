"""The port for per-customer data keys (crypto-shredding). Postgres implements it."""

from __future__ import annotations

from typing import Protocol
from uuid import UUID

__all__ = ["DataKeys", "SubjectErased"]


class SubjectErased(Exception):
    """The subject's key was erased: no new personal data may be sealed for them."""


class DataKeys(Protocol):
    def key_for(self, subject: UUID) -> bytes | None:
        """The subject's data key, or None once erased (or never created)."""

    def create_key(self, subject: UUID) -> bytes:
        """The subject's key, created on first use. Raises SubjectErased after erasure."""

    def erase_key(self, subject: UUID) -> bool:
        """Destroy the key for good, in every process. True if a key was destroyed."""

    def close(self) -> None: ...
