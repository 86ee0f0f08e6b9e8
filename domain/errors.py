"""Domain errors: one base, mapped to HTTP once at the edge."""

from __future__ import annotations

__all__ = [
    "CustomerErased",
    "DomainError",
    "InvalidTransition",
    "InvalidValue",
    "UnknownTestDrive",
]


class DomainError(Exception):
    """A rule of the domain was broken; the message is safe to show a caller."""


class InvalidValue(DomainError):
    """A value object refused its input. `field` names the offending field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class InvalidTransition(DomainError):
    """A command does not apply in the aggregate's current state."""


class CustomerErased(DomainError):
    """The customer's personal data was erased; only audit reads remain."""


class UnknownTestDrive(DomainError):
    """No test drive with that id for this customer."""
