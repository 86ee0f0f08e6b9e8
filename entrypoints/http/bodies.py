"""Response bodies shared by the APIs."""

from __future__ import annotations

from uuid import UUID

import msgspec

__all__ = ["WrittenBody"]


class WrittenBody(msgspec.Struct, frozen=True):
    """What every command returns: the aggregate id, its new version and the log
    position of the last event written (pass it as `min_position` to read your write)."""

    id: UUID
    version: int
    position: int
