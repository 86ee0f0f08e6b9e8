"""The journey's stages as SQL, built from `domain.journey` (never spelled out here).

Read models store a stage as its value (`'contracted'`); the SQL that groups, counts or
ages stages takes its lists and conditions from here, so the domain stays the one
definition of the stage order, the converted stages and which stages go dormant.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from psycopg import sql

from domain.journey import DORMANT_AFTER, FORWARD_STAGES, NEVER_DORMANT, Stage

__all__ = ["FORWARD_STAGE_VALUES", "literal", "one_of", "stage_now"]

# The forward stages' values in order, for `array_position(...)` as a query parameter.
FORWARD_STAGE_VALUES: list[str] = [stage.value for stage in FORWARD_STAGES]


def literal(value: StrEnum) -> str:
    """A value of the domain as an SQL string literal, quoted by psycopg."""
    return sql.Literal(value.value).as_string(None)


def one_of(values: Iterable[StrEnum]) -> str:
    """`(<literal>, ...)` for `column IN (...)`, in the values' sorted order (stable SQL)."""
    return "(" + ", ".join(literal(value) for value in sorted(values)) + ")"


def stage_now(column: str = "stage", activity: str = "last_activity_at") -> str:
    """The stored stage as of now: quiet for `DORMANT_AFTER` makes a customer dormant,
    unless the stage is one that never goes dormant (converted, lost)."""
    return (f"CASE WHEN {column} NOT IN {one_of(NEVER_DORMANT)} "
            f"AND {activity} < now() - interval '{DORMANT_AFTER.days} days' "
            f"THEN {literal(Stage.DORMANT)} ELSE {column} END")
