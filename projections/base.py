"""What a read model is: tables in a schema of its own, filled batch by batch from the log."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any, ClassVar

from psycopg import Cursor

__all__ = ["Positioned", "ReadModel", "schema_of"]

Positioned = tuple[Any, int]  # a domain event and its position (notification id) in the log


def schema_of(name: str, *, rebuild: bool = False) -> str:
    """Each read model lives in schema `rm_<name>`; a rebuild fills `rm_<name>_next`."""
    return f"rm_{name}_next" if rebuild else f"rm_{name}"


class ReadModel(ABC):
    """A projection's tables and how one batch of events changes them.

    `apply` runs inside the runner's transaction, which also records the position of
    the batch's last event: rows and position commit together or not at all.
    """

    name: ClassVar[str]
    tables: ClassVar[Sequence[str]]  # CREATE statements; `{schema}` is filled in
    # Only a read model that shows personal data gets it opened; any other sees each
    # personal field as `Personal(subject, None)`, as if erased.
    shows_personal_data: ClassVar[bool] = False
    # True when every row belongs to one customer (or to one customer's sale or test
    # drive): a rebuild may then split the log by customer across processes.
    partitioned_by_customer: ClassVar[bool] = False

    def create_statements(self, schema: str) -> list[str]:
        return [statement.format(schema=schema) for statement in self.tables]

    @abstractmethod
    def apply(self, curs: Cursor[Any], schema: str, events: Sequence[Positioned]) -> None:
        """Change the tables for these events (in log order)."""
