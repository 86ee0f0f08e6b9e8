"""What a command reports back."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

__all__ = ["Written"]


@dataclass(frozen=True, slots=True)
class Written:
    """The aggregate (or created entity) id, the aggregate's new version, and the log
    position of the last event written: pass it as `min_position` to read your write."""

    id: UUID
    version: int
    position: int
