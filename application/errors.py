"""Application errors: what a use case can say besides a domain rule."""

from __future__ import annotations

__all__ = ["ApplicationError", "Conflict", "Forbidden", "NotFound"]


class ApplicationError(Exception):
    """Base of the application layer's errors; messages are safe to show a caller."""


class NotFound(ApplicationError):
    """No aggregate with that id."""


class Conflict(ApplicationError):
    """The aggregate changed since the caller read it (expected version mismatch)."""


class Forbidden(ApplicationError):
    """The actor may not act on this aggregate (e.g. another salesperson's customer)."""
