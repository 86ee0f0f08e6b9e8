"""The query parameters the query API shares, and how a bad one is refused (400).

Text parameters refuse control characters (C0, DEL, C1) in their declaration, so such
text never reaches Postgres (a NUL would be a DataError) and the 400 names the
parameter. Positions are bounded by what a notification id can be (a bigint).
"""

from __future__ import annotations

from typing import Annotated, NoReturn

from litestar.exceptions import ValidationException
from litestar.params import Parameter, ParameterKwarg

from domain.errors import InvalidValue
from domain.values import Canton

__all__ = ["MAX_POSITION", "MinPosition", "bad_parameter", "canton_code", "plain_text"]

# Anchored: every character of the value must be printable (no C0, DEL or C1 controls).
NO_CONTROL_CHARACTERS = r"^[^\x00-\x1f\x7f-\x9f]*$"
MAX_POSITION = 2**63 - 1  # notification ids are Postgres bigints


def plain_text(max_length: int, min_length: int | None = None) -> ParameterKwarg:
    """A text query parameter: at most `max_length` characters, no control characters."""
    parameter: ParameterKwarg = Parameter(
        min_length=min_length, max_length=max_length, pattern=NO_CONTROL_CHARACTERS,
        required=False, description="Text without control characters.")
    return parameter


MinPosition = Annotated[
    int | None,
    Parameter(
        ge=0,
        le=MAX_POSITION,
        required=False,
        description="Wait (at most 5 s) until the read model has processed this log "
        "position, e.g. the `position` a command returned; 503 if it does not in time.",
    ),
]


def bad_parameter(name: str, message: str) -> NoReturn:
    """Refuse query parameter `name` with a 400 that names it."""
    raise ValidationException(f"{name}: {message}", extra=[
        {"key": name, "message": message, "source": "query"}])


def canton_code(raw: str) -> str:
    """The canton's upper-case code; 400 for anything that is not a Swiss canton."""
    try:
        return Canton.parse(raw).code
    except InvalidValue as error:
        bad_parameter("canton", error.message)
