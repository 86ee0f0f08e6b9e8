"""Personal data of one data subject, marked as such in every event that carries it.

The storage layer seals a `Personal` value with its subject's data key; once that key
is erased (DSG erasure) the event still loads, with `value` None: the personal field
reads as redacted while everything else in the event stays intact.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar
from uuid import UUID

__all__ = ["REDACTED", "Personal"]

T = TypeVar("T")

REDACTED = "[redacted]"


@dataclass(frozen=True, slots=True)
class Personal(Generic[T]):
    subject: UUID
    value: T | None

    @property
    def redacted(self) -> bool:
        return self.value is None

    def shown(self) -> str:
        """The value as text, or the redaction marker once erased."""
        return REDACTED if self.value is None else str(self.value)
